//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// Q5_0 weights × Q8 activations on AVX2: the loop of matvec_q8_0_amd64.s
// (its registers, blocks of 22 bytes: d, qh, 16 nibble bytes) with another
// block product. The nibbles are unpacked as Q4_0's (matvec_q4_0_amd64.s:
// low nibbles elements 0..15, high 16..31); bit i of qh, element i's bit
// 4, is spread to byte i (qh broadcast, each byte i picking qh's byte
// i/8, masked to bit i%8, compared equal to it, masked to 0x10) and ORed
// in: unsigned codes n = q+16 up to 31. Then Σ (n−16)·x = Σ n·x − 16·Σ x,
// 16·Σ x per pair computed once per block for all rows (Y12): VPMADDUBSW
// pairs of at most 2·31·128, less at most 2·16·128, stay in int16, exact
// for every input.

NIBSHIFT(q5shift<>)

SPLAT32(q5low<>, $0x0f0f0f0f0f0f0f0f)

SPLAT32(q5sixteen<>, $0x1010101010101010)

// Byte i: qh's byte i/8.
TABLE32(q5bsel<>, $0x0000000000000000, $0x0101010101010101, $0x0202020202020202, $0x0303030303030303)

// Byte i: bit i%8.
SPLAT32(q5bit<>, $0x8040201008040201)

// Q5AVX2 leaves the 8 int32 partial sums of one row's block (its qh at m,
// the nibbles 4 bytes on) times the activations in r.
#define Q5AVX2(m, r) \
	QHBITS(m, q5bsel<>, q5bit<>, q5sixteen<>); \
	NIBBLES(4+m, r, q5shift<>, q5low<>);       \
	VPOR       Y8, r, r;                       \
	VPMADDUBSW Y14, r, r;                      \
	VPSUBW     Y12, r, r;                      \
	VPMADDWD   Y15, r, r

// Q5ACT loads the block's activations (Y14) and 16·(x_2k + x_2k+1) (Y12).
#define Q5ACT \
	VMOVDQU    (R14), Y14;            \
	VMOVDQU    q5sixteen<>(SB), Y12;  \
	VPMADDUBSW Y14, Y12, Y12

// func matVecQ5_0AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
TEXT ·matVecQ5_0AVX2(SB), NOSPLIT, $0-56
	LOADARGS
	VPCMPEQW Y15, Y15, Y15
	VPSRLW   $15, Y15, Y15

q5group:
	CMPQ CX, $8
	JLT  q5tail
	GROUP8START

q5block8:
	Q5ACT
	GATHER8
	PREFETCH8
	ROWS8(Q5AVX2)
	REDUCE8
	PACK8AVX2
	SCALE8
	BLOCKNEXT(q5block8, 22)
	GROUP8END
	JMP q5group

q5tail:
	TESTQ CX, CX
	JZ    q5done
	ROW1START

q5block1:
	Q5ACT
	Q5AVX2(2(R8), Y0)
	REDUCE1
	SCALE1
	BLOCKNEXT(q5block1, 22)
	ROW1END
	JMP q5tail

q5done:
	VZEROUPPER
	RET
