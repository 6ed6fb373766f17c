//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_q_arm64.h"

// Q5_1 weights × Q8_1 activations: the 8-row frame of matvec_q5_0_arm64.s
// with the offset of matvec_q4_1_arm64.s. A 24-byte block: fp16 d, fp16
// m, qh (bit 4 of code j at bit j), 16 bytes of nibbles; the weight is
// d·q + m with q in 0..31. The fifth bit is spread over the lanes as in
// Q5_0; CMEQ against the lane's bit gives 0xFF where it is set, USHR 3
// makes that 0x1F, and BIT inserts the nibble: 0x10 | n or n. Four
// products of at most 31·128 fit an int16 lane in the ARMv8.0 path. Each
// block adds d·xd·Σq·x + m·xs, as in Q4_1.
//
//	V26 the bit of each lane, V27, V28 the TBL indices (reloaded every
//	block), V30 the eight rows' m, V19.S[3] the block's xs, V31 0x0F;
//	R19 the constants, R20 xs, R21 its cursor


#define Q51ROW(p, s, m, hs, w) \
	VLD1.P	2(p), s; \
	VLD1.P	2(p), m; \
	VLD1.P	4(p), hs; \
	VLD1.P	16(p), [w]

// Q51UNPACK turns the packed block w and its qh in h into the codes of
// values 0–15 (in l) and 16–31 (in h); w is clobbered.
#define Q51UNPACK(w, l, h) \
	Q5SPREAD(l, h); \
	CMEQ_16B(l, l, 26); \
	CMEQ_16B(h, h, 26); \
	USHR_16B(l, l, 3); \
	USHR_16B(h, h, 3); \
	Q5INSERT(w, l, h)

#define Q51DOT(a, w, l, h, t) \
	Q51UNPACK(w, l, h); \
	QSUMS_DOT(a, l, h)

#define Q51MUL(a, w, l, h, t) \
	Q51UNPACK(w, l, h); \
	QSUMS_V80(a, l, h, t)

#define Q51ACT \
	QACT; \
	VLD1.P	4(R21), V19.S[3]; \
	Q5LOADC

#define Q51BLOCK8(MUL, po0, po1, pn0, pn1) \
	Q51ACT; \
	Q51ROW(R7, V18.H[0], V30.H[0], V12.S[0], V10.B16); \
	MUL(0, 10, 11, 12, 16); \
	Q51ROW(R8, V18.H[1], V30.H[1], V15.S[0], V13.B16); \
	MUL(1, 13, 14, 15, 17); \
	Q51ROW(R9, V18.H[2], V30.H[2], V12.S[0], V10.B16); \
	MUL(2, 10, 11, 12, 16); \
	Q51ROW(R10, V18.H[3], V30.H[3], V15.S[0], V13.B16); \
	MUL(3, 13, 14, 15, 17); \
	Q51ROW(R11, V19.H[0], V30.H[4], V12.S[0], V10.B16); \
	MUL(4, 10, 11, 12, 16); \
	Q51ROW(R12, V19.H[1], V30.H[5], V15.S[0], V13.B16); \
	MUL(5, 13, 14, 15, 17); \
	Q51ROW(R13, V19.H[2], V30.H[6], V12.S[0], V10.B16); \
	MUL(6, 10, 11, 12, 16); \
	Q51ROW(R14, V19.H[3], V30.H[7], V15.S[0], V13.B16); \
	MUL(7, 13, 14, 15, 17); \
	QFINISHM(po0, po1, pn0, pn1)

// Q51ROW1 is Q51BLOCK8 for the one row at R7 (lane 0 of V24).
#define Q51ROW1(MUL) \
	Q51ACT; \
	Q51ROW(R7, V18.H[0], V30.H[0], V12.S[0], V10.B16); \
	VEOR	V0.B16, V0.B16, V0.B16; \
	MUL(0, 10, 11, 12, 16); \
	QROW1FINISHM

// Q51RESET rewinds the block sums' cursor.
#define Q51RESET MOVD	R20, R21

// func matVecQ5_1Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·24.
TEXT ·matVecQ5_1Dot(SB), NOSPLIT, $0-64
	QARGS
	MOVD	xs+56(FP), R20
	MOVD	$·q5Consts(SB), R19
	VMOVI	$0x0f, V31.B16
	QLOOPS(Q51BLOCK8, Q51ROW1, Q51DOT, Q51RESET, QNONE)

// func matVecQ5_1V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
// ARMv8.0; rows ≥ 0, nb ≥ 1, rowBytes = nb·24.
TEXT ·matVecQ5_1V80(SB), NOSPLIT, $0-64
	QARGS
	MOVD	xs+56(FP), R20
	MOVD	$·q5Consts(SB), R19
	VMOVI	$0x0f, V31.B16
	QLOOPS(Q51BLOCK8, Q51ROW1, Q51MUL, Q51RESET, QNONE)
