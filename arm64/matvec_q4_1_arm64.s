//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_q_arm64.h"

// Q4_1 weights × Q8_1 activations: the 8-rows-at-a-time scheme and
// registers of matvec_q8_0_arm64.s and matvec_q4_0_arm64.s. A 20-byte
// block: fp16 scale d, fp16 offset m, 16 bytes of nibbles laid out as
// Q4_0's; the weight is d·q + m. The nibbles are multiplied unsigned
// (0..15, so the ARMv8.0 path sums four products per int16 lane), and
// each block adds d·xd·Σq·x + m·xs, xs being the activation block's
// xd·Σx (QuantizeQ8_1).
//
//	V30 the eight rows' m (H[0..7]), V19.S[3] the block's xs,
//	V31 0x0F in every byte; R20 xs, R21 its cursor

#define Q41ROW(p, s, m, w) \
	VLD1.P	2(p), s; \
	VLD1.P	2(p), m; \
	VLD1.P	16(p), [w]

// The nibbles are multiplied by QNIBDOTU and QNIBMULU; QFINISHM and
// QROW1FINISHM add m·xs.

// Q41ACT is QACT plus the block's xs.
#define Q41ACT \
	QACT; \
	VLD1.P	4(R21), V19.S[3]

#define Q41BLOCK8(MUL, po0, po1, pn0, pn1) \
	Q41ACT; \
	Q41ROW(R7, V18.H[0], V30.H[0], V10.B16); \
	Q41ROW(R8, V18.H[1], V30.H[1], V12.B16); \
	Q41ROW(R9, V18.H[2], V30.H[2], V14.B16); \
	Q41ROW(R10, V18.H[3], V30.H[3], V16.B16); \
	MUL(0, 10, 11, 26); \
	MUL(1, 12, 13, 27); \
	MUL(2, 14, 15, 28); \
	MUL(3, 16, 17, 29); \
	Q41ROW(R11, V19.H[0], V30.H[4], V10.B16); \
	Q41ROW(R12, V19.H[1], V30.H[5], V12.B16); \
	Q41ROW(R13, V19.H[2], V30.H[6], V14.B16); \
	Q41ROW(R14, V19.H[3], V30.H[7], V16.B16); \
	MUL(4, 10, 11, 26); \
	MUL(5, 12, 13, 27); \
	MUL(6, 14, 15, 28); \
	MUL(7, 16, 17, 29); \
	QFINISHM(po0, po1, pn0, pn1)

// Q41ROW1 is Q41BLOCK8 for the one row at R7 (lane 0 of V24).
#define Q41ROW1(MUL) \
	Q41ACT; \
	Q41ROW(R7, V18.H[0], V30.H[0], V10.B16); \
	VEOR	V0.B16, V0.B16, V0.B16; \
	MUL(0, 10, 11, 26); \
	QROW1FINISHM

// Q41RESET rewinds the block sums' cursor.
#define Q41RESET MOVD	R20, R21

// func matVecQ4_1Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·20.
TEXT ·matVecQ4_1Dot(SB), NOSPLIT, $0-64
	QARGS
	MOVD	xs+56(FP), R20
	VMOVI	$0x0f, V31.B16
	QLOOPS(Q41BLOCK8, Q41ROW1, QNIBDOTU, Q41RESET, QNONE)

// func matVecQ4_1V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
// ARMv8.0; rows ≥ 0, nb ≥ 1, rowBytes = nb·20.
TEXT ·matVecQ4_1V80(SB), NOSPLIT, $0-64
	QARGS
	MOVD	xs+56(FP), R20
	VMOVI	$0x0f, V31.B16
	QLOOPS(Q41BLOCK8, Q41ROW1, QNIBMULU, Q41RESET, QNONE)
