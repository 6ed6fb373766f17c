//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_k_arm64.h"

// Q5_K weights × Q8_K activations, one row at a time (matvec_k_arm64.h):
// Q4_K (matvec_q4_k_arm64.s) with qh[32] between the scales and the
// nibbles, bit j of qh[l] being bit 4 of value l of sub-block j. Each
// sub-block's 32 codes are its nibbles (AND 0x0F or USHR 4) with that bit
// shifted to bit 4 and inserted (BIT with 0x10): unsigned five-bit codes,
// summed as Q4_K's (on ARMv8.0 four products of at most 31·128 per int16
// lane), with the same scales and mins.
//
//	V0–V7 nibbles, V8–V11 activations, V12–V15 codes, V16–V23 sub-block
//	sums, V24–V25 qh, V26 scratch, V27 0x10, V28 d and dmin, V29 scales
//	and mins, V30 0x0F

// Q5HI_* insert bit j of qh into bit 4 of the codes c0 (values 0–15) and
// c1 (16–31): KHI_* with qh in V24, V25, 0x10 in V27, V26 scratch.
#define Q5HI_L(c0, c1, k) KHI_L(26, 24, 25, 27, c0, c1, k)
#define Q5HI_0(c0, c1, k) KHI_0(26, 24, 25, 27, c0, c1, k)
#define Q5HI_R(c0, c1, k) KHI_R(26, 24, 25, 27, c0, c1, k)

#define Q5CODES(q0, q1, HA, ka, HB, kb) \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	AND_16B(12, q0, 30); \
	AND_16B(13, q1, 30); \
	HA(12, 13, ka); \
	USHR_16B(14, q0, 4); \
	USHR_16B(15, q1, 4); \
	HB(14, 15, kb)

// Q5PAIR_* sum sub-blocks 2p (codes V12, V13) and 2p+1 (V14, V15) into
// a and b.
#define Q5PAIR_DOT(q0, q1, HA, ka, HB, kb, a, b) \
	Q5CODES(q0, q1, HA, ka, HB, kb); \
	EOR_16B(a, a, a); \
	EOR_16B(b, b, b); \
	SDOT_4S(a, 12, 8); \
	SDOT_4S(a, 13, 9); \
	SDOT_4S(b, 14, 10); \
	SDOT_4S(b, 15, 11)

#define Q5PAIR_V80(q0, q1, HA, ka, HB, kb, a, b) \
	Q5CODES(q0, q1, HA, ka, HB, kb); \
	KSUMS_V80(a, b)

#define Q5BLOCK(PAIR) \
	KSCALEMIN6; \
	VLD1.P	32(R2), [V24.B16, V25.B16]; \
	VLD1.P	64(R2), [V0.B16, V1.B16, V2.B16, V3.B16]; \
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	PAIR(0, 1, Q5HI_L, 4, Q5HI_L, 3, 16, 17); \
	PAIR(2, 3, Q5HI_L, 2, Q5HI_L, 1, 18, 19); \
	PAIR(4, 5, Q5HI_0, 0, Q5HI_R, 1, 20, 21); \
	PAIR(6, 7, Q5HI_R, 2, Q5HI_R, 3, 22, 23); \
	KSCALEMIN_TAIL

#define Q5CONSTS \
	VMOVI	$0x0f, V30.B16; \
	VMOVI	$0x10, V27.B16

// func matVecQ5_KDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// Needs ARMv8.2 dotprod; rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ5_KDot(SB), NOSPLIT, $0-56
	KARGS
	Q5CONSTS
	KLOOPS(Q5BLOCK, Q5PAIR_DOT)

// func matVecQ5_KV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// ARMv8.0; rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ5_KV80(SB), NOSPLIT, $0-56
	KARGS
	Q5CONSTS
	KLOOPS(Q5BLOCK, Q5PAIR_V80)
