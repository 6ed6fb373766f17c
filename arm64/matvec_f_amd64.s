//go:build !purego

#include "textflag.h"

// F32 and F16 weights × f32 activations with FMA, 4 rows at a time, then
// one at a time. Per row one 8-lane sum takes 8 columns a step, then the
// lanes are added up and the last n mod 8 columns are added one by one:
// the operations, and so the bits, of a row of the MatMul tiles
// (matmul_f_amd64.s), so that a prompt gives the logits of its tokens
// fed one by one. F16 weights are widened with F16C (VCVTPH2PS), exactly. A lone
// row runs the same operations as a row of a group of 4.
//
// Registers: DI out, CX rows left, R8 first row of the group, R9 row
// bytes, SI x, BX n, R10..R13 row cursors, R14 x cursor, AX columns left,
// DX scratch; Y0..Y3 the sums of rows 0..3, Y8 activations, Y4..Y7,
// Y10, Y11 scratch.

// FMA32 and FMA16 add the 8 weights at m times x to acc; SFMA32 and
// SFMA16 add the one weight at m times X8 to the scalar sum acc. Scalars
// are loaded with VMOVSS, never as the memory operand of an arithmetic
// instruction: qemu-x86_64 reads 16 bytes for those and faults at the end
// of a mapping.
#define FMA32(m, x, acc, t) VFMADD231PS m, x, acc
#define FMA16(m, x, acc, t) VCVTPH2PS m, t; VFMADD231PS t, x, acc
#define SFMA32(m, acc) VMOVSS m, X10; VFMADD231SS X10, X8, acc
#define SFMA16(m, acc) MOVWLZX m, DX; VMOVD DX, X10; VCVTPH2PS X10, X10; VFMADD231SS X10, X8, acc

// HSUM adds the 8 lanes of y (x its low half) into x's lane 0.
#define HSUM(y, x, t) \
	VEXTRACTF128 $1, y, t; \
	VADDPS       t, x, x;  \
	VMOVHLPS     x, x, t;  \
	VADDPS       t, x, x;  \
	VMOVSHDUP    x, t;     \
	VADDSS       t, x, x

// ROW4 runs OP on the sums of the 4 rows, with weights at byte offset a
// and activations b; ROW1 on one row.
#define ROW4(OP, a, b) OP(a(R10), b, Y0, Y10); OP(a(R11), b, Y1, Y11); OP(a(R12), b, Y2, Y10); OP(a(R13), b, Y3, Y11)
#define ROW1(OP, a, b) OP(a(R10), b, Y0, Y10)
#define ADV4(es) ADDQ $es, R10; ADDQ $es, R11; ADDQ $es, R12; ADDQ $es, R13
#define ADV1(es) ADDQ $es, R10

// BODY computes the sums of one group (4 rows with ROW4, ADV4 and G=ALL;
// one with ROW1, ADV1 and G=NONE) for elements of ES bytes into X0..X3;
// the labels are passed in because the group and the tail each expand it.
#define BODY(ES, FMA, SFMA, ROWS, ADV, G, l8, lsum, l1, store) \
	MOVQ   SI, R14;                     \
	MOVQ   BX, AX;                      \
	VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; \
l8:;                                    \
	CMPQ    AX, $8;                     \
	JLT     lsum;                       \
	VMOVUPS (R14), Y8;                  \
	ROWS(FMA, 0, Y8);                   \
	ADV(8*ES);                          \
	ADDQ    $32, R14;                   \
	SUBQ    $8, AX;                     \
	JMP     l8;                         \
lsum:;                                  \
	HSUM(Y0, X0, X4); HSUM(Y1, X1, X5); HSUM(Y2, X2, X6); HSUM(Y3, X3, X7); \
l1:;                                    \
	TESTQ  AX, AX;                      \
	JZ     store;                       \
	VMOVSS (R14), X8;                   \
	SFMA((R10), X0);                    \
	G(SFMA((R11), X1); SFMA((R12), X2); SFMA((R13), X3));  \
	ADV(ES);                            \
	ADDQ   $4, R14;                     \
	DECQ   AX;                          \
	JMP    l1;                          \
store:

#define ALL(x) x
#define NONE(x)

#define KERNEL(ES, FMA, SFMA) \
	MOVQ out+0(FP), DI;           \
	MOVQ rows+8(FP), CX;          \
	MOVQ w+16(FP), R8;            \
	MOVQ x+24(FP), SI;            \
	MOVQ n+32(FP), BX;            \
	IMUL3Q $ES, BX, R9;           \
group:;                           \
	CMPQ CX, $4;                  \
	JLT  tail;                    \
	MOVQ R8, R10;                 \
	LEAQ (R8)(R9*1), R11;         \
	LEAQ (R8)(R9*2), R12;         \
	LEAQ (R11)(R9*2), R13;        \
	BODY(ES, FMA, SFMA, ROW4, ADV4, ALL, g8, gsum, g1, gstore); \
	VMOVSS X0, 0(DI);             \
	VMOVSS X1, 4(DI);             \
	VMOVSS X2, 8(DI);             \
	VMOVSS X3, 12(DI);            \
	ADDQ   $16, DI;               \
	LEAQ   (R8)(R9*4), R8;        \
	SUBQ   $4, CX;                \
	JMP    group;                 \
tail:;                            \
	TESTQ CX, CX;                 \
	JZ    done;                   \
	MOVQ  R8, R10;                \
	BODY(ES, FMA, SFMA, ROW1, ADV1, NONE, t8, tsum, t1, tstore); \
	VMOVSS X0, 0(DI);             \
	ADDQ   $4, DI;                \
	ADDQ   R9, R8;                \
	DECQ   CX;                    \
	JMP    tail;                  \
done:;                            \
	VZEROUPPER;                   \
	RET

// func matVecF32AVX2(out *float32, rows int, w *float32, x *float32, n int)
TEXT ·matVecF32AVX2(SB), NOSPLIT, $0-40
	KERNEL(4, FMA32, SFMA32)

// func matVecF16AVX2(out *float32, rows int, w *uint16, x *float32, n int)
TEXT ·matVecF16AVX2(SB), NOSPLIT, $0-40
	KERNEL(2, FMA16, SFMA16)
