//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// func bonusNEON(y, r, k, rk, v *float32, n int)
// n ≥ 4, a multiple of 4. V16 holds the four lane sums (lane i mod 4:
// every step adds one product per lane, 16 or 4 values at a time, in the
// order of i).
TEXT ·bonusNEON(SB), NOSPLIT, $0-48
	MOVD	y+0(FP), R0
	MOVD	r+8(FP), R1
	MOVD	k+16(FP), R2
	MOVD	rk+24(FP), R3
	MOVD	v+32(FP), R4
	MOVD	n+40(FP), R5
	VEOR	V16.B16, V16.B16, V16.B16
	SUBS	$16, R5, R7
	BLT	sum_4

sum_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P	64(R3), [V8.S4, V9.S4, V10.S4, V11.S4]
	FMUL_4S(0, 0, 4)
	FMUL_4S(1, 1, 5)
	FMUL_4S(2, 2, 6)
	FMUL_4S(3, 3, 7)
	FMLA_4S(16, 0, 8)
	FMLA_4S(16, 1, 9)
	FMLA_4S(16, 2, 10)
	FMLA_4S(16, 3, 11)
	SUBS	$16, R7, R7
	BGE	sum_16

sum_4:
	ADDS	$16, R7, R7
	BEQ	sum_done

sum_4loop:
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VLD1.P	16(R3), [V8.S4]
	FMUL_4S(0, 0, 4)
	FMLA_4S(16, 0, 8)
	SUBS	$4, R7, R7
	BNE	sum_4loop

sum_done:
	FADDP_4S(16, 16, 16)
	FADDP_S(16, 16)
	MOVD	R0, R6
	SUBS	$16, R5, R7
	BLT	add_4

add_16:
	VLD1.P	64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R4), [V4.S4, V5.S4, V6.S4, V7.S4]
	FMLA_4S_ELEM(0, 4, 16, 0)
	FMLA_4S_ELEM(1, 5, 16, 0)
	FMLA_4S_ELEM(2, 6, 16, 0)
	FMLA_4S_ELEM(3, 7, 16, 0)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R6)
	SUBS	$16, R7, R7
	BGE	add_16

add_4:
	ADDS	$16, R7, R7
	BEQ	done

add_4loop:
	VLD1.P	16(R0), [V0.S4]
	VLD1.P	16(R4), [V4.S4]
	FMLA_4S_ELEM(0, 4, 16, 0)
	VST1.P	[V0.S4], 16(R6)
	SUBS	$4, R7, R7
	BNE	add_4loop

done:
	RET
