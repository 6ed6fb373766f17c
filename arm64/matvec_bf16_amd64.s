//go:build !purego

#include "textflag.h"
#include "matvec_f_amd64.h"

// BF16 weights × f32 activations with FMA: the kernel of
// matvec_f_amd64.s (4 rows at a time, then one; two 8-lane sums per row
// over 16 columns a step, then 8, the lanes added up and the last n mod 8
// columns one by one; the shared macros are in matvec_f_amd64.h), with
// another widening: a bfloat16 is the top half of a float32, so VPMOVZXWD
// and VPSLLD 16 widen 8 of them exactly.
// Scalars are loaded into registers, never as the memory operand of an
// arithmetic instruction (qemu-x86_64 reads 16 bytes for those).
//
// Registers: DI out, CX rows left, R8 first row of the group, R9 row
// bytes, SI x, BX n, R10..R13 row cursors, R14 x cursor, AX columns left,
// DX scratch; Y0..Y3 and Y4..Y7 the two sums of rows 0..3, Y8, Y9
// activations, Y10, Y11 scratch.

#define FMABF(m, x, acc, t) VPMOVZXWD m, t; VPSLLD $16, t, t; VFMADD231PS t, x, acc
#define SFMABF(m, acc) MOVWLZX m, DX; SHLL $16, DX; VMOVD DX, X10; VFMADD231SS X10, X8, acc

// BODY computes the sums of one group (4 rows with ROW4, ADV4 and G=ALL;
// one with ROW1, ADV1 and G=NONE) for elements of ES bytes into X0..X3;
// the labels are passed in because the group and the tail each expand it.
#define BODY(ES, FMA, SFMA, ROWS, ROWSB, ADV, G, l16, l8, lsum, l1, store) \
	MOVQ   SI, R14;                     \
	MOVQ   BX, AX;                      \
	VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2; VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; \
l16:;                                   \
	CMPQ    AX, $16;                    \
	JLT     l8;                         \
	VMOVUPS (R14), Y8;                  \
	VMOVUPS 32(R14), Y9;                \
	ROWS(FMA, 0, Y8);                   \
	ROWSB(FMA, 8*ES, Y9);               \
	ADV(16*ES);                         \
	ADDQ    $64, R14;                   \
	SUBQ    $16, AX;                    \
	JMP     l16;                        \
l8:;                                    \
	CMPQ    AX, $8;                     \
	JLT     lsum;                       \
	VMOVUPS (R14), Y8;                  \
	ROWS(FMA, 0, Y8);                   \
	ADV(8*ES);                          \
	ADDQ    $32, R14;                   \
	SUBQ    $8, AX;                     \
lsum:;                                  \
	VADDPS Y4, Y0, Y0; VADDPS Y5, Y1, Y1; VADDPS Y6, Y2, Y2; VADDPS Y7, Y3, Y3; \
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

// func matVecBF16AVX2(out *float32, rows int, w *uint16, x *float32, n int)
TEXT ·matVecBF16AVX2(SB), NOSPLIT, $0-40
	KERNEL(2, FMABF, SFMABF)
