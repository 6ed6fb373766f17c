//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_q_arm64.h"

// Q8_0 weights × Q8 activations, 8 rows at a time.
//
// Per block of 32 columns each row needs Σ w·x in int32, then
// out += float(Σ)·(d_w·d_x). The 8 rows share the activation load. Instead
// of zeroing the int32 accumulators V0..V7 for every block, they keep
// running (mod 2^32) and are reduced with ADDP into one vector per 4 rows
// after every block; subtracting the previous block's reduction gives this
// block's exact sums (wrap-around cancels). The two "previous" vectors
// alternate between V20,V21 and V22,V23 in a loop unrolled four times
// (then a pair and a single block for the rest), so no register moves are
// needed but one after an odd number of blocks; the running sums carry on
// from one group of rows to the next (QGROUPSTARTRUN). Per 8 rows and block: 16 loads, 16 SDOT,
// 6 ADDP, 2 SUB, 2 SCVTF, 2 FCVTL, 2 FMUL, 2 FMLA, 2 activation loads:
// about 0.2 instructions per weight.
//
// Registers:
//	R0 out, R1 rows left, R2 first row of the group, R3 row bytes,
//	R4 xq, R5 xd, R6 blocks per row, R7..R14 row cursors,
//	R15 xq cursor, R16 xd cursor, R17 block quads left (one-row loop: blocks)
//	V0..V7 running int32 sums of rows 0..7 (4 lanes each)
//	V8, V9 activations of the block; V18.S[3] their scale
//	V10..V17 weights of 4 rows; V18, V19 fp16 scales of rows 0..3, 4..7
//	V20..V23 reduced running sums (previous/current, alternating)
//	V24, V25 float sums of rows 0..3, 4..7; V26..V29 scratch
//	V30, V31 constants (Q4_0)

// Q8ROW loads the scale of row cursor p's next block into half lane s and
// its 32 quants into wa, wb.
#define Q8ROW(p, s, wa, wb) \
	VLD1.P	2(p), s; \
	VLD1.P	32(p), [wa, wb]

// SDOT2 adds the block products of one row (weights in registers wa, wb)
// to its running sum a.
#define SDOT2(a, wa, wb) \
	SDOT_4S(a, wa, 8); \
	SDOT_4S(a, wb, 9)

// SMUL2 is SDOT2 for ARMv8.0: widening multiplies into int16 (two products
// per lane, exact while no −128·−128 pair occurs: the Go side checks that
// the activations hold no −128), then pairwise accumulation into int32.
// t, u are scratch registers.
#define SMUL2(a, wa, wb, t, u) \
	SMULL_8H(t, wa, 8); \
	SMLAL2_8H(t, wa, 8); \
	SMULL_8H(u, wb, 9); \
	SMLAL2_8H(u, wb, 9); \
	SADALP_4S(a, t); \
	SADALP_4S(a, u)

#define Q8BLOCK8_DOT(po0, po1, pn0, pn1) \
	QACT; \
	Q8ROW(R7, V18.H[0], V10.B16, V11.B16); \
	Q8ROW(R8, V18.H[1], V12.B16, V13.B16); \
	Q8ROW(R9, V18.H[2], V14.B16, V15.B16); \
	Q8ROW(R10, V18.H[3], V16.B16, V17.B16); \
	SDOT2(0, 10, 11); \
	SDOT2(1, 12, 13); \
	SDOT2(2, 14, 15); \
	SDOT2(3, 16, 17); \
	Q8ROW(R11, V19.H[0], V10.B16, V11.B16); \
	Q8ROW(R12, V19.H[1], V12.B16, V13.B16); \
	Q8ROW(R13, V19.H[2], V14.B16, V15.B16); \
	Q8ROW(R14, V19.H[3], V16.B16, V17.B16); \
	SDOT2(4, 10, 11); \
	SDOT2(5, 12, 13); \
	SDOT2(6, 14, 15); \
	SDOT2(7, 16, 17); \
	QFINISH(po0, po1, pn0, pn1)

#define Q8BLOCK8_V80(po0, po1, pn0, pn1) \
	QACT; \
	Q8ROW(R7, V18.H[0], V10.B16, V11.B16); \
	Q8ROW(R8, V18.H[1], V12.B16, V13.B16); \
	Q8ROW(R9, V18.H[2], V14.B16, V15.B16); \
	Q8ROW(R10, V18.H[3], V16.B16, V17.B16); \
	SMUL2(0, 10, 11, 26, 27); \
	SMUL2(1, 12, 13, 28, 29); \
	SMUL2(2, 14, 15, 26, 27); \
	SMUL2(3, 16, 17, 28, 29); \
	Q8ROW(R11, V19.H[0], V10.B16, V11.B16); \
	Q8ROW(R12, V19.H[1], V12.B16, V13.B16); \
	Q8ROW(R13, V19.H[2], V14.B16, V15.B16); \
	Q8ROW(R14, V19.H[3], V16.B16, V17.B16); \
	SMUL2(4, 10, 11, 26, 27); \
	SMUL2(5, 12, 13, 28, 29); \
	SMUL2(6, 14, 15, 26, 27); \
	SMUL2(7, 16, 17, 28, 29); \
	QFINISH(po0, po1, pn0, pn1)

// func matVecQ8_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·34.
TEXT ·matVecQ8_0Dot(SB), NOSPLIT, $0-56
	QARGS
	QRUNINIT

dot_group:
	CMP	$8, R1
	BLT	dot_tail
	QGROUPSTARTRUN
	CBZ	R17, dot_pair

dot_quad:
	Q8BLOCK8_DOT(20, 21, 22, 23)
	Q8BLOCK8_DOT(22, 23, 20, 21)
	Q8BLOCK8_DOT(20, 21, 22, 23)
	Q8BLOCK8_DOT(22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	dot_quad

dot_pair:
	TBZ	$1, R6, dot_odd
	Q8BLOCK8_DOT(20, 21, 22, 23)
	Q8BLOCK8_DOT(22, 23, 20, 21)

dot_odd:
	TBZ	$0, R6, dot_store
	Q8BLOCK8_DOT(20, 21, 22, 23)
	QRUNODD

dot_store:
	QGROUPEND
	B	dot_group

dot_tail:
	CBZ	R1, dot_done

dot_row:
	QROW1START

dot_row_block:
	QACT
	Q8ROW(R7, V18.H[0], V10.B16, V11.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	SDOT2(0, 10, 11)
	QROW1FINISH
	SUBS	$1, R17, R17
	BNE	dot_row_block
	QROW1END
	BNE	dot_row

dot_done:
	RET

// func matVecQ8_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// ARMv8.0; the activations must not hold −128 (see SMUL2).
TEXT ·matVecQ8_0V80(SB), NOSPLIT, $0-56
	QARGS
	QRUNINIT

v80_group:
	CMP	$8, R1
	BLT	v80_tail
	QGROUPSTARTRUN
	CBZ	R17, v80_pair

v80_quad:
	Q8BLOCK8_V80(20, 21, 22, 23)
	Q8BLOCK8_V80(22, 23, 20, 21)
	Q8BLOCK8_V80(20, 21, 22, 23)
	Q8BLOCK8_V80(22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	v80_quad

v80_pair:
	TBZ	$1, R6, v80_odd
	Q8BLOCK8_V80(20, 21, 22, 23)
	Q8BLOCK8_V80(22, 23, 20, 21)

v80_odd:
	TBZ	$0, R6, v80_store
	Q8BLOCK8_V80(20, 21, 22, 23)
	QRUNODD

v80_store:
	QGROUPEND
	B	v80_group

v80_tail:
	CBZ	R1, v80_done

v80_row:
	QROW1START

v80_row_block:
	QACT
	Q8ROW(R7, V18.H[0], V10.B16, V11.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	SMUL2(0, 10, 11, 26, 27)
	QROW1FINISH
	SUBS	$1, R17, R17
	BNE	v80_row_block
	QROW1END
	BNE	v80_row

v80_done:
	RET

// func hasInt8Min(p *int8, n int) bool
// Reports whether any of the n bytes at p (n a multiple of 32, n ≥ 32) is −128.
TEXT ·hasInt8Min(SB), NOSPLIT, $0-17
	MOVD	p+0(FP), R0
	MOVD	n+8(FP), R1
	VMOVI	$128, V31.B16
	VEOR	V30.B16, V30.B16, V30.B16

min_loop:
	VLD1.P	32(R0), [V0.B16, V1.B16]
	CMEQ_16B(0, 0, 31)
	CMEQ_16B(1, 1, 31)
	VORR	V0.B16, V30.B16, V30.B16
	VORR	V1.B16, V30.B16, V30.B16
	SUBS	$32, R1, R1
	BNE	min_loop
	UMAXV_B(30, 30)
	VMOV	V30.B[0], R2
	CMP	$0, R2
	CSET	NE, R2
	MOVB	R2, ret+16(FP)
	RET
