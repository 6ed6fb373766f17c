//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// LayerNorm in three passes over x with the generic twin's arithmetic but
// 16 partial sums per pass: mean = Σx/n, var = Σ(x−mean)²/n,
// inv = float32(1/sqrt(float64(var+eps))), out = ((x−mean)·inv)·w + b
// (one fused multiply-add, as the compiled generic code). out may be x.
//
// Registers: R0 out, R1 x cursor, R2 w, R3 b, R4 n, R5 columns left,
// R6 x; V16..V19 partial sums, V20.S[0] mean, V21 mean in every lane,
// V22 inv in every lane, F23 = float32(n).

#define ZERO4 \
	VEOR	V16.B16, V16.B16, V16.B16; \
	VEOR	V17.B16, V17.B16, V17.B16; \
	VEOR	V18.B16, V18.B16, V18.B16; \
	VEOR	V19.B16, V19.B16, V19.B16

// SUM4 folds V16..V19 into F16.
#define SUM4 \
	FADD_4S(16, 16, 17); \
	FADD_4S(18, 18, 19); \
	FADD_4S(16, 16, 18); \
	FADDP_4S(16, 16, 16); \
	FADDP_S(16, 16)

// func layerNormNEON(out, x, w, b *float32, n int, eps float32)
// n ≥ 1.
TEXT ·layerNormNEON(SB), NOSPLIT, $0-44
	MOVD	out+0(FP), R0
	MOVD	x+8(FP), R6
	MOVD	w+16(FP), R2
	MOVD	b+24(FP), R3
	MOVD	n+32(FP), R4
	SCVTFS	R4, F23

	// pass 1: Σx
	MOVD	R6, R1
	ZERO4
	SUBS	$16, R4, R5
	BLT	sum_4

sum_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FADD_4S(16, 16, 0)
	FADD_4S(17, 17, 1)
	FADD_4S(18, 18, 2)
	FADD_4S(19, 19, 3)
	SUBS	$16, R5, R5
	BGE	sum_16

sum_4:
	ADDS	$12, R5, R5
	BLT	sum_reduce

sum_4_loop:
	VLD1.P	16(R1), [V0.S4]
	FADD_4S(16, 16, 0)
	SUBS	$4, R5, R5
	BGE	sum_4_loop

sum_reduce:
	SUM4
	ADDS	$4, R5, R5
	BEQ	sum_done

sum_1:
	FMOVS.P	4(R1), F0
	FADDS	F0, F16, F16
	SUBS	$1, R5, R5
	BNE	sum_1

sum_done:
	FDIVS	F23, F16, F20 // mean
	VDUP	V20.S[0], V21.S4

	// pass 2: Σ(x−mean)²
	MOVD	R6, R1
	ZERO4
	SUBS	$16, R4, R5
	BLT	var_4

var_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FSUB_4S(0, 0, 21)
	FSUB_4S(1, 1, 21)
	FSUB_4S(2, 2, 21)
	FSUB_4S(3, 3, 21)
	FMLA_4S(16, 0, 0)
	FMLA_4S(17, 1, 1)
	FMLA_4S(18, 2, 2)
	FMLA_4S(19, 3, 3)
	SUBS	$16, R5, R5
	BGE	var_16

var_4:
	ADDS	$12, R5, R5
	BLT	var_reduce

var_4_loop:
	VLD1.P	16(R1), [V0.S4]
	FSUB_4S(0, 0, 21)
	FMLA_4S(16, 0, 0)
	SUBS	$4, R5, R5
	BGE	var_4_loop

var_reduce:
	SUM4
	ADDS	$4, R5, R5
	BEQ	var_done

var_1:
	FMOVS.P	4(R1), F0
	FSUBS	F20, F0, F0
	FMADDS	F0, F16, F0, F16
	SUBS	$1, R5, R5
	BNE	var_1

var_done:
	FDIVS	F23, F16, F16 // variance
	FMOVS	eps+40(FP), F0
	FADDS	F0, F16, F16
	FCVTSD	F16, F16
	FSQRTD	F16, F16
	FMOVD	$1.0, F1
	FDIVD	F16, F1, F16
	FCVTDS	F16, F22
	VDUP	V22.S[0], V22.S4

	// pass 3: out = ((x−mean)·inv)·w + b
	MOVD	R6, R1
	SUBS	$16, R4, R5
	BLT	out_4

out_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P	64(R3), [V8.S4, V9.S4, V10.S4, V11.S4]
	FSUB_4S(0, 0, 21)
	FSUB_4S(1, 1, 21)
	FSUB_4S(2, 2, 21)
	FSUB_4S(3, 3, 21)
	FMUL_4S(0, 0, 22)
	FMUL_4S(1, 1, 22)
	FMUL_4S(2, 2, 22)
	FMUL_4S(3, 3, 22)
	FMLA_4S(8, 0, 4)
	FMLA_4S(9, 1, 5)
	FMLA_4S(10, 2, 6)
	FMLA_4S(11, 3, 7)
	VST1.P	[V8.S4, V9.S4, V10.S4, V11.S4], 64(R0)
	SUBS	$16, R5, R5
	BGE	out_16

out_4:
	ADDS	$12, R5, R5
	BLT	out_1_check

out_4_loop:
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VLD1.P	16(R3), [V8.S4]
	FSUB_4S(0, 0, 21)
	FMUL_4S(0, 0, 22)
	FMLA_4S(8, 0, 4)
	VST1.P	[V8.S4], 16(R0)
	SUBS	$4, R5, R5
	BGE	out_4_loop

out_1_check:
	ADDS	$4, R5, R5
	BEQ	done

out_1:
	FMOVS.P	4(R1), F0
	FMOVS.P	4(R2), F4
	FMOVS.P	4(R3), F8
	FSUBS	F20, F0, F0
	FMULS	F22, F0, F0
	FMADDS	F4, F8, F0, F8
	FMOVS.P	F8, 4(R0)
	SUBS	$1, R5, R5
	BNE	out_1

done:
	RET
