//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "quantize_arm64.h"

// func quantizeQ8_KNEON(q *int8, d *float32, s *int16, x *float32, nb int)
// One block of 256 values per iteration, the arithmetic of
// quantizeQ8_KGeneric exactly. A first pass takes the largest and the
// smallest value (FMAXNM/FMINNM from 0, so a NaN never wins, as it never
// passes the twin's a > amax); the peak is the one of larger magnitude.
// When both have the same magnitude the twin's peak is the first of them
// in the block, found by a scalar scan (rare). iscale = −127/peak, d =
// 1/iscale; the second pass converts iscale·x with FCVTNS (ties to even,
// as math.RoundToEven; |iscale·x| ≤ 127 up to rounding, so no clamp is
// needed and UZP1 narrows exactly), and SADDLV sums each 16 codes. A block
// whose iscale is infinite (all zero, or a tiny peak) gets d = 0 and zero
// codes and sums.
TEXT ·quantizeQ8_KNEON(SB), NOSPLIT, $0-40
	MOVD	q+0(FP), R0
	MOVD	d+8(FP), R1
	MOVD	s+16(FP), R2
	MOVD	x+24(FP), R3
	MOVD	nb+32(FP), R4
	MOVW	$0xc2fe0000, R5 // −127.0
	FMOVS	R5, F29
	FMOVS	$1.0, F28
	MOVW	$0x7f800000, R5 // +Inf
	FMOVS	R5, F30

block:
	MOVD	R3, R6
	VEOR	V24.B16, V24.B16, V24.B16
	VEOR	V25.B16, V25.B16, V25.B16
	VEOR	V26.B16, V26.B16, V26.B16
	VEOR	V27.B16, V27.B16, V27.B16
	MOVD	$8, R7

pass1:
	LOAD32(R3)
	FMAXNM_4S(24, 24, 0)
	FMINNM_4S(25, 25, 0)
	FMAXNM_4S(26, 26, 1)
	FMINNM_4S(27, 27, 1)
	FMAXNM_4S(24, 24, 2)
	FMINNM_4S(25, 25, 2)
	FMAXNM_4S(26, 26, 3)
	FMINNM_4S(27, 27, 3)
	FMAXNM_4S(24, 24, 4)
	FMINNM_4S(25, 25, 4)
	FMAXNM_4S(26, 26, 5)
	FMINNM_4S(27, 27, 5)
	FMAXNM_4S(24, 24, 6)
	FMINNM_4S(25, 25, 6)
	FMAXNM_4S(26, 26, 7)
	FMINNM_4S(27, 27, 7)
	SUBS	$1, R7, R7
	BNE	pass1
	FMAXNM_4S(24, 24, 26)
	FMINNM_4S(25, 25, 27)
	FMAXNMV_S(24, 24)
	FMINNMV_S(25, 25)
	FNEGS	F25, F26 // −min
	FCMPS	F26, F24
	BGT	peak_max
	BLT	peak_min
	// |max| = |min|: zero block, or both signs at the peak magnitude.
	FCMPS	$0.0, F24
	BEQ	zero
	MOVD	R6, R8

scan:
	FMOVS.P	4(R8), F0
	FABSS	F0, F1
	FCMPS	F24, F1
	BNE	scan
	FMOVS	F0, F20
	B	scaled

peak_max:
	FMOVS	F24, F20
	B	scaled

peak_min:
	FMOVS	F25, F20

scaled:
	FDIVS	F20, F29, F20 // iscale = −127/peak
	FABSS	F20, F21
	FCMPS	F30, F21
	BEQ	zero
	FDIVS	F20, F28, F21 // d = 1/iscale
	FMOVS.P	F21, 4(R1)
	MOVD	R6, R3
	MOVD	$8, R7

pass2:
	LOAD32(R3)
	SCALECVT32(20, FCVTNS_4S)
	NARROWSTORE32(R0)
	SADDLV_H(2, 0)
	SADDLV_H(3, 1)
	VST1.P	V2.H[0], 2(R2)
	VST1.P	V3.H[0], 2(R2)
	SUBS	$1, R7, R7
	BNE	pass2
	B	next

zero:
	MOVW	ZR, (R1)
	ADD	$4, R1
	VEOR	V0.B16, V0.B16, V0.B16
	VEOR	V1.B16, V1.B16, V1.B16
	MOVD	$8, R7

zero_loop:
	VST1.P	[V0.B16, V1.B16], 32(R0)
	MOVW	ZR, (R2)
	ADD	$4, R2
	SUBS	$1, R7, R7
	BNE	zero_loop
	ADD	$1024, R6, R3

next:
	SUBS	$1, R4, R4
	BNE	block
	RET
