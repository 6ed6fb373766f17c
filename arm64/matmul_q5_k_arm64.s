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
// c1 (16–31): KHI_* with qh in V4, V5, 0x10 in V6, V7 scratch.
#define Q52HI_L(c0, c1, k) KHI_L(7, 4, 5, 6, c0, c1, k)
#define Q52HI_0(c0, c1, k) KHI_0(7, 4, 5, 6, c0, c1, k)
#define Q52HI_R(c0, c1, k) KHI_R(7, 4, 5, 6, c0, c1, k)

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
	K2ARGS
	VMOVI	$0x0f, V30.B16
	VMOVI	$0x10, V6.B16

row:
	K2ROWSTART(V31, V26)

block:
	KSCALEMIN6
	VLD1.P	32(R2), [V4.B16, V5.B16]
	Q52PAIR(Q52HI_L, 4, Q52HI_L, 3, 16, 20)
	Q52PAIR(Q52HI_L, 2, Q52HI_L, 1, 17, 21)
	Q52PAIR(Q52HI_0, 0, Q52HI_R, 1, 18, 22)
	Q52PAIR(Q52HI_R, 2, Q52HI_R, 3, 19, 23)
	Q4K2FINISH
	K2NEXT(V31, V26)
