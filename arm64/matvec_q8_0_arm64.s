//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// Q8_0 weights × Q8 activations, 8 rows at a time.
//
// Per block of 32 columns each row needs Σ w·x in int32, then
// out += float(Σ)·(d_w·d_x). The 8 rows share the activation load. Instead
// of zeroing the int32 accumulators V0..V7 for every block, they keep
// running (mod 2^32) and are reduced with ADDP into one vector per 4 rows
// after every block; subtracting the previous block's reduction gives this
// block's exact sums (wrap-around cancels). The two "previous" vectors
// alternate between V20,V21 and V22,V23 in a loop unrolled twice, so no
// register moves are needed. Per 8 rows and block: 16 loads, 16 SDOT,
// 6 ADDP, 2 SUB, 2 SCVTF, 2 FCVTL, 2 FMUL, 2 FMLA, 2 activation loads:
// about 0.2 instructions per weight.
//
// Registers:
//	R0 out, R1 rows left, R2 first row of the group, R3 row bytes,
//	R4 xq, R5 xd, R6 blocks per row, R7..R14 row cursors,
//	R15 xq cursor, R16 xd cursor, R17 block pairs left
//	V0..V7 running int32 sums of rows 0..7 (4 lanes each)
//	V8, V9 activations of the block; V30.S[0] its scale
//	V10..V17 weights of 4 rows; V18, V19 fp16 scales of rows 0..3, 4..7
//	V20..V23 reduced running sums (previous/current, alternating)
//	V24, V25 float sums of rows 0..3, 4..7; V26..V29 scratch

// Q8ROW loads the scale of row cursor p's next block into half lane s and
// its 32 quants into wa, wb.
#define Q8ROW(p, s, wa, wb) \
	VLD1.P	2(p), s; \
	VLD1.P	32(p), [wa, wb]

// Q8ACT loads the activations of the next block and their scale.
#define Q8ACT \
	VLD1.P	32(R15), [V8.B16, V9.B16]; \
	VLD1.P	4(R16), V30.S[0]

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

// Q8FINISH turns the running sums V0..V7 into this block's float
// contribution: po0, po1 hold the previous reductions, pn0, pn1 receive
// the current ones.
#define Q8FINISH(po0, po1, pn0, pn1) \
	ADDP_4S(26, 0, 1); \
	ADDP_4S(27, 2, 3); \
	ADDP_4S(pn0, 26, 27); \
	ADDP_4S(28, 4, 5); \
	ADDP_4S(29, 6, 7); \
	ADDP_4S(pn1, 28, 29); \
	SUB_4S(26, pn0, po0); \
	SUB_4S(27, pn1, po1); \
	SCVTF_4S(26, 26); \
	SCVTF_4S(27, 27); \
	FCVTL_4S(28, 18); \
	FCVTL_4S(29, 19); \
	FMUL_4S_ELEM(28, 28, 30, 0); \
	FMUL_4S_ELEM(29, 29, 30, 0); \
	FMLA_4S(24, 26, 28); \
	FMLA_4S(25, 27, 29)

#define Q8BLOCK8_DOT(po0, po1, pn0, pn1) \
	Q8ACT; \
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
	Q8FINISH(po0, po1, pn0, pn1)

#define Q8BLOCK8_V80(po0, po1, pn0, pn1) \
	Q8ACT; \
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
	Q8FINISH(po0, po1, pn0, pn1)

// Q8GROUPSTART points R7..R14 at the 8 rows from R2, rewinds the
// activation cursors and clears the sums.
#define Q8GROUPSTART \
	MOVD	R2, R7; \
	ADD	R3, R7, R8; \
	ADD	R3, R8, R9; \
	ADD	R3, R9, R10; \
	ADD	R3, R10, R11; \
	ADD	R3, R11, R12; \
	ADD	R3, R12, R13; \
	ADD	R3, R13, R14; \
	MOVD	R4, R15; \
	MOVD	R5, R16; \
	LSR	$1, R6, R17; \
	VEOR	V0.B16, V0.B16, V0.B16; \
	VEOR	V1.B16, V1.B16, V1.B16; \
	VEOR	V2.B16, V2.B16, V2.B16; \
	VEOR	V3.B16, V3.B16, V3.B16; \
	VEOR	V4.B16, V4.B16, V4.B16; \
	VEOR	V5.B16, V5.B16, V5.B16; \
	VEOR	V6.B16, V6.B16, V6.B16; \
	VEOR	V7.B16, V7.B16, V7.B16; \
	VEOR	V20.B16, V20.B16, V20.B16; \
	VEOR	V21.B16, V21.B16, V21.B16; \
	VEOR	V24.B16, V24.B16, V24.B16; \
	VEOR	V25.B16, V25.B16, V25.B16

// Q8GROUPEND stores the 8 sums and moves to the next group (R14 has
// advanced exactly to the row after the group).
#define Q8GROUPEND \
	VST1.P	[V24.S4, V25.S4], 32(R0); \
	MOVD	R14, R2; \
	SUB	$8, R1, R1

// Q8ROW1START / Q8ROW1END frame the one-row loop for the last rows%8 rows.
// It computes each row with the same operations, in the same order, as the
// 8-row loop (lane 0 of every vector), so results do not depend on the
// grouping.
#define Q8ROW1START \
	MOVD	R2, R7; \
	MOVD	R4, R15; \
	MOVD	R5, R16; \
	MOVD	R6, R17; \
	VEOR	V24.B16, V24.B16, V24.B16

#define Q8ROW1FINISH \
	ADDP_4S(0, 0, 0); \
	ADDP_4S(0, 0, 0); \
	SCVTF_4S(0, 0); \
	FCVTL_4S(28, 18); \
	FMUL_4S_ELEM(28, 28, 30, 0); \
	FMLA_4S(24, 0, 28)

#define Q8ROW1END \
	VST1.P	V24.S[0], 4(R0); \
	MOVD	R7, R2; \
	SUBS	$1, R1, R1

#define Q8ARGS \
	MOVD	out+0(FP), R0; \
	MOVD	rows+8(FP), R1; \
	MOVD	w+16(FP), R2; \
	MOVD	rowBytes+24(FP), R3; \
	MOVD	xq+32(FP), R4; \
	MOVD	xd+40(FP), R5; \
	MOVD	nb+48(FP), R6

// func matVecQ8_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·34.
TEXT ·matVecQ8_0Dot(SB), NOSPLIT, $0-56
	Q8ARGS

dot_group:
	CMP	$8, R1
	BLT	dot_tail
	Q8GROUPSTART
	CBZ	R17, dot_odd

dot_pair:
	Q8BLOCK8_DOT(20, 21, 22, 23)
	Q8BLOCK8_DOT(22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	dot_pair

dot_odd:
	TBZ	$0, R6, dot_store
	Q8BLOCK8_DOT(20, 21, 22, 23)

dot_store:
	Q8GROUPEND
	B	dot_group

dot_tail:
	CBZ	R1, dot_done

dot_row:
	Q8ROW1START

dot_row_block:
	Q8ACT
	Q8ROW(R7, V18.H[0], V10.B16, V11.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	SDOT2(0, 10, 11)
	Q8ROW1FINISH
	SUBS	$1, R17, R17
	BNE	dot_row_block
	Q8ROW1END
	BNE	dot_row

dot_done:
	RET

// func matVecQ8_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// ARMv8.0; the activations must not hold −128 (see SMUL2).
TEXT ·matVecQ8_0V80(SB), NOSPLIT, $0-56
	Q8ARGS

v80_group:
	CMP	$8, R1
	BLT	v80_tail
	Q8GROUPSTART
	CBZ	R17, v80_odd

v80_pair:
	Q8BLOCK8_V80(20, 21, 22, 23)
	Q8BLOCK8_V80(22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	v80_pair

v80_odd:
	TBZ	$0, R6, v80_store
	Q8BLOCK8_V80(20, 21, 22, 23)

v80_store:
	Q8GROUPEND
	B	v80_group

v80_tail:
	CBZ	R1, v80_done

v80_row:
	Q8ROW1START

v80_row_block:
	Q8ACT
	Q8ROW(R7, V18.H[0], V10.B16, V11.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	SMUL2(0, 10, 11, 26, 27)
	Q8ROW1FINISH
	SUBS	$1, R17, R17
	BNE	v80_row_block
	Q8ROW1END
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
