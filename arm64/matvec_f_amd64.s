//go:build !purego

#include "textflag.h"
#include "matvec_f_amd64.h"

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

// BODY computes the sums of one group (4 rows with ROW4, ADV4 and G=ALL;
// one with ROW1, ADV1 and G=NONE) for elements of ES bytes into X0..X3;
// the labels are passed in because the group and the tail each expand it.
// ROWSB and l16 are for matvec_bf16_amd64.s's 16-column step, unused here.
#define BODY(ES, FMA, SFMA, ROWS, ROWSB, ADV, G, l16, l8, lsum, l1, store) \
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

// func matVecF32AVX2(out *float32, rows int, w *float32, x *float32, n int)
TEXT ·matVecF32AVX2(SB), NOSPLIT, $0-40
	KERNEL(4, FMA32, SFMA32)

// func matVecF16AVX2(out *float32, rows int, w *uint16, x *float32, n int)
TEXT ·matVecF16AVX2(SB), NOSPLIT, $0-40
	KERNEL(2, FMA16, SFMA16)
