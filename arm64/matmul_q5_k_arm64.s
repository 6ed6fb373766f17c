//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_k_arm64.h"

// Q5_K weights × two Q8_K activation vectors (tokens A and B) at once, for
// prefill: matMulQ4_KDot2 (matmul_q4_k_arm64.s) with each sub-block's
// fifth bits inserted as in matVecQ5_KDot (matvec_q5_k_arm64.s). The codes
// are assembled once for both tokens; the two tokens' activations take
// turns in the same registers, to leave room for qh. Per token the integer
// sums are exact and the float operations are matVecQ5_KDot's in the same
// order, so each result has the bits the matvec kernel gives that token.
//
//	R0, R20 out cursors (A, B); R7–R9 and R16, R17, R19 the xq, xd, xs
//	cursors of A and B; R21–R23 the distance from A's operands to B's.
//	V0–V1 nibbles of a sub-block pair, V2–V3 and V24–V25 its sums (A, B),
//	V4–V5 qh, V6 0x10, V7 scratch, V8–V11 activations (A, then B),
//	V12–V15 the codes, V16–V19 and V20–V23 the pair sums (A, B), V26, V31
//	the float sums (B, A), V27 d and dmin as float32, V28 d and dmin, V29
//	scales and mins, V30 0x0F

// Q52HI_* insert bit j of qh into bit 4 of the codes c0 (values 0–15) and
// c1 (16–31): shifted left by k = 4−j, not at all (j = 4), or right by
// k = j−4.
#define Q52HI_L(c0, c1, k) \
	SHL_16B(7, 4, k); \
	BIT_16B(c0, 7, 6); \
	SHL_16B(7, 5, k); \
	BIT_16B(c1, 7, 6)

#define Q52HI_0(c0, c1, k) \
	BIT_16B(c0, 4, 6); \
	BIT_16B(c1, 5, 6)

#define Q52HI_R(c0, c1, k) \
	USHR_16B(7, 4, k); \
	BIT_16B(c0, 7, 6); \
	USHR_16B(7, 5, k); \
	BIT_16B(c1, 7, 6)

// Q52PAIR sums one sub-block pair for both tokens into pa and pb.
#define Q52PAIR(HA, ka, HB, kb, pa, pb) \
	VLD1.P	32(R2), [V0.B16, V1.B16]; \
	AND_16B(12, 0, 30); \
	AND_16B(13, 1, 30); \
	HA(12, 13, ka); \
	USHR_16B(14, 0, 4); \
	USHR_16B(15, 1, 4); \
	HB(14, 15, kb); \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	EOR_16B(2, 2, 2); \
	EOR_16B(3, 3, 3); \
	SDOT_4S(2, 12, 8); \
	SDOT_4S(2, 13, 9); \
	SDOT_4S(3, 14, 10); \
	SDOT_4S(3, 15, 11); \
	VLD1.P	64(R16), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	EOR_16B(24, 24, 24); \
	EOR_16B(25, 25, 25); \
	SDOT_4S(24, 12, 8); \
	SDOT_4S(24, 13, 9); \
	SDOT_4S(25, 14, 10); \
	SDOT_4S(25, 15, 11); \
	ADDP_4S(pa, 2, 3); \
	ADDP_4S(pb, 24, 25)

// func matMulQ5_KDot2(out *float32, ldOut int, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// Needs ARMv8.2 dotprod; rows ≥ 1, nb ≥ 1. Token A's operands at xq, xd,
// xs and out; token B's right after them (one vector on) and at
// out + ldOut.
TEXT ·matMulQ5_KDot2(SB), NOSPLIT, $0-64
	MOVD	out+0(FP), R0
	MOVD	ldOut+8(FP), R20
	MOVD	rows+16(FP), R1
	MOVD	w+24(FP), R2
	MOVD	nb+32(FP), R3
	MOVD	xq+40(FP), R4
	MOVD	xd+48(FP), R5
	MOVD	xs+56(FP), R6
	ADD	R20<<2, R0, R20
	LSL	$8, R3, R21
	LSL	$2, R3, R22
	LSL	$5, R3, R23
	VMOVI	$0x0f, V30.B16
	VMOVI	$0x10, V6.B16

row:
	MOVD	R4, R7
	MOVD	R5, R8
	MOVD	R6, R9
	ADD	R21, R4, R16
	ADD	R22, R5, R17
	ADD	R23, R6, R19
	MOVD	R3, R10
	VEOR	V31.B16, V31.B16, V31.B16
	VEOR	V26.B16, V26.B16, V26.B16

block:
	KSCALEMIN6
	VLD1.P	32(R2), [V4.B16, V5.B16]
	Q52PAIR(Q52HI_L, 4, Q52HI_L, 3, 16, 20)
	Q52PAIR(Q52HI_L, 2, Q52HI_L, 1, 17, 21)
	Q52PAIR(Q52HI_0, 0, Q52HI_R, 1, 18, 22)
	Q52PAIR(Q52HI_R, 2, Q52HI_R, 3, 19, 23)
	UXTL_8H(12, 29)
	UXTL2_8H(13, 29)
	UXTL_4S(14, 12)
	UXTL2_4S(15, 12)
	UXTL_4S(0, 13)
	UXTL2_4S(1, 13)
	FCVTL_4S(27, 28)
	Q4K2TOKEN(16, 17, 18, 19, R9, R8, F31)
	Q4K2TOKEN(20, 21, 22, 23, R19, R17, F26)
	SUBS	$1, R10, R10
	BNE	block
	VST1.P	V31.S[0], 4(R0)
	VST1.P	V26.S[0], 4(R20)
	SUBS	$1, R1, R1
	BNE	row
	RET
