//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// IQ4_NL weights × Q8 activations on AVX2: the loop of
// matvec_q8_0_amd64.s (its registers, blocks of 18 bytes) with another
// block product. A block's 16 bytes are unpacked to 32 indices as Q4_0's
// (matvec_q4_0_amd64.s: low nibbles elements 0..15, high 16..31) and
// looked up in the non-linear grid iq4Values (VPSHUFB; the grid is loaded
// into Y9, free between the gather and the scaling, once per block). The
// grid values are signed, so VPMADDUBSW takes |x| (VPABSB, once per block
// in Y12: −128 gives 128, right as unsigned) and the values with x's sign
// (VPSIGNB, at most 127 in magnitude): pairs of at most 2·128·127 in
// int16, exact for every input.

DATA nlgrid<>+0(SB)/8, $0xf6eaddcfbfad9881 // iq4Values
DATA nlgrid<>+8(SB)/8, $0x7159453526190d01
GLOBL nlgrid<>(SB), RODATA|NOPTR, $16

NIBSHIFT(nlshift<>)

SPLAT32(nllow<>, $0x0f0f0f0f0f0f0f0f)

// NLAVX2 leaves the 8 int32 partial sums of one row's block (its 16 code
// bytes at m) times the activations in r.
#define NLAVX2(m, r) \
	NIBBLES(m, r, nlshift<>, nllow<>); \
	VPSHUFB r, Y9, r;             \
	VPSIGNB Y14, r, r;            \
	VPMADDUBSW r, Y12, r;         \
	VPMADDWD   Y15, r, r

// NLACT loads the block's activations (Y14) and their magnitudes (Y12).
#define NLACT \
	VMOVDQU (R14), Y14; \
	VPABSB  Y14, Y12

// func matVecIQ4_NLAVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
TEXT ·matVecIQ4_NLAVX2(SB), NOSPLIT, $0-56
	LOADARGS
	VPCMPEQW Y15, Y15, Y15
	VPSRLW   $15, Y15, Y15

nlgroup:
	CMPQ CX, $8
	JLT  nltail
	GROUP8START

nlblock8:
	NLACT
	GATHER8
	VBROADCASTI128 nlgrid<>(SB), Y9
	PREFETCH8
	ROWS8(NLAVX2)
	REDUCE8
	PACK8AVX2
	SCALE8
	BLOCKNEXT(nlblock8, 18)
	GROUP8END
	JMP nlgroup

nltail:
	TESTQ CX, CX
	JZ    nldone
	ROW1START

nlblock1:
	NLACT
	VBROADCASTI128 nlgrid<>(SB), Y9
	NLAVX2(2(R8), Y0)
	REDUCE1
	SCALE1
	BLOCKNEXT(nlblock1, 18)
	ROW1END
	JMP nltail

nldone:
	VZEROUPPER
	RET
