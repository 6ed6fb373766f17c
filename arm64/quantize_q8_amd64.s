//go:build !purego

#include "textflag.h"

// Lane order after the two packs: dwords 0,4,1,5,2,6,3,7 hold codes
// 0..3, 4..7, …; VPERMD puts them back in order.
DATA q8perm<>+0(SB)/4, $0
DATA q8perm<>+4(SB)/4, $4
DATA q8perm<>+8(SB)/4, $1
DATA q8perm<>+12(SB)/4, $5
DATA q8perm<>+16(SB)/4, $2
DATA q8perm<>+20(SB)/4, $6
DATA q8perm<>+24(SB)/4, $3
DATA q8perm<>+28(SB)/4, $7
GLOBL q8perm<>(SB), RODATA|NOPTR, $32

// ABSMAX folds |y| into the running maximum m; VMAXPS returns its second
// source when either is NaN, so NaN inputs are skipped as by the generic
// twin's a > amax.
#define ABSMAX(y, t, m) \
	VANDPS Y15, y, t; \
	VMAXPS m, t, m

// ROUND scales y by id (Y9) and rounds to nearest, ties away from zero,
// exactly: t = trunc(v), then t + trunc(2·(v−t)) (v−t and its double are
// exact, and trunc(2·(v−t)) is ±1 exactly when |v−t| ≥ 0.5), then
// converts to int32.
#define ROUND(y, t) \
	VMULPS    Y9, y, y;  \
	VROUNDPS  $3, y, t;  \
	VSUBPS    t, y, y;   \
	VADDPS    y, y, y;   \
	VROUNDPS  $3, y, y;  \
	VADDPS    y, t, y;   \
	VCVTTPS2DQ y, y

// func quantizeQ8AVX2(q *int8, d *float32, x *float32, nb int)
// One block of 32 values per iteration, the arithmetic of
// quantizeQ8Generic exactly: amax = max|x|, d = amax/127 (VDIVSS),
// id = 1/d, with id = 0 where 1/d is infinite, q = round(x·id).
TEXT ·quantizeQ8AVX2(SB), NOSPLIT, $0-32
	MOVQ q+0(FP), DI
	MOVQ d+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ nb+24(FP), CX
	MOVL $0x7fffffff, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15 // |·| mask
	VMOVDQU q8perm<>(SB), Y14
	MOVL $0x42fe0000, AX // 127.0
	VMOVD AX, X13
	MOVL $0x3f800000, AX // 1.0
	VMOVD AX, X12
	MOVL $0x7f800000, AX // +Inf
	VMOVD AX, X11

block:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VXORPS Y8, Y8, Y8
	ABSMAX(Y0, Y4, Y8)
	ABSMAX(Y1, Y5, Y8)
	ABSMAX(Y2, Y6, Y8)
	ABSMAX(Y3, Y7, Y8)
	VEXTRACTF128 $1, Y8, X4
	VMAXPS X4, X8, X8
	VMOVHLPS X8, X8, X4
	VMAXPS X4, X8, X8
	VMOVSHDUP X8, X4
	VMAXSS X4, X8, X8 // amax
	VDIVSS X13, X8, X8 // d = amax/127
	VMOVSS X8, (DX)
	VDIVSS X8, X12, X9 // id = 1/d
	VCMPSS $0, X11, X9, X10 // id == +Inf
	VANDNPS X9, X10, X9
	VBROADCASTSS X9, Y9
	ROUND(Y0, Y4)
	ROUND(Y1, Y5)
	ROUND(Y2, Y6)
	ROUND(Y3, Y7)
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKSSWB Y2, Y0, Y0
	VPERMD Y0, Y14, Y0
	VMOVDQU Y0, (DI)
	ADDQ $128, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JNZ block
	VZEROUPPER
	RET
