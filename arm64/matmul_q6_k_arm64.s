//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_k_arm64.h"

// Q6_K weights × two Q8_K activation vectors (tokens A and B) at once, for
// prefill: each super-block's six-bit codes are assembled once for both
// tokens (layout in matvec_q6_k_arm64.s). A token's integer sum A is exact,
// so it is the matvec's whatever the order of the integer operations; the
// float part (xd·d, times A, added to the sum) is matVecQ6_KDot's in the
// same order, so each result has the bits the matvec kernel gives that
// token. The super-block is taken half by half (ql, qh of one half loaded
// at a time) to leave room for the second token's sums.
//
//	R0, R20 out cursors (A, B); R7–R9 and R16, R17, R19 the xq, xd, xs
//	cursors of A and B; R21–R23 the distance from A's operands to B's;
//	R11 the qh cursor, R12 the scales and d cursor of a super-block.
//	V0–V3 ql of a half, V4–V5 its qh, V6 scales, V7 d, V8–V9 A's
//	activations, V10–V11 B's, V12–V15 codes and scratch, V16–V19, V24
//	A's group sums, V20–V23, V25 B's, V26, V27 the float sums (A, B),
//	V28 0x0F, V29 0x30, V30, V31 the integer sums (A, B)

#define Q6_LO0(t, ql) AND_16B(t, ql, 28)
#define Q6_LO1(t, ql) USHR_16B(t, ql, 4)
#define Q6_HI0(t, qh) SHL_16B(t, qh, 4); AND_16B(t, t, 29)
#define Q6_HI1(t, qh) SHL_16B(t, qh, 2); AND_16B(t, t, 29)
#define Q6_HI2(t, qh) AND_16B(t, qh, 29)
#define Q6_HI3(t, qh) USHR_16B(t, qh, 2); AND_16B(t, t, 29)

// Q6CODE assembles 16 codes in t (u is scratch).
#define Q6CODE(LO, HI, t, u, ql, qh) LO(t, ql); HI(u, qh); ORR_16B(t, t, u)

// Q62PART sums the two groups of a part (codes from qlA/qhA and qlB/qhB)
// against the next 32 activations of A into a0, a1 and of B into b0, b1.
#define Q62PART(LO, HI, qlA, qlB, qhA, qhB, a0, a1, b0, b1) \
	VLD1.P	32(R7), [V8.B16, V9.B16]; \
	VLD1.P	32(R16), [V10.B16, V11.B16]; \
	Q6CODE(LO, HI, 12, 13, qlA, qhA); \
	Q6CODE(LO, HI, 14, 15, qlB, qhB); \
	EOR_16B(a0, a0, a0); \
	EOR_16B(a1, a1, a1); \
	EOR_16B(b0, b0, b0); \
	EOR_16B(b1, b1, b1); \
	SDOT_4S(a0, 12, 8); \
	SDOT_4S(a1, 14, 9); \
	SDOT_4S(b0, 12, 10); \
	SDOT_4S(b1, 14, 11)

// Q62HALF sums one half for both tokens: V16, V17 (A) and V20, V21 (B)
// end up with the half's eight group sums, groups 0–3 and 4–7.
#define Q62HALF \
	Q62PART(Q6_LO0, Q6_HI0, 0, 1, 4, 5, 16, 17, 20, 21); \
	Q62PART(Q6_LO0, Q6_HI1, 2, 3, 4, 5, 18, 19, 22, 23); \
	ADDP_4S(16, 16, 17); \
	ADDP_4S(18, 18, 19); \
	ADDP_4S(16, 16, 18); \
	ADDP_4S(20, 20, 21); \
	ADDP_4S(22, 22, 23); \
	ADDP_4S(20, 20, 22); \
	Q62PART(Q6_LO1, Q6_HI2, 0, 1, 4, 5, 17, 18, 21, 22); \
	Q62PART(Q6_LO1, Q6_HI3, 2, 3, 4, 5, 19, 24, 23, 25); \
	ADDP_4S(17, 17, 18); \
	ADDP_4S(19, 19, 24); \
	ADDP_4S(17, 17, 19); \
	ADDP_4S(21, 21, 22); \
	ADDP_4S(23, 23, 25); \
	ADDP_4S(21, 21, 23)

// Q62TOKEN finishes one token's super-block: a its integer sum, xs and xd
// its cursors, s its float sum; V7 holds d as float32, V12, V13 the
// scales as int16 (t and u, FU, and VV, FV scratch: u's number and F
// name, v's V and F names).
#define Q62TOKEN(a, xs, xd, s, t, u, FU, VV, FV) \
	VLD1.P	32(xs), [V8.H8, V9.H8]; \
	SMULL_4S(t, 8, 12); \
	SMLAL2_4S(t, 8, 12); \
	SMLAL_4S(t, 9, 13); \
	SMLAL2_4S(t, 9, 13); \
	SHL_4S(t, t, 5); \
	SUB_4S(a, a, t); \
	ADDV_S(u, a); \
	SCVTF_4S(u, u); \
	VLD1.P	4(xd), VV.S[0]; \
	FMULS	F7, FV, FV; \
	FMULS	FU, FV, FV; \
	FADDS	FV, s, s

// func matMulQ6_KDot2(out *float32, ldOut int, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// Needs ARMv8.2 dotprod; rows ≥ 1, nb ≥ 1. Token A's operands at xq, xd,
// xs and out; token B's right after them (one vector on) and at
// out + ldOut.
TEXT ·matMulQ6_KDot2(SB), NOSPLIT, $0-64
	K2ARGS
	VMOVI	$0x0f, V28.B16
	VMOVI	$0x30, V29.B16

row:
	K2ROWSTART(V26, V27)

block:
	ADD	$128, R2, R11
	ADD	$192, R2, R12
	VLD1.P	16(R12), [V6.B16]
	VLD1.P	2(R12), V7.H[0]
	VLD1.P	64(R2), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	32(R11), [V4.B16, V5.B16]
	Q62HALF
	SXTL_8H(12, 6)
	SXTL_4S(13, 12)
	SXTL2_4S(14, 12)
	MUL_4S(30, 16, 13)
	MLA_4S(30, 17, 14)
	MUL_4S(31, 20, 13)
	MLA_4S(31, 21, 14)
	VLD1.P	64(R2), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	32(R11), [V4.B16, V5.B16]
	Q62HALF
	SXTL2_8H(12, 6)
	SXTL_4S(13, 12)
	SXTL2_4S(14, 12)
	MLA_4S(30, 16, 13)
	MLA_4S(30, 17, 14)
	MLA_4S(31, 20, 13)
	MLA_4S(31, 21, 14)
	MOVD	R12, R2
	SXTL_8H(12, 6)
	SXTL2_8H(13, 6)
	FCVTL_4S(7, 7)
	Q62TOKEN(30, R9, R8, F26, 14, 16, F16, V17, F17)
	Q62TOKEN(31, R19, R17, F27, 15, 18, F18, V19, F19)
	K2NEXT(V26, V27)
