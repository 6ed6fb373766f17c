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

// Q41DOT adds one row's block products to its running sum a; w holds the
// packed block and is clobbered, l is scratch, t unused.
#define Q41DOT(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	SDOT_4S(a, l, 8); \
	SDOT_4S(a, w, 9)

// Q41MUL is Q41DOT for ARMv8.0; t is an int16 scratch register.
#define Q41MUL(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	SMULL_8H(t, l, 8); \
	SMLAL2_8H(t, l, 8); \
	SMLAL_8H(t, w, 9); \
	SMLAL2_8H(t, w, 9); \
	SADALP_4S(a, t)

// Q41ACT is QACT plus the block's xs.
#define Q41ACT \
	QACT; \
	VLD1.P	4(R21), V19.S[3]

// Q41FINISH is QFINISH plus m·xs for the eight rows.
#define Q41FINISH(po0, po1, pn0, pn1) \
	QFINISH(po0, po1, pn0, pn1); \
	FCVTL_4S(28, 30); \
	FCVTL2_4S(29, 30); \
	FMLA_4S_ELEM(24, 28, 19, 3); \
	FMLA_4S_ELEM(25, 29, 19, 3)

#define Q41ROW1FINISH \
	QROW1FINISH; \
	FCVTL_4S(28, 30); \
	FMLA_4S_ELEM(24, 28, 19, 3)

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
	Q41FINISH(po0, po1, pn0, pn1)

// func matVecQ4_1Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·20.
TEXT ·matVecQ4_1Dot(SB), NOSPLIT, $0-64
	QARGS
	MOVD	xs+56(FP), R20
	VMOVI	$0x0f, V31.B16

dot_group:
	CMP	$8, R1
	BLT	dot_tail
	QGROUPSTART
	MOVD	R20, R21
	CBZ	R17, dot_odd

dot_pair:
	Q41BLOCK8(Q41DOT, 20, 21, 22, 23)
	Q41BLOCK8(Q41DOT, 22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	dot_pair

dot_odd:
	TBZ	$0, R6, dot_store
	Q41BLOCK8(Q41DOT, 20, 21, 22, 23)

dot_store:
	QGROUPEND
	B	dot_group

dot_tail:
	CBZ	R1, dot_done

dot_row:
	QROW1START
	MOVD	R20, R21

dot_row_block:
	Q41ACT
	Q41ROW(R7, V18.H[0], V30.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	Q41DOT(0, 10, 11, 26)
	Q41ROW1FINISH
	SUBS	$1, R17, R17
	BNE	dot_row_block
	QROW1END
	BNE	dot_row

dot_done:
	RET

// func matVecQ4_1V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
// ARMv8.0; rows ≥ 0, nb ≥ 1, rowBytes = nb·20.
TEXT ·matVecQ4_1V80(SB), NOSPLIT, $0-64
	QARGS
	MOVD	xs+56(FP), R20
	VMOVI	$0x0f, V31.B16

v80_group:
	CMP	$8, R1
	BLT	v80_tail
	QGROUPSTART
	MOVD	R20, R21
	CBZ	R17, v80_odd

v80_pair:
	Q41BLOCK8(Q41MUL, 20, 21, 22, 23)
	Q41BLOCK8(Q41MUL, 22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	v80_pair

v80_odd:
	TBZ	$0, R6, v80_store
	Q41BLOCK8(Q41MUL, 20, 21, 22, 23)

v80_store:
	QGROUPEND
	B	v80_group

v80_tail:
	CBZ	R1, v80_done

v80_row:
	QROW1START
	MOVD	R20, R21

v80_row_block:
	Q41ACT
	Q41ROW(R7, V18.H[0], V30.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	Q41MUL(0, 10, 11, 26)
	Q41ROW1FINISH
	SUBS	$1, R17, R17
	BNE	v80_row_block
	QROW1END
	BNE	v80_row

v80_done:
	RET
