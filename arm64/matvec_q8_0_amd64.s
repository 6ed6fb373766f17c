//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// Q8_0 weights × Q8 activations, 8 rows at a time, then one at a time.
//
// One block (32 int8) fills a ymm register. Per row and block the products
// are summed exactly into 8 int32 lanes, and the 8 rows' lane vectors are
// reduced (VPHADDD, then the two 128-bit halves added) into one vector of
// 8 exact block sums, one lane per row, as the generic twin has them. The
// sums are converted to float and accumulated with FMA, scaled by d_w·d_x:
// the 8 rows' fp16 d_w are gathered (VPGATHERDD at a stride of one row)
// and widened with F16C. A row alone (the tail) computes its block sum
// the same exact way and runs the same float operations on one lane, so
// its result does not depend on the grouping.
//
// Registers:
//	DI out, CX rows left, R8 first row of the group (its block cursor),
//	R9 row bytes, R11 3·row bytes, R12 R8 + 4 rows, SI xq, DX xd,
//	BX blocks per row, R14 xq cursor, AX block index
//	Y0..Y7 int32 lanes of rows 0..7, then the reduction
//	Y8..Y10 scratch; Y11 float sums of the 8 rows (or the lone row)
//	Y12 VNNI: −128·Σ x over each 4 activations
//	Y13 gather offsets 0, 1, …, 7 rows; Y14 activations of the block
//	Y15 AVX2: int16 ones; VNNI: bytes 0x80; Y17 (VNNI) zero

// Q8AVX2 leaves the 8 int32 partial sums of one row's block (weights at
// m, 2 bytes into the block) times the activations in r. With u = |w| and s = x·sign(w),
// u·s = w·x; VPMADDUBSW sums pairs of u·s into int16 (|u·s| ≤ 128·127, so
// a pair never saturates while no x is −128) and VPMADDWD pairs those
// into int32.
#define Q8AVX2(m, r) \
	VMOVDQU    m, r;     \
	VPSIGNB    r, r, Y8;   \
	VPSIGNB    r, Y14, r;  \
	VPMADDUBSW r, Y8, r;   \
	VPMADDWD   Y15, r, r

// Q8VNNI is Q8AVX2 with VPDPBUSD, which multiplies unsigned by signed
// bytes: the weights are offset to u = w+128 (w XOR 0x80) and
// Σ u·x − 128·Σ x = Σ w·x, exact in int32 for every input; the sums start
// at −128·Σ x (Y12, shared by the rows).
#define Q8VNNI(m, r) \
	VPXOR    m, Y15, Y8; \
	VMOVDQA  Y12, r;       \
	VPDPBUSD Y14, Y8, r

// func matVecQ8_0AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
TEXT ·matVecQ8_0AVX2(SB), NOSPLIT, $0-56
	LOADARGS
	VPCMPEQW Y15, Y15, Y15
	VPSRLW   $15, Y15, Y15

avx2group:
	CMPQ CX, $8
	JLT  avx2tail
	GROUP8START

avx2block8:
	VMOVDQU (R14), Y14
	GATHER8
	PREFETCH8
	ROWS8(Q8AVX2)
	REDUCE8
	PACK8AVX2
	SCALE8
	BLOCKNEXT(avx2block8, 34)
	GROUP8END
	JMP avx2group

avx2tail:
	TESTQ CX, CX
	JZ    avx2done
	ROW1START

avx2block1:
	VMOVDQU (R14), Y14
	Q8AVX2(2(R8), Y0)
	REDUCE1
	SCALE1
	BLOCKNEXT(avx2block1, 34)
	ROW1END
	JMP avx2tail

avx2done:
	VZEROUPPER
	RET

// VNNIACT loads the activation block and −128·Σx.
#define VNNIACT \
	VMOVDQU  (R14), Y14;    \
	VPXOR    Y12, Y12, Y12; \
	VPDPBUSD Y14, Y15, Y12; \
	VPSUBD   Y12, Y17, Y12

// func matVecQ8_0VNNI(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
TEXT ·matVecQ8_0VNNI(SB), NOSPLIT, $0-56
	LOADARGS
	MOVL         $0x80808080, R11
	VMOVD        R11, X15
	VPBROADCASTD X15, Y15
	VPXORD       Y17, Y17, Y17

vnnigroup:
	CMPQ CX, $8
	JLT  vnnitail
	GROUP8START

vnniblock8:
	VNNIACT
	GATHER8
	PREFETCH8
	ROWS8(Q8VNNI)
	REDUCE8
	VPMOVDW Y10, X10
	SCALE8
	BLOCKNEXT(vnniblock8, 34)
	GROUP8END
	JMP vnnigroup

vnnitail:
	TESTQ CX, CX
	JZ    vnnidone
	ROW1START

vnniblock1:
	VNNIACT
	Q8VNNI(2(R8), Y0)
	REDUCE1
	SCALE1
	BLOCKNEXT(vnniblock1, 34)
	ROW1END
	JMP vnnitail

vnnidone:
	VZEROUPPER
	RET

// func hasInt8Min(p *int8, n int) bool
TEXT ·hasInt8Min(SB), NOSPLIT, $0-17
	MOVQ         p+0(FP), SI
	MOVQ         n+8(FP), CX
	MOVL         $0x80808080, AX
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VPXOR        Y2, Y2, Y2

minloop:
	VPCMPEQB (SI), Y0, Y1
	VPOR     Y1, Y2, Y2
	ADDQ     $32, SI
	SUBQ     $32, CX
	JNZ      minloop
	VPTEST   Y2, Y2
	SETNE    ret+16(FP)
	VZEROUPPER
	RET
