//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// Sigmoid and Decay (activation.go) in float32: exp(x) = 2^n·e^r with
// n = round(x·log2 e), r = x − n·ln 2 (ln 2 split in a 9-bit head, exact
// for |n| ≤ 128, and a tail), e^r = 1 + r + r²·q(r) with q a degree-5
// least-squares fit of (e^r − 1 − r)/r² on |r| ≤ ln2/2 (1e-9 relative),
// and 2^n added to the exponent bits. x is clamped to [−86, 88] first, so
// 2^n·e^r stays a normal float (σ below −86 comes out as about 1e-38 instead
// of a subnormal or 0).
//
// Constants (actConsts): V26 = −86, V27 = 88 in every lane, V28 = [q0 q1 q2
// q3], V29 = [q4 q5 log2e ln2hi], V30 = [ln2lo −DecayScale 0 0], V31 = 1.
DATA	·actConsts<>+0(SB)/4, $0xc2ac0000 // -86.0
DATA	·actConsts<>+4(SB)/4, $0xc2ac0000 // -86.0
DATA	·actConsts<>+8(SB)/4, $0xc2ac0000 // -86.0
DATA	·actConsts<>+12(SB)/4, $0xc2ac0000 // -86.0
DATA	·actConsts<>+16(SB)/4, $0x42b00000 // 88.0
DATA	·actConsts<>+20(SB)/4, $0x42b00000 // 88.0
DATA	·actConsts<>+24(SB)/4, $0x42b00000 // 88.0
DATA	·actConsts<>+28(SB)/4, $0x42b00000 // 88.0
DATA	·actConsts<>+32(SB)/4, $0x3f000000 // 0.5
DATA	·actConsts<>+36(SB)/4, $0x3e2aaaaa // 0.1666666567325592
DATA	·actConsts<>+40(SB)/4, $0x3d2aaa47 // 0.04166629537940025
DATA	·actConsts<>+44(SB)/4, $0x3c088938 // 0.008333496749401093
DATA	·actConsts<>+48(SB)/4, $0x3ab6c67b // 0.0013944649836048484
DATA	·actConsts<>+52(SB)/4, $0x394f845c // 0.00019790366059169173
DATA	·actConsts<>+56(SB)/4, $0x3fb8aa3b // 1.4426950408889634
DATA	·actConsts<>+60(SB)/4, $0x3f318000 // 0.693359375
DATA	·actConsts<>+64(SB)/4, $0xb95e8083 // -0.00021219444005471377
DATA	·actConsts<>+68(SB)/4, $0xbf1b459e // -0.606531
DATA	·actConsts<>+72(SB)/4, $0x00000000 // 0.0
DATA	·actConsts<>+76(SB)/4, $0x00000000 // 0.0
DATA	·actConsts<>+80(SB)/4, $0x3f800000 // 1.0
DATA	·actConsts<>+84(SB)/4, $0x3f800000 // 1.0
DATA	·actConsts<>+88(SB)/4, $0x3f800000 // 1.0
DATA	·actConsts<>+92(SB)/4, $0x3f800000 // 1.0
GLOBL	·actConsts<>(SB), RODATA|NOPTR, $96

// EXP replaces lane values of V(x) by their exponential; n, p, q are
// scratch registers.
#define EXP(x, n, p, q) \
	FMAX_4S(x, x, 26); \
	FMIN_4S(x, x, 27); \
	FMUL_4S_ELEM(n, x, 29, 2); \
	FRINTN_4S(n, n); \
	FMLS_4S_ELEM(x, n, 29, 3); \
	FMLS_4S_ELEM(x, n, 30, 0); \
	FCVTZS_4S(n, n); \
	SHL_4S(n, n, 23); \
	DUP_4S_ELEM(p, 29, 0); \
	FMLA_4S_ELEM(p, x, 29, 1); \
	DUP_4S_ELEM(q, 28, 3); \
	FMLA_4S(q, x, p); \
	DUP_4S_ELEM(p, 28, 2); \
	FMLA_4S(p, x, q); \
	DUP_4S_ELEM(q, 28, 1); \
	FMLA_4S(q, x, p); \
	DUP_4S_ELEM(p, 28, 0); \
	FMLA_4S(p, x, q); \
	FMUL_4S(q, x, x); \
	FMLA_4S(x, q, p); \
	FADD_4S(x, x, 31); \
	ADD_4S(x, x, n)

// SIG replaces V(x) by σ(V(x)) = 1/(1 + e^−x).
#define SIG(x, n, p, q) \
	FNEG_4S(x, x); \
	EXP(x, n, p, q); \
	FADD_4S(x, x, 31); \
	FDIV_4S(x, 31, x)

// ACT is the whole activation of V(x): bias already added; with decay
// (R6 bit 1) σ is followed by exp(−DecayScale·σ).
#define ACT(x, n, p, q, done) \
	SIG(x, n, p, q); \
	TBZ	$1, R6, done; \
	FMUL_4S_ELEM(x, x, 30, 1); \
	EXP(x, n, p, q); \
done:

// func actNEON(out, x, bias *float32, n, rows, flags int)
// rows rows of n ≥ 1 values; flags bit 0: add bias (n values, the same for
// every row), bit 1: decay instead of sigmoid.
TEXT ·actNEON(SB), NOSPLIT, $0-48
	MOVD	out+0(FP), R0
	MOVD	x+8(FP), R1
	MOVD	bias+16(FP), R2
	MOVD	n+24(FP), R3
	MOVD	rows+32(FP), R4
	MOVD	flags+40(FP), R6
	MOVD	$·actConsts<>(SB), R9
	VLD1.P	64(R9), [V26.S4, V27.S4, V28.S4, V29.S4]
	VLD1	(R9), [V30.S4, V31.S4]

row:
	MOVD	R2, R7 // bias cursor
	SUBS	$16, R3, R5
	BLT	cols4

cols16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	TBZ	$0, R6, nobias16
	VLD1.P	64(R7), [V4.S4, V5.S4, V6.S4, V7.S4]
	FADD_4S(0, 0, 4)
	FADD_4S(1, 1, 5)
	FADD_4S(2, 2, 6)
	FADD_4S(3, 3, 7)

nobias16:
	SIG(0, 4, 8, 12)
	SIG(1, 5, 9, 13)
	SIG(2, 6, 10, 14)
	SIG(3, 7, 11, 15)
	TBZ	$1, R6, store16
	FMUL_4S_ELEM(0, 0, 30, 1)
	FMUL_4S_ELEM(1, 1, 30, 1)
	FMUL_4S_ELEM(2, 2, 30, 1)
	FMUL_4S_ELEM(3, 3, 30, 1)
	EXP(0, 4, 8, 12)
	EXP(1, 5, 9, 13)
	EXP(2, 6, 10, 14)
	EXP(3, 7, 11, 15)

store16:
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS	$16, R5, R5
	BGE	cols16

cols4:
	ADDS	$12, R5, R5
	BLT	cols1_check

cols4_loop:
	VLD1.P	16(R1), [V0.S4]
	TBZ	$0, R6, nobias4
	VLD1.P	16(R7), [V4.S4]
	FADD_4S(0, 0, 4)

nobias4:
	ACT(0, 4, 8, 12, done4)
	VST1.P	[V0.S4], 16(R0)
	SUBS	$4, R5, R5
	BGE	cols4_loop

cols1_check:
	ADDS	$4, R5, R5
	BEQ	next_row

cols1:
	VLD1.P	4(R1), V0.S[0]
	TBZ	$0, R6, nobias1
	VLD1.P	4(R7), V4.S[0]
	FADD_4S(0, 0, 4)

nobias1:
	ACT(0, 4, 8, 12, done1)
	VST1.P	V0.S[0], 4(R0)
	SUBS	$1, R5, R5
	BNE	cols1

next_row:
	SUBS	$1, R4, R4
	BNE	row
	RET
