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

// F32 rows: 16 columns into V4..V7 (A) or V8..V11 (B); 4 and 1 columns.
#define F32_16A(p) LDW32_16(p, V4.S4, V5.S4, V6.S4, V7.S4)
#define F32_16B(p) LDW32_16(p, V8.S4, V9.S4, V10.S4, V11.S4)

#define F32_4ROWS4 \
	VLD1.P	16(R6), [V4.S4]; \
	VLD1.P	16(R7), [V5.S4]; \
	VLD1.P	16(R8), [V6.S4]; \
	VLD1.P	16(R9), [V7.S4]

#define F32_4ROWS1 \
	VLD1.P	4(R6), V4.S[0]; \
	VLD1.P	4(R7), V4.S[1]; \
	VLD1.P	4(R8), V4.S[2]; \
	VLD1.P	4(R9), V4.S[3]

#define F32_1ROW4 VLD1.P 16(R6), [V4.S4]
#define F32_1ROW1 VLD1.P 4(R6), V4.S[0]

// F16 rows: the halves in V12..V15, widened by FCVTL/FCVTL2 (exact).
#define F16_16A(p) LDW16_16(p, V12.H8, V13.H8, 12, 4)
#define F16_16B(p) LDW16_16(p, V14.H8, V15.H8, 14, 8)

// func matVecF32NEON(out *float32, rows int, w *float32, x *float32, n int)
// rows ≥ 0, n ≥ 1.
TEXT ·matVecF32NEON(SB), NOSPLIT, $0-40
	MATVECF(2, F32_16A, F32_16B, F32_4ROWS4, F32_4ROWS1, F32_1ROW4, F32_1ROW1)

// func matVecF16NEON(out *float32, rows int, w *uint16, x *float32, n int)
// rows ≥ 0, n ≥ 1. The layout of matVecF32NEON with half-precision rows
// widened by FCVTL/FCVTL2 (exact).
TEXT ·matVecF16NEON(SB), NOSPLIT, $0-40
	MATVECF(1, F16_16A, F16_16B, HALF4ROWS4(FCVTL_4S), HALF4ROWS1(FCVTL_4S), HALF1ROW4(FCVTL_4S), HALF1ROW1(FCVTL_4S))
