//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_k_arm64.h"

// Q4_K weights × two Q8_K activation vectors (tokens A and B) at once, for
// prefill: each super-block's scales are unpacked, its nibbles loaded and
// split, once for both tokens. Per token the arithmetic, and the order of
// the float operations, are matVecQ4_KDot's (matvec_q4_k_arm64.s), so
// each result has the bits the matvec kernel gives that token.
//
//	R0, R20 out cursors (A, B); R7–R9 and R16, R17, R19 the xq, xd, xs
//	cursors of A and B; R21–R23 the distance from A's operands to B's.
//	V0–V1 nibbles of a sub-block pair, V2–V3 and V24–V25 its sums (A, B),
//	V4–V7 B's activations, V8–V11 A's, V12–V15 the split nibbles,
//	V16–V19 and V20–V23 the pair sums (A, B), V26, V31 the float sums
//	(B, A), V27 d and dmin as float32, V28 d and dmin, V29 scales and
//	mins, V30 0x0F

// Q4K2PAIR sums one sub-block pair for both tokens into pa and pb.
#define Q4K2PAIR(pa, pb) \
	VLD1.P	32(R2), [V0.B16, V1.B16]; \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	VLD1.P	64(R16), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	AND_16B(12, 0, 30); \
	AND_16B(13, 1, 30); \
	USHR_16B(14, 0, 4); \
	USHR_16B(15, 1, 4); \
	EOR_16B(2, 2, 2); \
	EOR_16B(3, 3, 3); \
	EOR_16B(24, 24, 24); \
	EOR_16B(25, 25, 25); \
	SDOT_4S(2, 12, 8); \
	SDOT_4S(2, 13, 9); \
	SDOT_4S(3, 14, 10); \
	SDOT_4S(3, 15, 11); \
	SDOT_4S(24, 12, 4); \
	SDOT_4S(24, 13, 5); \
	SDOT_4S(25, 14, 6); \
	SDOT_4S(25, 15, 7); \
	ADDP_4S(pa, 2, 3); \
	ADDP_4S(pb, 24, 25)

// func matMulQ4_KDot2(out *float32, ldOut int, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// Needs ARMv8.2 dotprod; rows ≥ 1, nb ≥ 1. Token A's operands at xq, xd,
// xs and out; token B's right after them (one vector on) and at
// out + ldOut.
TEXT ·matMulQ4_KDot2(SB), NOSPLIT, $0-64
	K2ARGS
	VMOVI	$0x0f, V30.B16

row:
	K2ROWSTART(V31, V26)

block:
	KSCALEMIN6
	Q4K2PAIR(16, 20)
	Q4K2PAIR(17, 21)
	Q4K2PAIR(18, 22)
	Q4K2PAIR(19, 23)
	Q4K2FINISH
	K2NEXT(V31, V26)
