//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_k_arm64.h"

// Q6_K weights × Q8_K activations, one row at a time (matvec_k_arm64.h).
// A 210-byte super-block: ql[128], qh[64], int8 scales[16], fp16 d. Value
// 128h + 32p + l (half h, part p < 4, l < 32) is the low nibble p/2 of
// ql[64h + 32(p%2) + l] with bits 2p..2p+1 of qh[32h + l] above it, as an
// unsigned six-bit code q; its weight is d·scale[8h + 2p + l/16]·(q − 32).
//
// Each group of 16 codes is assembled in one register (nibble: AND 0x0F or
// USHR 4; high bits: shifted into place, AND 0x30; ORR) and summed against
// its activations into its own int32x4 (SDOT, or SMULL/SMLAL2 into int16
// lanes — two products of at most 63·128 — and SADDLP on ARMv8.0). Per half
// a pairwise-add tree gives the eight group sums, multiplied by their
// scales into V30 (MUL/MLA). The −32 is applied once per super-block in
// integers: A = Σ sc·Σq·x − 32·Σ sc·Σx (the sums Σx of each 16 codes come
// with the activations), exact, as in dotQ6_K; then sum += xd·d·A.
//
//	V0–V7 ql, V8–V11 qh, V12 scales, V13 d, V14–V15 activations,
//	V16–V23 group sums, V24–V27 codes and scratch, V28 0x0F, V29 0x30,
//	V30 A (int32x4)

#define Q6_LO0(t, ql) AND_16B(t, ql, 28)
#define Q6_LO1(t, ql) USHR_16B(t, ql, 4)
#define Q6_HI0(t, qh) SHL_16B(t, qh, 4); AND_16B(t, t, 29)
#define Q6_HI1(t, qh) SHL_16B(t, qh, 2); AND_16B(t, t, 29)
#define Q6_HI2(t, qh) AND_16B(t, qh, 29)
#define Q6_HI3(t, qh) USHR_16B(t, qh, 2); AND_16B(t, t, 29)

// Q6CODE assembles 16 codes in t (u is scratch).
#define Q6CODE(LO, HI, t, u, ql, qh) LO(t, ql); HI(u, qh); ORR_16B(t, t, u)

// Q6PART_* sum the two groups of part p (codes from qlA/qhA and qlB/qhB)
// against the next 32 activations into a and b.
#define Q6PART_DOT(LO, HI, qlA, qlB, qhA, qhB, a, b) \
	VLD1.P	32(R7), [V14.B16, V15.B16]; \
	Q6CODE(LO, HI, 24, 25, qlA, qhA); \
	Q6CODE(LO, HI, 26, 27, qlB, qhB); \
	EOR_16B(a, a, a); \
	EOR_16B(b, b, b); \
	SDOT_4S(a, 24, 14); \
	SDOT_4S(b, 26, 15)

#define Q6PART_V80(LO, HI, qlA, qlB, qhA, qhB, a, b) \
	VLD1.P	32(R7), [V14.B16, V15.B16]; \
	Q6CODE(LO, HI, 24, 25, qlA, qhA); \
	Q6CODE(LO, HI, 26, 27, qlB, qhB); \
	SMULL_8H(a, 24, 14); \
	SMLAL2_8H(a, 24, 14); \
	SADDLP_4S(a, a); \
	SMULL_8H(b, 26, 15); \
	SMLAL2_8H(b, 26, 15); \
	SADDLP_4S(b, b)

// Q6TREE reduces the group sums V16–V23 to V16 = groups 0–3, V17 = 4–7.
#define Q6TREE \
	ADDP_4S(16, 16, 17); \
	ADDP_4S(18, 18, 19); \
	ADDP_4S(16, 16, 18); \
	ADDP_4S(20, 20, 21); \
	ADDP_4S(22, 22, 23); \
	ADDP_4S(17, 20, 22)

// Q6HALF computes half h (ql in V(q0)…V(q0+3), qh in V(h0), V(h0+1)).
#define Q6HALF(PART, q0, q1, q2, q3, h0, h1) \
	PART(Q6_LO0, Q6_HI0, q0, q1, h0, h1, 16, 17); \
	PART(Q6_LO0, Q6_HI1, q2, q3, h0, h1, 18, 19); \
	PART(Q6_LO1, Q6_HI2, q0, q1, h0, h1, 20, 21); \
	PART(Q6_LO1, Q6_HI3, q2, q3, h0, h1, 22, 23); \
	Q6TREE

#define Q6BLOCK(PART) \
	VLD1.P	64(R2), [V0.B16, V1.B16, V2.B16, V3.B16]; \
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	VLD1.P	64(R2), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	VLD1.P	16(R2), [V12.B16]; \
	VLD1.P	2(R2), V13.H[0]; \
	Q6HALF(PART, 0, 1, 2, 3, 8, 9); \
	SXTL_8H(26, 12); \
	SXTL_4S(24, 26); \
	SXTL2_4S(25, 26); \
	MUL_4S(30, 16, 24); \
	MLA_4S(30, 17, 25); \
	Q6HALF(PART, 4, 5, 6, 7, 10, 11); \
	SXTL2_8H(27, 12); \
	SXTL_4S(24, 27); \
	SXTL2_4S(25, 27); \
	MLA_4S(30, 16, 24); \
	MLA_4S(30, 17, 25); \
	VLD1.P	32(R9), [V24.H8, V25.H8]; \
	SXTL_8H(26, 12); \
	SMULL_4S(14, 24, 26); \
	SMLAL2_4S(14, 24, 26); \
	SMLAL_4S(14, 25, 27); \
	SMLAL2_4S(14, 25, 27); \
	SHL_4S(14, 14, 5); \
	SUB_4S(30, 30, 14); \
	ADDV_S(20, 30); \
	SCVTF_4S(20, 20); \
	FCVTL_4S(13, 13); \
	VLD1.P	4(R8), V21.S[0]; \
	FMULS	F13, F21, F21; \
	FMULS	F20, F21, F21; \
	FADDS	F21, F31, F31

#define Q6CONSTS \
	VMOVI	$0x0f, V28.B16; \
	VMOVI	$0x30, V29.B16

// func matVecQ6_KDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// Needs ARMv8.2 dotprod; rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ6_KDot(SB), NOSPLIT, $0-56
	KARGS
	Q6CONSTS
	KLOOPS(Q6BLOCK, Q6PART_DOT)

// func matVecQ6_KV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// ARMv8.0; rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ6_KV80(SB), NOSPLIT, $0-56
	KARGS
	Q6CONSTS
	KLOOPS(Q6BLOCK, Q6PART_V80)
