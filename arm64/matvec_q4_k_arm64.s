//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_k_arm64.h"

// Q4_K weights × Q8_K activations, one row at a time (matvec_k_arm64.h).
// A 144-byte super-block: fp16 d and dmin, 12 bytes of six-bit scales and
// mins for its eight sub-blocks of 32, 128 bytes of nibbles (sub-block j
// in nibble j%2 of bytes 32(j/2)…32(j/2)+31).
//
// The scales and mins are unpacked and applied by the macros of
// matvec_k_arm64.h that Q5_K shares. The nibbles are used unsigned (AND
// 0x0F, USHR 4); each sub-block's sum Σq·x goes to its own int32x4
// (SDOT, or SMULL/SMLAL into int16 lanes and SADDLP on ARMv8.0: four
// products of at most 15·128 per lane); a pairwise-add tree gives
// a0..a7, multiplied by the scales (MUL/MLA) into A = Σ sc·a; the mins
// multiply the pair sums of the activations' 16-value sums into
// M = Σ m·Σx. Then s = d·A − dmin·M as in dotQ4_K.
//
//	V0–V7 nibbles, V8–V11 activations, V12–V15 scratch,
//	V16–V23 sub-block sums, V28 d and dmin, V29 scales and mins,
//	V30 0x0F in every byte

// Q4KBLOCK is one super-block, PAIR its sub-block pairs' sums.
#define Q4KBLOCK(PAIR) \
	KSCALEMIN6; \
	VLD1.P	64(R2), [V0.B16, V1.B16, V2.B16, V3.B16]; \
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	PAIR(0, 1, 16, 17); \
	PAIR(2, 3, 18, 19); \
	PAIR(4, 5, 20, 21); \
	PAIR(6, 7, 22, 23); \
	KSCALEMIN_TAIL

// Q4K_PAIR_* sum sub-blocks 2p (low nibbles of q0, q1) and 2p+1 (high
// nibbles) against the next 64 activations into a and b.
#define Q4K_PAIR_DOT(q0, q1, a, b) \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	EOR_16B(a, a, a); \
	EOR_16B(b, b, b); \
	AND_16B(12, q0, 30); \
	AND_16B(13, q1, 30); \
	USHR_16B(14, q0, 4); \
	USHR_16B(15, q1, 4); \
	SDOT_4S(a, 12, 8); \
	SDOT_4S(a, 13, 9); \
	SDOT_4S(b, 14, 10); \
	SDOT_4S(b, 15, 11)

#define Q4K_PAIR_V80(q0, q1, a, b) \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	AND_16B(12, q0, 30); \
	AND_16B(13, q1, 30); \
	USHR_16B(14, q0, 4); \
	USHR_16B(15, q1, 4); \
	KSUMS_V80(a, b)

// func matVecQ4_KDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// Needs ARMv8.2 dotprod; rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ4_KDot(SB), NOSPLIT, $0-56
	KARGS
	VMOVI	$0x0f, V30.B16
	KLOOPS(Q4KBLOCK, Q4K_PAIR_DOT)

// func matVecQ4_KV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// ARMv8.0; rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ4_KV80(SB), NOSPLIT, $0-56
	KARGS
	VMOVI	$0x0f, V30.B16
	KLOOPS(Q4KBLOCK, Q4K_PAIR_V80)
