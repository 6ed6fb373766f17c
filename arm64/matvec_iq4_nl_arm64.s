//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_q_arm64.h"

// IQ4_NL weights × Q8 activations: the 8-rows-at-a-time scheme and
// registers of matvec_q8_0_arm64.s and matvec_q4_0_arm64.s. An 18-byte
// block is laid out as Q4_0's (fp16 scale, 16 bytes: value j in the low
// nibble of byte j, j+16 in the high one), but each nibble indexes the
// non-linear grid iq4Values: after AND 0x0F / USHR 4, one TBL per 16
// nibbles turns them into the grid's signed bytes, which SDOT multiplies
// with the activations. The ARMv8.0 path has no room for four products
// per int16 lane (a grid value times an activation reaches 127·128), so it
// accumulates each half of the block (two products per lane) with its own
// SADALP.
//
//	V30 = the grid, V31 = 0x0F in every byte

DATA iq4nlGrid<>+0(SB)/8, $0xf6eaddcfbfad9881 // iq4Values
DATA iq4nlGrid<>+8(SB)/8, $0x7159453526190d01
GLOBL iq4nlGrid<>(SB), RODATA|NOPTR, $16

#define NLCONSTS \
	MOVD	$iq4nlGrid<>(SB), R19; \
	VLD1	(R19), [V30.B16]; \
	VMOVI	$0x0f, V31.B16

#define NLROW(p, s, w) \
	VLD1.P	2(p), s; \
	VLD1.P	16(p), [w]

// NLDOT adds one row's block products to its running sum a; w holds the
// packed block and is clobbered, l and t are scratch (t unused).
#define NLDOT(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	TBL_16B(l, 30, l); \
	TBL_16B(w, 30, w); \
	SDOT_4S(a, l, 8); \
	SDOT_4S(a, w, 9)

// NLMUL is NLDOT for ARMv8.0; t is an int16 scratch register.
#define NLMUL(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	TBL_16B(l, 30, l); \
	TBL_16B(w, 30, w); \
	SMULL_8H(t, l, 8); \
	SMLAL2_8H(t, l, 8); \
	SADALP_4S(a, t); \
	SMULL_8H(t, w, 9); \
	SMLAL2_8H(t, w, 9); \
	SADALP_4S(a, t)

#define NLBLOCK8(MUL, po0, po1, pn0, pn1) \
	QACT; \
	NLROW(R7, V18.H[0], V10.B16); \
	NLROW(R8, V18.H[1], V12.B16); \
	NLROW(R9, V18.H[2], V14.B16); \
	NLROW(R10, V18.H[3], V16.B16); \
	MUL(0, 10, 11, 26); \
	MUL(1, 12, 13, 27); \
	MUL(2, 14, 15, 28); \
	MUL(3, 16, 17, 29); \
	NLROW(R11, V19.H[0], V10.B16); \
	NLROW(R12, V19.H[1], V12.B16); \
	NLROW(R13, V19.H[2], V14.B16); \
	NLROW(R14, V19.H[3], V16.B16); \
	MUL(4, 10, 11, 26); \
	MUL(5, 12, 13, 27); \
	MUL(6, 14, 15, 28); \
	MUL(7, 16, 17, 29); \
	QFINISH(po0, po1, pn0, pn1)

// func matVecIQ4_NLDot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·18.
TEXT ·matVecIQ4_NLDot(SB), NOSPLIT, $0-56
	QARGS
	NLCONSTS

dot_group:
	CMP	$8, R1
	BLT	dot_tail
	QGROUPSTART
	CBZ	R17, dot_odd

dot_pair:
	NLBLOCK8(NLDOT, 20, 21, 22, 23)
	NLBLOCK8(NLDOT, 22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	dot_pair

dot_odd:
	TBZ	$0, R6, dot_store
	NLBLOCK8(NLDOT, 20, 21, 22, 23)

dot_store:
	QGROUPEND
	B	dot_group

dot_tail:
	CBZ	R1, dot_done

dot_row:
	QROW1START

dot_row_block:
	QACT
	NLROW(R7, V18.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	NLDOT(0, 10, 11, 26)
	QROW1FINISH
	SUBS	$1, R17, R17
	BNE	dot_row_block
	QROW1END
	BNE	dot_row

dot_done:
	RET

// func matVecIQ4_NLV80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// ARMv8.0; rows ≥ 0, nb ≥ 1, rowBytes = nb·18.
TEXT ·matVecIQ4_NLV80(SB), NOSPLIT, $0-56
	QARGS
	NLCONSTS

v80_group:
	CMP	$8, R1
	BLT	v80_tail
	QGROUPSTART
	CBZ	R17, v80_odd

v80_pair:
	NLBLOCK8(NLMUL, 20, 21, 22, 23)
	NLBLOCK8(NLMUL, 22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	v80_pair

v80_odd:
	TBZ	$0, R6, v80_store
	NLBLOCK8(NLMUL, 20, 21, 22, 23)

v80_store:
	QGROUPEND
	B	v80_group

v80_tail:
	CBZ	R1, v80_done

v80_row:
	QROW1START

v80_row_block:
	QACT
	NLROW(R7, V18.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	NLMUL(0, 10, 11, 26)
	QROW1FINISH
	SUBS	$1, R17, R17
	BNE	v80_row_block
	QROW1END
	BNE	v80_row

v80_done:
	RET
