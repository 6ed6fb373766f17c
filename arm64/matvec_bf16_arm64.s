//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_f_arm64.h"

// BF16 matrix × vector: the scheme, registers and summation order of
// matvec_f_arm64.s, with bfloat16 weights widened by a shift.

// BF16 weights of 16 columns of row cursor p, widened into V(w)..V(w+3);
// V(h), V(h+1) hold the raw halves.
#define LDWBF_16(p, h0, h1, h, w) \
	VLD1.P	32(p), [h0, h1]; \
	SHLL16_4S(w, h); \
	SHLL16_2_4S(w+1, h); \
	SHLL16_4S(w+2, h+1); \
	SHLL16_2_4S(w+3, h+1)

// func matVecBF16NEON(out *float32, rows int, w *uint16, x *float32, n int)
// rows ≥ 0, n ≥ 1. matVecF16NEON with bfloat16 rows widened by SHLL #16
// (the bits moved to the top half of a float32: exact).
TEXT ·matVecBF16NEON(SB), NOSPLIT, $0-40
	MVARGS
	LSL	$1, R4, R5

bf16_group:
	CMP	$4, R1
	BLT	bf16_tail
	MOVD	R2, R6
	ADD	R5, R6, R7
	ADD	R5, R7, R8
	ADD	R5, R8, R9
	MOVD	R3, R10
	ZERO16
	SUBS	$16, R4, R11
	BLT	bf16_cols4

bf16_cols16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDWBF_16(R6, V12.H8, V13.H8, 12, 4)
	LDWBF_16(R7, V14.H8, V15.H8, 14, 8)
	FMLA4(16, 4)
	FMLA4(20, 8)
	LDWBF_16(R8, V12.H8, V13.H8, 12, 4)
	LDWBF_16(R9, V14.H8, V15.H8, 14, 8)
	FMLA4(24, 4)
	FMLA4(28, 8)
	SUBS	$16, R11, R11
	BGE	bf16_cols16

bf16_cols4:
	ADDS	$12, R11, R11
	BLT	bf16_reduce

bf16_cols4_loop:
	VLD1.P	16(R10), [V0.S4]
	VLD1.P	8(R6), [V12.H4]
	VLD1.P	8(R7), [V13.H4]
	VLD1.P	8(R8), [V14.H4]
	VLD1.P	8(R9), [V15.H4]
	SHLL16_4S(4, 12)
	SHLL16_4S(5, 13)
	SHLL16_4S(6, 14)
	SHLL16_4S(7, 15)
	FMLA_4S(16, 4, 0)
	FMLA_4S(20, 5, 0)
	FMLA_4S(24, 6, 0)
	FMLA_4S(28, 7, 0)
	SUBS	$4, R11, R11
	BGE	bf16_cols4_loop

bf16_reduce:
	REDUCE4(16)
	REDUCE4(20)
	REDUCE4(24)
	REDUCE4(28)
	FADDP_4S(16, 16, 20)
	FADDP_4S(24, 24, 28)
	FADDP_4S(16, 16, 24)
	ADDS	$4, R11, R11
	BEQ	bf16_store

bf16_cols1:
	VLD1.P	4(R10), V0.S[0]
	VLD1.P	2(R6), V12.H[0]
	VLD1.P	2(R7), V12.H[1]
	VLD1.P	2(R8), V12.H[2]
	VLD1.P	2(R9), V12.H[3]
	SHLL16_4S(4, 12)
	FMLA_4S_ELEM(16, 4, 0, 0)
	SUBS	$1, R11, R11
	BNE	bf16_cols1

bf16_store:
	VST1.P	[V16.S4], 16(R0)
	MOVD	R9, R2
	SUB	$4, R1, R1
	B	bf16_group

bf16_tail:
	CBZ	R1, bf16_done

bf16_row:
	MOVD	R2, R6
	MOVD	R3, R10
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16
	SUBS	$16, R4, R11
	BLT	bf16_row_cols4

bf16_row_cols16:
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]
	LDWBF_16(R6, V12.H8, V13.H8, 12, 4)
	FMLA4(16, 4)
	SUBS	$16, R11, R11
	BGE	bf16_row_cols16

bf16_row_cols4:
	ADDS	$12, R11, R11
	BLT	bf16_row_reduce

bf16_row_cols4_loop:
	VLD1.P	16(R10), [V0.S4]
	VLD1.P	8(R6), [V12.H4]
	SHLL16_4S(4, 12)
	FMLA_4S(16, 4, 0)
	SUBS	$4, R11, R11
	BGE	bf16_row_cols4_loop

bf16_row_reduce:
	REDUCE4(16)
	FADDP_4S(16, 16, 16)
	FADDP_4S(16, 16, 16)
	ADDS	$4, R11, R11
	BEQ	bf16_row_store

bf16_row_cols1:
	VLD1.P	4(R10), V0.S[0]
	VLD1.P	2(R6), V12.H[0]
	SHLL16_4S(4, 12)
	FMLA_4S_ELEM(16, 4, 0, 0)
	SUBS	$1, R11, R11
	BNE	bf16_row_cols1

bf16_row_store:
	VST1.P	V16.S[0], 4(R0)
	MOVD	R6, R2
	SUBS	$1, R1, R1
	BNE	bf16_row

bf16_done:
	RET
