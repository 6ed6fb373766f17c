//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_q_arm64.h"

// Q4_0 weights × Q8 activations: the scheme and registers of
// matvec_q8_0_arm64.s, with 18-byte blocks (fp16 scale, 16 bytes of
// nibbles: element j in the low nibble of byte j, j+16 in the high one).
//
// Two variants. With a table of 8·Σx per activation block (computed once
// per call by q8BlockSums8), the nibbles are used as unsigned 0..15 —
// AND 0x0F and USHR 4, two instructions for 32 weights — and each block's
// int32 sums are corrected by −8·Σx (one broadcast load and two SUBs per
// 8 rows): matVecQ4_0DotC, matVecQ4_0V80C. Without the table (more blocks
// than the Go side's table holds), the kernels below unpack to signed
// values directly.
//
// Unpacking: q XOR 8 read as a signed 4-bit number is q−8, so after one
// EOR with 0x88 the high nibble masked in place (AND 0xF0) is 16·(q_hi−8)
// as a signed byte and the low nibble shifted up (SHL 4) is 16·(q_lo−8):
// three instructions for 32 weights. The SDOT path sums these 16-fold
// values and multiplies the float sums by 1/16 at the end (exact: a power
// of two). The v8.0 path shifts them back down (SSHR 4) so that four
// products, each at most 8·128, fit an int16 lane for any activation.
//
//	V30 = 0x88 in every byte, V31 = 0xF0 in every byte

// Q4DOT adds one row's block products to its running sum a; w holds the
// packed block and is clobbered, l is scratch (t unused).
#define Q4DOT(a, w, l, t) \
	EOR_16B(w, w, 30); \
	SHL_16B(l, w, 4); \
	AND_16B(w, w, 31); \
	QSUMS_DOT(a, l, w)

// Q4MUL is Q4DOT for ARMv8.0; t is an int16 scratch register.
#define Q4MUL(a, w, l, t) \
	EOR_16B(w, w, 30); \
	SHL_16B(l, w, 4); \
	SSHR_16B(l, l, 4); \
	SSHR_16B(w, w, 4); \
	QSUMS_V80(a, l, w, t)

// The corrected kernels multiply the nibbles unsigned: QNIBDOTU,
// QNIBMULU (V31 = 0x0F).

// QACTC is QACT plus the block's correction 8·Σx in every lane of V30.
#define QACTC \
	QACT; \
	VLD1R.P	4(R19), [V30.S4]

// QFINISHC is QFINISH with the block sums corrected by −8·Σx.
#define QFINISHC(po0, po1, pn0, pn1) \
	ADDP_4S(26, 0, 1); \
	ADDP_4S(27, 2, 3); \
	ADDP_4S(pn0, 26, 27); \
	ADDP_4S(28, 4, 5); \
	ADDP_4S(29, 6, 7); \
	ADDP_4S(pn1, 28, 29); \
	SUB_4S(26, pn0, po0); \
	SUB_4S(27, pn1, po1); \
	SUB_4S(26, 26, 30); \
	SUB_4S(27, 27, 30); \
	SCVTF_4S(26, 26); \
	SCVTF_4S(27, 27); \
	FCVTL_4S(28, 18); \
	FCVTL_4S(29, 19); \
	FMUL_4S_ELEM(28, 28, 18, 3); \
	FMUL_4S_ELEM(29, 29, 18, 3); \
	FMLA_4S(24, 26, 28); \
	FMLA_4S(25, 27, 29)

#define QROW1FINISHC \
	ADDP_4S(0, 0, 0); \
	ADDP_4S(0, 0, 0); \
	SUB_4S(0, 0, 30); \
	SCVTF_4S(0, 0); \
	FCVTL_4S(28, 18); \
	FMUL_4S_ELEM(28, 28, 18, 3); \
	FMLA_4S(24, 0, 28)

// Q4BLOCK8C and Q4ROW1C are QNIBBLOCK8 and QNIBROW1 with the corrected
// activations and reductions.
#define Q4BLOCK8C(MUL, po0, po1, pn0, pn1) QNIBBLOCK8X(QACTC, QFINISHC, MUL, po0, po1, pn0, pn1)
#define Q4ROW1C(MUL) QNIBROW1X(QACTC, QROW1FINISHC, MUL)

// Q4RESETC rewinds the corrections' cursor.
#define Q4RESETC MOVD	R20, R19

// Q4SCALE undoes the 16-fold values of the SDOT path (× 1/16).
#define Q4SCALE QSCALE(0x3d800000)

#define Q4CONSTS \
	VMOVI	$0x88, V30.B16; \
	VMOVI	$0xf0, V31.B16

// func matVecQ4_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·18.
TEXT ·matVecQ4_0Dot(SB), NOSPLIT, $0-56
	QARGS
	Q4CONSTS
	QLOOPS(QNIBBLOCK8, QNIBROW1, Q4DOT, QNONE, Q4SCALE)

// func matVecQ4_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// ARMv8.0.
TEXT ·matVecQ4_0V80(SB), NOSPLIT, $0-56
	QARGS
	Q4CONSTS
	QLOOPS(QNIBBLOCK8, QNIBROW1, Q4MUL, QNONE, QNONE)

// func matVecQ4_0DotC(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, corr *int32)
// Needs ARMv8.2 dotprod; corr[b] = 8·Σ_j xq[32b+j] (q8BlockSums8).
TEXT ·matVecQ4_0DotC(SB), NOSPLIT, $0-64
	QARGS
	MOVD	corr+56(FP), R20
	VMOVI	$0x0f, V31.B16
	QLOOPS(Q4BLOCK8C, Q4ROW1C, QNIBDOTU, Q4RESETC, QNONE)

// func matVecQ4_0V80C(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, corr *int32)
// ARMv8.0; corr as for matVecQ4_0DotC.
TEXT ·matVecQ4_0V80C(SB), NOSPLIT, $0-64
	QARGS
	MOVD	corr+56(FP), R20
	VMOVI	$0x0f, V31.B16
	QLOOPS(Q4BLOCK8C, Q4ROW1C, QNIBMULU, Q4RESETC, QNONE)

// func q8BlockSums8(xq *int8, nb int, corr *int32)
// corr[b] = 8·Σ_{j<32} xq[32b+j] for b < nb (nb ≥ 1).
TEXT ·q8BlockSums8(SB), NOSPLIT, $0-24
	MOVD	xq+0(FP), R0
	MOVD	nb+8(FP), R1
	MOVD	corr+16(FP), R2

sums_block:
	VLD1.P	32(R0), [V0.B16, V1.B16]
	SADDLP_8H(2, 0)
	SADALP_8H(2, 1)
	SADDLV_S(2, 2)
	SHL_4S(2, 2, 3)
	VST1.P	V2.S[0], 4(R2)
	SUBS	$1, R1, R1
	BNE	sums_block
	RET
