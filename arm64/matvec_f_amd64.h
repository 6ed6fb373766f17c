// What the float matvec kernels of the amd64 build (matvec_f_amd64.s,
// matvec_bf16_amd64.s) share: the lane sum HSUM (matmul_f_amd64.s uses it
// too), the row and cursor macros and the loop over groups of 4 rows and
// a tail of single rows. The including file defines BODY(ES, FMA, SFMA,
// ROWS, ROWSB, ADV, G, l16, l8, lsum, l1, store), the sums of one group,
// and the FMA and SFMA it is passed. See matvec_f_amd64.s for the
// registers.

#include "hsum_amd64.h"

// ROW4/ROW4B run OP on the first/second sums of the 4 rows, with weights
// at byte offset a and activations b; ROW1/ROW1B on one row.
#define ROW4(OP, a, b) OP(a(R10), b, Y0, Y10); OP(a(R11), b, Y1, Y11); OP(a(R12), b, Y2, Y10); OP(a(R13), b, Y3, Y11)
#define ROW4B(OP, a, b) OP(a(R10), b, Y4, Y10); OP(a(R11), b, Y5, Y11); OP(a(R12), b, Y6, Y10); OP(a(R13), b, Y7, Y11)
#define ROW1(OP, a, b) OP(a(R10), b, Y0, Y10)
#define ROW1B(OP, a, b) OP(a(R10), b, Y4, Y10)
#define ADV4(es) ADDQ $es, R10; ADDQ $es, R11; ADDQ $es, R12; ADDQ $es, R13
#define ADV1(es) ADDQ $es, R10

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
	BODY(ES, FMA, SFMA, ROW4, ROW4B, ADV4, ALL, g16, g8, gsum, g1, gstore); \
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
	BODY(ES, FMA, SFMA, ROW1, ROW1B, ADV1, NONE, t16, t8, tsum, t1, tstore); \
	VMOVSS X0, 0(DI);             \
	ADDQ   $4, DI;                \
	ADDQ   R9, R8;                \
	DECQ   CX;                    \
	JMP    tail;                  \
done:;                            \
	VZEROUPPER;                   \
	RET
