//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_f_arm64.h"

// F32 and F16 matrix × vector, 4 rows at a time sharing the loads of x.
// Each row keeps 4 accumulators of 4 lanes (16 partial sums: FMLA latency
// does not serialise the loop), reduced at the end with FADD and FADDP.
// The one-row loop for the last rows%4 rows performs the same operations
// on the same lanes in the same order, so a row's result does not depend
// on the rows around it.
//
// Column tails: 16 at a time, then 4 (into the first accumulator), then
// one at a time after the reduction (one fused multiply-add per row).
//
// Registers (4-row loop): R0 out, R1 rows left, R2 first row of the group,
// R3 x, R4 n, R5 row stride in bytes, R6..R9 row cursors, R10 x cursor,
// R11 columns left; V0..V3 x, V4..V15 weights, V16..V19 row 0's
// accumulators, V20..V23 row 1's, V24..V27 row 2's, V28..V31 row 3's.

// func matVecF32NEON(out *float32, rows int, w *float32, x *float32, n int)
// rows ≥ 0, n ≥ 1.
TEXT ·matVecF32NEON(SB), NOSPLIT, $0-40
	MVARGS
	LSL	$2, R4, R5

f32_group:
	CMP	$4, R1
	BLT	f32_tail
	MOVD	R2, R6
	ADD	R5, R6, R7
	ADD	R5, R7, R8
	ADD	R5, R8, R9
	MOVD	R3, R10
	SUBS	$16, R4, R11
	BGE	f32_first16
	ZERO16
	B	f32_cols4

f32_first16: // the first 16 columns set the accumulators: no zeroing
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW32_16(R6, V4.S4, V5.S4, V6.S4, V7.S4)
	LDW32_16(R7, V8.S4, V9.S4, V10.S4, V11.S4)
	FMUL4(16, 4)
	FMUL4(20, 8)
	LDW32_16(R8, V4.S4, V5.S4, V6.S4, V7.S4)
	LDW32_16(R9, V8.S4, V9.S4, V10.S4, V11.S4)
	FMUL4(24, 4)
	FMUL4(28, 8)
	SUBS	$16, R11, R11
	BLT	f32_cols4

f32_cols16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW32_16(R6, V4.S4, V5.S4, V6.S4, V7.S4)
	LDW32_16(R7, V8.S4, V9.S4, V10.S4, V11.S4)
	FMLA4(16, 4)
	FMLA4(20, 8)
	LDW32_16(R8, V4.S4, V5.S4, V6.S4, V7.S4)
	LDW32_16(R9, V8.S4, V9.S4, V10.S4, V11.S4)
	FMLA4(24, 4)
	FMLA4(28, 8)
	SUBS	$16, R11, R11
	BGE	f32_cols16

f32_cols4:
	ADDS	$12, R11, R11 // columns left − 4
	BLT	f32_reduce

f32_cols4_loop:
	VLD1.P	16(R10), [V0.S4]
	VLD1.P	16(R6), [V4.S4]
	VLD1.P	16(R7), [V5.S4]
	VLD1.P	16(R8), [V6.S4]
	VLD1.P	16(R9), [V7.S4]
	FMLA_4S(16, 4, 0)
	FMLA_4S(20, 5, 0)
	FMLA_4S(24, 6, 0)
	FMLA_4S(28, 7, 0)
	SUBS	$4, R11, R11
	BGE	f32_cols4_loop

f32_reduce:
	REDUCE4(16)
	REDUCE4(20)
	REDUCE4(24)
	REDUCE4(28)
	FADDP_4S(16, 16, 20)
	FADDP_4S(24, 24, 28)
	FADDP_4S(16, 16, 24)
	ADDS	$4, R11, R11 // columns left
	BEQ	f32_store

f32_cols1:
	VLD1.P	4(R10), V0.S[0]
	VLD1.P	4(R6), V4.S[0]
	VLD1.P	4(R7), V4.S[1]
	VLD1.P	4(R8), V4.S[2]
	VLD1.P	4(R9), V4.S[3]
	FMLA_4S_ELEM(16, 4, 0, 0)
	SUBS	$1, R11, R11
	BNE	f32_cols1

f32_store:
	VST1.P	[V16.S4], 16(R0)
	MOVD	R9, R2
	SUB	$4, R1, R1
	B	f32_group

f32_tail:
	CBZ	R1, f32_done

f32_row:
	MOVD	R2, R6
	MOVD	R3, R10
	SUBS	$16, R4, R11
	BGE	f32_row_first16
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16
	B	f32_row_cols4

f32_row_first16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW32_16(R6, V4.S4, V5.S4, V6.S4, V7.S4)
	FMUL4(16, 4)
	SUBS	$16, R11, R11
	BLT	f32_row_cols4

f32_row_cols16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW32_16(R6, V4.S4, V5.S4, V6.S4, V7.S4)
	FMLA4(16, 4)
	SUBS	$16, R11, R11
	BGE	f32_row_cols16

f32_row_cols4:
	ADDS	$12, R11, R11
	BLT	f32_row_reduce

f32_row_cols4_loop:
	VLD1.P	16(R10), [V0.S4]
	VLD1.P	16(R6), [V4.S4]
	FMLA_4S(16, 4, 0)
	SUBS	$4, R11, R11
	BGE	f32_row_cols4_loop

f32_row_reduce:
	REDUCE4(16)
	FADDP_4S(16, 16, 16)
	FADDP_4S(16, 16, 16)
	ADDS	$4, R11, R11
	BEQ	f32_row_store

f32_row_cols1:
	VLD1.P	4(R10), V0.S[0]
	VLD1.P	4(R6), V4.S[0]
	FMLA_4S_ELEM(16, 4, 0, 0)
	SUBS	$1, R11, R11
	BNE	f32_row_cols1

f32_row_store:
	VST1.P	V16.S[0], 4(R0)
	MOVD	R6, R2
	SUBS	$1, R1, R1
	BNE	f32_row

f32_done:
	RET

// func matVecF16NEON(out *float32, rows int, w *uint16, x *float32, n int)
// rows ≥ 0, n ≥ 1. The layout of matVecF32NEON with half-precision rows
// widened by FCVTL/FCVTL2 (exact).
TEXT ·matVecF16NEON(SB), NOSPLIT, $0-40
	MVARGS
	LSL	$1, R4, R5

f16_group:
	CMP	$4, R1
	BLT	f16_tail
	MOVD	R2, R6
	ADD	R5, R6, R7
	ADD	R5, R7, R8
	ADD	R5, R8, R9
	MOVD	R3, R10
	SUBS	$16, R4, R11
	BGE	f16_first16
	ZERO16
	B	f16_cols4

f16_first16: // the first 16 columns set the accumulators: no zeroing
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW16_16(R6, V12.H8, V13.H8, 12, 4)
	LDW16_16(R7, V14.H8, V15.H8, 14, 8)
	FMUL4(16, 4)
	FMUL4(20, 8)
	LDW16_16(R8, V12.H8, V13.H8, 12, 4)
	LDW16_16(R9, V14.H8, V15.H8, 14, 8)
	FMUL4(24, 4)
	FMUL4(28, 8)
	SUBS	$16, R11, R11
	BLT	f16_cols4

f16_cols16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW16_16(R6, V12.H8, V13.H8, 12, 4)
	LDW16_16(R7, V14.H8, V15.H8, 14, 8)
	FMLA4(16, 4)
	FMLA4(20, 8)
	LDW16_16(R8, V12.H8, V13.H8, 12, 4)
	LDW16_16(R9, V14.H8, V15.H8, 14, 8)
	FMLA4(24, 4)
	FMLA4(28, 8)
	SUBS	$16, R11, R11
	BGE	f16_cols16

f16_cols4:
	ADDS	$12, R11, R11
	BLT	f16_reduce

f16_cols4_loop:
	VLD1.P	16(R10), [V0.S4]
	VLD1.P	8(R6), [V12.H4]
	VLD1.P	8(R7), [V13.H4]
	VLD1.P	8(R8), [V14.H4]
	VLD1.P	8(R9), [V15.H4]
	FCVTL_4S(4, 12)
	FCVTL_4S(5, 13)
	FCVTL_4S(6, 14)
	FCVTL_4S(7, 15)
	FMLA_4S(16, 4, 0)
	FMLA_4S(20, 5, 0)
	FMLA_4S(24, 6, 0)
	FMLA_4S(28, 7, 0)
	SUBS	$4, R11, R11
	BGE	f16_cols4_loop

f16_reduce:
	REDUCE4(16)
	REDUCE4(20)
	REDUCE4(24)
	REDUCE4(28)
	FADDP_4S(16, 16, 20)
	FADDP_4S(24, 24, 28)
	FADDP_4S(16, 16, 24)
	ADDS	$4, R11, R11
	BEQ	f16_store

f16_cols1:
	VLD1.P	4(R10), V0.S[0]
	VLD1.P	2(R6), V12.H[0]
	VLD1.P	2(R7), V12.H[1]
	VLD1.P	2(R8), V12.H[2]
	VLD1.P	2(R9), V12.H[3]
	FCVTL_4S(4, 12)
	FMLA_4S_ELEM(16, 4, 0, 0)
	SUBS	$1, R11, R11
	BNE	f16_cols1

f16_store:
	VST1.P	[V16.S4], 16(R0)
	MOVD	R9, R2
	SUB	$4, R1, R1
	B	f16_group

f16_tail:
	CBZ	R1, f16_done

f16_row:
	MOVD	R2, R6
	MOVD	R3, R10
	SUBS	$16, R4, R11
	BGE	f16_row_first16
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16
	B	f16_row_cols4

f16_row_first16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW16_16(R6, V12.H8, V13.H8, 12, 4)
	FMUL4(16, 4)
	SUBS	$16, R11, R11
	BLT	f16_row_cols4

f16_row_cols16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDW16_16(R6, V12.H8, V13.H8, 12, 4)
	FMLA4(16, 4)
	SUBS	$16, R11, R11
	BGE	f16_row_cols16

f16_row_cols4:
	ADDS	$12, R11, R11
	BLT	f16_row_reduce

f16_row_cols4_loop:
	VLD1.P	16(R10), [V0.S4]
	VLD1.P	8(R6), [V12.H4]
	FCVTL_4S(4, 12)
	FMLA_4S(16, 4, 0)
	SUBS	$4, R11, R11
	BGE	f16_row_cols4_loop

f16_row_reduce:
	REDUCE4(16)
	FADDP_4S(16, 16, 16)
	FADDP_4S(16, 16, 16)
	ADDS	$4, R11, R11
	BEQ	f16_row_store

f16_row_cols1:
	VLD1.P	4(R10), V0.S[0]
	VLD1.P	2(R6), V12.H[0]
	FCVTL_4S(4, 12)
	FMLA_4S_ELEM(16, 4, 0, 0)
	SUBS	$1, R11, R11
	BNE	f16_row_cols1

f16_row_store:
	VST1.P	V16.S[0], 4(R0)
	MOVD	R6, R2
	SUBS	$1, R1, R1
	BNE	f16_row

f16_done:
	RET
