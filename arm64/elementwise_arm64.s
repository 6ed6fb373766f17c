//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// The element-wise kernels of elementwise.go: 16 values per iteration,
// then 4, then one at a time in lane 0 (the other lanes compute garbage
// that is never stored), every value with the same single operation.

// func lerpNEON(out, x, d, mix *float32, n, rows int)
// n ≥ 1, rows ≥ 1: out_i = x_i + d_i·mix_{i mod n} (FMLA, fused).
TEXT ·lerpNEON(SB), NOSPLIT, $0-48
	MOVD	out+0(FP), R0
	MOVD	x+8(FP), R1
	MOVD	d+16(FP), R2
	MOVD	mix+24(FP), R3
	MOVD	n+32(FP), R4
	MOVD	rows+40(FP), R5

lerp_row:
	MOVD	R3, R6
	SUBS	$16, R4, R7
	BLT	lerp_4

lerp_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P	64(R6), [V16.S4, V17.S4, V18.S4, V19.S4]
	FMLA_4S(0, 4, 16)
	FMLA_4S(1, 5, 17)
	FMLA_4S(2, 6, 18)
	FMLA_4S(3, 7, 19)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS	$16, R7, R7
	BGE	lerp_16

lerp_4:
	ADDS	$12, R7, R7
	BLT	lerp_1

lerp_4loop:
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VLD1.P	16(R6), [V16.S4]
	FMLA_4S(0, 4, 16)
	VST1.P	[V0.S4], 16(R0)
	SUBS	$4, R7, R7
	BGE	lerp_4loop

lerp_1:
	ADDS	$4, R7, R7
	BEQ	lerp_next

lerp_1loop:
	VLD1.P	4(R1), V0.S[0]
	VLD1.P	4(R2), V4.S[0]
	VLD1.P	4(R6), V16.S[0]
	FMLA_4S(0, 4, 16)
	VST1.P	V0.S[0], 4(R0)
	SUBS	$1, R7, R7
	BNE	lerp_1loop

lerp_next:
	SUBS	$1, R5, R5
	BNE	lerp_row
	RET

// func addNEON(out, a, b *float32, n int)
// n ≥ 1.
TEXT ·addNEON(SB), NOSPLIT, $0-32
	MOVD	out+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	n+24(FP), R4
	SUBS	$16, R4, R7
	BLT	add_4

add_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FADD_4S(0, 0, 4)
	FADD_4S(1, 1, 5)
	FADD_4S(2, 2, 6)
	FADD_4S(3, 3, 7)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS	$16, R7, R7
	BGE	add_16

add_4:
	ADDS	$12, R7, R7
	BLT	add_1

add_4loop:
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	FADD_4S(0, 0, 4)
	VST1.P	[V0.S4], 16(R0)
	SUBS	$4, R7, R7
	BGE	add_4loop

add_1:
	ADDS	$4, R7, R7
	BEQ	add_done

add_1loop:
	VLD1.P	4(R1), V0.S[0]
	VLD1.P	4(R2), V4.S[0]
	FADD_4S(0, 0, 4)
	VST1.P	V0.S[0], 4(R0)
	SUBS	$1, R7, R7
	BNE	add_1loop

add_done:
	RET

// func reluSquareNEON(out, x *float32, n int)
// n ≥ 1: out_i = max(x_i, 0)² (FMAX keeps NaN, as Go's max).
TEXT ·reluSquareNEON(SB), NOSPLIT, $0-24
	MOVD	out+0(FP), R0
	MOVD	x+8(FP), R1
	MOVD	n+16(FP), R4
	VEOR	V31.B16, V31.B16, V31.B16
	SUBS	$16, R4, R7
	BLT	relu_4

relu_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMAX_4S(0, 0, 31)
	FMAX_4S(1, 1, 31)
	FMAX_4S(2, 2, 31)
	FMAX_4S(3, 3, 31)
	FMUL_4S(0, 0, 0)
	FMUL_4S(1, 1, 1)
	FMUL_4S(2, 2, 2)
	FMUL_4S(3, 3, 3)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS	$16, R7, R7
	BGE	relu_16

relu_4:
	ADDS	$12, R7, R7
	BLT	relu_1

relu_4loop:
	VLD1.P	16(R1), [V0.S4]
	FMAX_4S(0, 0, 31)
	FMUL_4S(0, 0, 0)
	VST1.P	[V0.S4], 16(R0)
	SUBS	$4, R7, R7
	BGE	relu_4loop

relu_1:
	ADDS	$4, R7, R7
	BEQ	relu_done

relu_1loop:
	VLD1.P	4(R1), V0.S[0]
	FMAX_4S(0, 0, 31)
	FMUL_4S(0, 0, 0)
	VST1.P	V0.S[0], 4(R0)
	SUBS	$1, R7, R7
	BNE	relu_1loop

relu_done:
	RET

// func maxNEON(x *float32, n int) float32
// n ≥ 1. FMAX propagates NaN and orders −0 < +0, as Go's max; max is
// associative and commutative under those rules, so the order of the
// reduction does not matter.
TEXT ·maxNEON(SB), NOSPLIT, $0-20
	MOVD	x+0(FP), R1
	MOVD	n+8(FP), R4
	MOVW	$0xff800000, R2
	VDUP	R2, V4.S4
	VMOV	V4.B16, V5.B16
	VMOV	V4.B16, V6.B16
	VMOV	V4.B16, V7.B16
	SUBS	$16, R4, R7
	BLT	max_4

max_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMAX_4S(4, 4, 0)
	FMAX_4S(5, 5, 1)
	FMAX_4S(6, 6, 2)
	FMAX_4S(7, 7, 3)
	SUBS	$16, R7, R7
	BGE	max_16

max_4:
	FMAX_4S(4, 4, 5)
	FMAX_4S(6, 6, 7)
	FMAX_4S(4, 4, 6)
	ADDS	$12, R7, R7
	BLT	max_1

max_4loop:
	VLD1.P	16(R1), [V0.S4]
	FMAX_4S(4, 4, 0)
	SUBS	$4, R7, R7
	BGE	max_4loop

max_1:
	ADDS	$4, R7, R7
	BEQ	max_done
	VDUP	R2, V0.S4

max_1loop:
	VLD1.P	4(R1), V0.S[0]
	FMAX_4S(4, 4, 0)
	SUBS	$1, R7, R7
	BNE	max_1loop

max_done:
	FMAXV_S(4, 4)
	FMOVS	F4, ret+16(FP)
	RET
