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

// NLDOT adds one row's block products to its running sum a; w holds the
// packed block and is clobbered, l and t are scratch (t unused).
#define NLDOT(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	TBL_16B(l, 30, l); \
	TBL_16B(w, 30, w); \
	QSUMS_DOT(a, l, w)

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

// func matVecIQ4_NLDot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·18.
TEXT ·matVecIQ4_NLDot(SB), NOSPLIT, $0-56
	QARGS
	NLCONSTS
	QLOOPS(QNIBBLOCK8, QNIBROW1, NLDOT, QNONE, QNONE)

// func matVecIQ4_NLV80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// ARMv8.0; rows ≥ 0, nb ≥ 1, rowBytes = nb·18.
TEXT ·matVecIQ4_NLV80(SB), NOSPLIT, $0-56
	QARGS
	NLCONSTS
	QLOOPS(QNIBBLOCK8, QNIBROW1, NLMUL, QNONE, QNONE)
