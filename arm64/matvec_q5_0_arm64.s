//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_q_arm64.h"

// Q5_0 weights × Q8 activations: the 8-rows-at-a-time scheme and
// registers of matvec_q8_0_arm64.s and matvec_q4_0_arm64.s. A 22-byte
// block: fp16 scale, qh (bit 4 of code j at bit j), 16 bytes of nibbles
// (value j in the low nibble of byte j, j+16 in the high one); the weight
// is d·(q − 16).
//
// Unpacking one row's block: qh goes to a vector lane; TBL spreads its
// bytes over the lanes (bytes 0,1 for values 0–15, bytes 2,3 for 16–31),
// AND with the lane's bit and CMEQ against zero give 0xFF where bit 4 is
// clear. q − 16 is then that mask with the nibble inserted in its low four
// bits (BIT): 0xF0 | n = n − 16 when the bit is clear, n when it is set.
// The values lie in −16..15, so the ARMv8.0 path sums four products per
// int16 lane, as Q4_0's does.
//
//	V26 the bit of each lane, V27, V28 the TBL indices (reloaded every
//	block: QFINISH uses them as scratch), V30 zero, V31 0x0F

// ·q5Consts serves matvec_q5_1_arm64.s too (Q5LOADC).
DATA ·q5Consts+0(SB)/8, $0x8040201008040201 // lane bits
DATA ·q5Consts+8(SB)/8, $0x8040201008040201
DATA ·q5Consts+16(SB)/8, $0x0000000000000000 // qh bytes of values 0–15
DATA ·q5Consts+24(SB)/8, $0x0101010101010101
DATA ·q5Consts+32(SB)/8, $0x0202020202020202 // of values 16–31
DATA ·q5Consts+40(SB)/8, $0x0303030303030303
GLOBL ·q5Consts(SB), RODATA|NOPTR, $48

#define Q5CONSTS \
	MOVD	$·q5Consts(SB), R19; \
	VEOR	V30.B16, V30.B16, V30.B16; \
	VMOVI	$0x0f, V31.B16

#define Q5ROW(p, s, hs, w) \
	VLD1.P	2(p), s; \
	VLD1.P	4(p), hs; \
	VLD1.P	16(p), [w]

// Q5UNPACK turns the packed block w and its qh in h into the signed codes
// of values 0–15 (in l) and 16–31 (in h); w is clobbered.
#define Q5UNPACK(w, l, h) \
	Q5SPREAD(l, h); \
	CMEQ_16B(l, l, 30); \
	CMEQ_16B(h, h, 30); \
	Q5INSERT(w, l, h)

// Q5DOT adds one row's block products to its running sum a; t is unused.
#define Q5DOT(a, w, l, h, t) \
	Q5UNPACK(w, l, h); \
	QSUMS_DOT(a, l, h)

// Q5MUL is Q5DOT for ARMv8.0; t is an int16 scratch register.
#define Q5MUL(a, w, l, h, t) \
	Q5UNPACK(w, l, h); \
	QSUMS_V80(a, l, h, t)

#define Q5BLOCK8(MUL, po0, po1, pn0, pn1) \
	QACT; \
	Q5LOADC; \
	Q5ROW(R7, V18.H[0], V12.S[0], V10.B16); \
	MUL(0, 10, 11, 12, 16); \
	Q5ROW(R8, V18.H[1], V15.S[0], V13.B16); \
	MUL(1, 13, 14, 15, 17); \
	Q5ROW(R9, V18.H[2], V12.S[0], V10.B16); \
	MUL(2, 10, 11, 12, 16); \
	Q5ROW(R10, V18.H[3], V15.S[0], V13.B16); \
	MUL(3, 13, 14, 15, 17); \
	Q5ROW(R11, V19.H[0], V12.S[0], V10.B16); \
	MUL(4, 10, 11, 12, 16); \
	Q5ROW(R12, V19.H[1], V15.S[0], V13.B16); \
	MUL(5, 13, 14, 15, 17); \
	Q5ROW(R13, V19.H[2], V12.S[0], V10.B16); \
	MUL(6, 10, 11, 12, 16); \
	Q5ROW(R14, V19.H[3], V15.S[0], V13.B16); \
	MUL(7, 13, 14, 15, 17); \
	QFINISH(po0, po1, pn0, pn1)

// Q5ROW1 is Q5BLOCK8 for the one row at R7 (lane 0 of V24).
#define Q5ROW1(MUL) \
	QACT; \
	Q5LOADC; \
	Q5ROW(R7, V18.H[0], V12.S[0], V10.B16); \
	VEOR	V0.B16, V0.B16, V0.B16; \
	MUL(0, 10, 11, 12, 16); \
	QROW1FINISH

// func matVecQ5_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·22.
TEXT ·matVecQ5_0Dot(SB), NOSPLIT, $0-56
	QARGS
	Q5CONSTS
	QLOOPS(Q5BLOCK8, Q5ROW1, Q5DOT, QNONE, QNONE)

// func matVecQ5_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// ARMv8.0; rows ≥ 0, nb ≥ 1, rowBytes = nb·22.
TEXT ·matVecQ5_0V80(SB), NOSPLIT, $0-56
	QARGS
	Q5CONSTS
	QLOOPS(Q5BLOCK8, Q5ROW1, Q5MUL, QNONE, QNONE)
