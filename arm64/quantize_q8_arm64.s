//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "quantize_arm64.h"

// func quantizeQ8NEON(q *int8, d *float32, x *float32, nb int)
// One block of 32 values per iteration, the arithmetic of
// quantizeQ8Generic exactly: amax = max|x|, d = amax/127 (FDIV), id = 1/d,
// q = FCVTAS(x·id) (round to nearest, ties away from zero), with id = 0
// where 1/d is infinite (amax 0 or below ~4e-37), as in the generic twin.
// The codes fit int8, so UZP1 (keep the low half) narrows them exactly.
TEXT ·quantizeQ8NEON(SB), NOSPLIT, $0-32
	MOVD	q+0(FP), R0
	MOVD	d+8(FP), R1
	MOVD	x+16(FP), R2
	MOVD	nb+24(FP), R3
	MOVW	$0x42fe0000, R4 // 127.0
	FMOVS	R4, F29
	FMOVS	$1.0, F28
	MOVW	$0x7f800000, R5 // +Inf
	FMOVS	R5, F27
	FMOVS	ZR, F26 // 0

block:
	LOAD32(R2)
	FABS_4S(16, 0)
	FABS_4S(17, 1)
	FABS_4S(18, 2)
	FABS_4S(19, 3)
	FABS_4S(20, 4)
	FABS_4S(21, 5)
	FABS_4S(22, 6)
	FABS_4S(23, 7)
	FMAX_4S(16, 16, 17)
	FMAX_4S(18, 18, 19)
	FMAX_4S(20, 20, 21)
	FMAX_4S(22, 22, 23)
	FMAX_4S(16, 16, 18)
	FMAX_4S(20, 20, 22)
	FMAX_4S(16, 16, 20)
	FMAXV_S(16, 16)
	FDIVS	F29, F16, F17 // d = amax / 127
	FMOVS.P	F17, 4(R1)
	FDIVS	F17, F28, F18 // id = 1 / d
	// A block whose max is below ~4e-37 (or 0) has an infinite 1/d: use
	// id = 0, so its codes are all 0, as in the generic twin.
	FCMPS	F27, F18
	FCSELS	EQ, F26, F18, F18
	SCALECVT32(18, FCVTAS_4S)
	NARROWSTORE32(R0)
	SUBS	$1, R3, R3
	BNE	block
	RET
