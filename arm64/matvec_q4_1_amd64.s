//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// Q4_1 weights × Q8_1 activations on AVX2: the loop of
// matvec_q8_0_amd64.s (its registers, blocks of 20 bytes: d, m, 16 nibble
// bytes) with another block product and the offset. The nibbles are
// unpacked as Q4_0's (matvec_q4_0_amd64.s) and used unsigned: VPMADDUBSW
// pairs of at most 2·15·128, exact for every input. Per block
// sum += d·xd·Σq·x + m·xs, as in dotQ4_1: GATHER8's dwords hold d and m of
// the 8 rows, m widened apart (Q41MIN, Y8) and multiplied by xs[b] (R10)
// after SCALE8.

DATA q41shift<>+0(SB)/8, $0
DATA q41shift<>+8(SB)/8, $0
DATA q41shift<>+16(SB)/8, $0x0000000400000004
DATA q41shift<>+24(SB)/8, $0x0000000400000004
GLOBL q41shift<>(SB), RODATA|NOPTR, $32

DATA q41low<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q41low<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q41low<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q41low<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q41low<>(SB), RODATA|NOPTR, $32

// Q41AVX2 leaves the 8 int32 partial sums of one row's block (the block
// at m−2) times the activations in r.
#define Q41AVX2(m, r) \
	VBROADCASTI128 2+m, r;               \
	VPSRLVD        q41shift<>(SB), r, r; \
	VPAND          q41low<>(SB), r, r;   \
	VPMADDUBSW     Y14, r, r;            \
	VPMADDWD       Y15, r, r

// Q41MIN leaves the 8 rows' m (the high halves of the dwords GATHER8 left
// in Y10) in Y8, as floats.
#define Q41MIN \
	VPSRLD    $16, Y10, Y8;         \
	VPSHUFB   q8shuf<>(SB), Y8, Y8; \
	VPERMQ    $0x08, Y8, Y8;        \
	VCVTPH2PS X8, Y8

// func matVecQ4_1AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
TEXT ·matVecQ4_1AVX2(SB), NOSPLIT, $0-64
	LOADARGS
	MOVQ     xs+56(FP), R10
	VPCMPEQW Y15, Y15, Y15
	VPSRLW   $15, Y15, Y15

q41group:
	CMPQ CX, $8
	JLT  q41tail
	GROUP8START

q41block8:
	VMOVDQU (R14), Y14
	GATHER8
	PREFETCH8
	ROWS8(Q41AVX2)
	REDUCE8
	Q41MIN
	PACK8AVX2
	SCALE8
	VBROADCASTSS (R10)(AX*4), Y9
	VFMADD231PS  Y9, Y8, Y11
	BLOCKNEXT(q41block8, 20)
	GROUP8END
	JMP q41group

q41tail:
	TESTQ CX, CX
	JZ    q41done
	ROW1START

q41block1:
	VMOVDQU (R14), Y14
	Q41AVX2(2(R8), Y0)
	REDUCE1
	SCALE1
	MOVWLZX     2(R8), R13
	VMOVD       R13, X8
	VCVTPH2PS   X8, X8
	VMOVSS      (R10)(AX*4), X9
	VFMADD231SS X9, X8, X11
	BLOCKNEXT(q41block1, 20)
	ROW1END
	JMP q41tail

q41done:
	VZEROUPPER
	RET
