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

#define Q4ROW(p, s, w) \
	VLD1.P	2(p), s; \
	VLD1.P	16(p), [w]

// Q4DOT adds one row's block products to its running sum a; w holds the
// packed block and is clobbered, l is scratch.
#define Q4DOT(a, w, l) \
	EOR_16B(w, w, 30); \
	SHL_16B(l, w, 4); \
	AND_16B(w, w, 31); \
	SDOT_4S(a, l, 8); \
	SDOT_4S(a, w, 9)

// Q4MUL is Q4DOT for ARMv8.0; t is an int16 scratch register.
#define Q4MUL(a, w, l, t) \
	EOR_16B(w, w, 30); \
	SHL_16B(l, w, 4); \
	SSHR_16B(l, l, 4); \
	SSHR_16B(w, w, 4); \
	SMULL_8H(t, l, 8); \
	SMLAL2_8H(t, l, 8); \
	SMLAL_8H(t, w, 9); \
	SMLAL2_8H(t, w, 9); \
	SADALP_4S(a, t)

#define Q4BLOCK8_DOT(po0, po1, pn0, pn1) \
	QACT; \
	Q4ROW(R7, V18.H[0], V10.B16); \
	Q4ROW(R8, V18.H[1], V12.B16); \
	Q4ROW(R9, V18.H[2], V14.B16); \
	Q4ROW(R10, V18.H[3], V16.B16); \
	Q4DOT(0, 10, 11); \
	Q4DOT(1, 12, 13); \
	Q4DOT(2, 14, 15); \
	Q4DOT(3, 16, 17); \
	Q4ROW(R11, V19.H[0], V10.B16); \
	Q4ROW(R12, V19.H[1], V12.B16); \
	Q4ROW(R13, V19.H[2], V14.B16); \
	Q4ROW(R14, V19.H[3], V16.B16); \
	Q4DOT(4, 10, 11); \
	Q4DOT(5, 12, 13); \
	Q4DOT(6, 14, 15); \
	Q4DOT(7, 16, 17); \
	QFINISH(po0, po1, pn0, pn1)

#define Q4BLOCK8_V80(po0, po1, pn0, pn1) \
	QACT; \
	Q4ROW(R7, V18.H[0], V10.B16); \
	Q4ROW(R8, V18.H[1], V12.B16); \
	Q4ROW(R9, V18.H[2], V14.B16); \
	Q4ROW(R10, V18.H[3], V16.B16); \
	Q4MUL(0, 10, 11, 26); \
	Q4MUL(1, 12, 13, 27); \
	Q4MUL(2, 14, 15, 28); \
	Q4MUL(3, 16, 17, 29); \
	Q4ROW(R11, V19.H[0], V10.B16); \
	Q4ROW(R12, V19.H[1], V12.B16); \
	Q4ROW(R13, V19.H[2], V14.B16); \
	Q4ROW(R14, V19.H[3], V16.B16); \
	Q4MUL(4, 10, 11, 26); \
	Q4MUL(5, 12, 13, 27); \
	Q4MUL(6, 14, 15, 28); \
	Q4MUL(7, 16, 17, 29); \
	QFINISH(po0, po1, pn0, pn1)

// Q4DOTC / Q4MULC: unsigned nibbles (V31 = 0x0F), products ≤ 15·128, so
// four of them fit an int16 lane in the v8.0 path.
#define Q4DOTC(a, w, l) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	SDOT_4S(a, l, 8); \
	SDOT_4S(a, w, 9)

#define Q4MULC(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	SMULL_8H(t, l, 8); \
	SMLAL2_8H(t, l, 8); \
	SMLAL_8H(t, w, 9); \
	SMLAL2_8H(t, w, 9); \
	SADALP_4S(a, t)

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

#define Q4BLOCK8C(MUL, po0, po1, pn0, pn1) \
	QACTC; \
	Q4ROW(R7, V18.H[0], V10.B16); \
	Q4ROW(R8, V18.H[1], V12.B16); \
	Q4ROW(R9, V18.H[2], V14.B16); \
	Q4ROW(R10, V18.H[3], V16.B16); \
	MUL(0, 10, 11, 26); \
	MUL(1, 12, 13, 27); \
	MUL(2, 14, 15, 28); \
	MUL(3, 16, 17, 29); \
	Q4ROW(R11, V19.H[0], V10.B16); \
	Q4ROW(R12, V19.H[1], V12.B16); \
	Q4ROW(R13, V19.H[2], V14.B16); \
	Q4ROW(R14, V19.H[3], V16.B16); \
	MUL(4, 10, 11, 26); \
	MUL(5, 12, 13, 27); \
	MUL(6, 14, 15, 28); \
	MUL(7, 16, 17, 29); \
	QFINISHC(po0, po1, pn0, pn1)

// Q4DOTC4 adapts Q4DOTC to Q4BLOCK8C's four-argument calls.
#define Q4DOTC4(a, w, l, t) Q4DOTC(a, w, l)

#define Q4CONSTS \
	VMOVI	$0x88, V30.B16; \
	VMOVI	$0xf0, V31.B16

// func matVecQ4_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// Needs ARMv8.2 dotprod; rows ≥ 0, nb ≥ 1, rowBytes = nb·18.
TEXT ·matVecQ4_0Dot(SB), NOSPLIT, $0-56
	QARGS
	Q4CONSTS

dot_group:
	CMP	$8, R1
	BLT	dot_tail
	QGROUPSTART
	CBZ	R17, dot_odd

dot_pair:
	Q4BLOCK8_DOT(20, 21, 22, 23)
	Q4BLOCK8_DOT(22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	dot_pair

dot_odd:
	TBZ	$0, R6, dot_store
	Q4BLOCK8_DOT(20, 21, 22, 23)

dot_store:
	QSCALE(0x3d800000) // 1/16
	QGROUPEND
	B	dot_group

dot_tail:
	CBZ	R1, dot_done

dot_row:
	QROW1START

dot_row_block:
	QACT
	Q4ROW(R7, V18.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	Q4DOT(0, 10, 11)
	QROW1FINISH
	SUBS	$1, R17, R17
	BNE	dot_row_block
	QSCALE(0x3d800000)
	QROW1END
	BNE	dot_row

dot_done:
	RET

// func matVecQ4_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
// ARMv8.0.
TEXT ·matVecQ4_0V80(SB), NOSPLIT, $0-56
	QARGS
	Q4CONSTS

v80_group:
	CMP	$8, R1
	BLT	v80_tail
	QGROUPSTART
	CBZ	R17, v80_odd

v80_pair:
	Q4BLOCK8_V80(20, 21, 22, 23)
	Q4BLOCK8_V80(22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	v80_pair

v80_odd:
	TBZ	$0, R6, v80_store
	Q4BLOCK8_V80(20, 21, 22, 23)

v80_store:
	QGROUPEND
	B	v80_group

v80_tail:
	CBZ	R1, v80_done

v80_row:
	QROW1START

v80_row_block:
	QACT
	Q4ROW(R7, V18.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	Q4MUL(0, 10, 11, 26)
	QROW1FINISH
	SUBS	$1, R17, R17
	BNE	v80_row_block
	QROW1END
	BNE	v80_row

v80_done:
	RET

// func matVecQ4_0DotC(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, corr *int32)
// Needs ARMv8.2 dotprod; corr[b] = 8·Σ_j xq[32b+j] (q8BlockSums8).
TEXT ·matVecQ4_0DotC(SB), NOSPLIT, $0-64
	QARGS
	MOVD	corr+56(FP), R20
	VMOVI	$0x0f, V31.B16

dotc_group:
	CMP	$8, R1
	BLT	dotc_tail
	QGROUPSTART
	MOVD	R20, R19
	CBZ	R17, dotc_odd

dotc_pair:
	Q4BLOCK8C(Q4DOTC4, 20, 21, 22, 23)
	Q4BLOCK8C(Q4DOTC4, 22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	dotc_pair

dotc_odd:
	TBZ	$0, R6, dotc_store
	Q4BLOCK8C(Q4DOTC4, 20, 21, 22, 23)

dotc_store:
	QGROUPEND
	B	dotc_group

dotc_tail:
	CBZ	R1, dotc_done

dotc_row:
	QROW1START
	MOVD	R20, R19

dotc_row_block:
	QACTC
	Q4ROW(R7, V18.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	Q4DOTC(0, 10, 11)
	QROW1FINISHC
	SUBS	$1, R17, R17
	BNE	dotc_row_block
	QROW1END
	BNE	dotc_row

dotc_done:
	RET

// func matVecQ4_0V80C(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, corr *int32)
// ARMv8.0; corr as for matVecQ4_0DotC.
TEXT ·matVecQ4_0V80C(SB), NOSPLIT, $0-64
	QARGS
	MOVD	corr+56(FP), R20
	VMOVI	$0x0f, V31.B16

v80c_group:
	CMP	$8, R1
	BLT	v80c_tail
	QGROUPSTART
	MOVD	R20, R19
	CBZ	R17, v80c_odd

v80c_pair:
	Q4BLOCK8C(Q4MULC, 20, 21, 22, 23)
	Q4BLOCK8C(Q4MULC, 22, 23, 20, 21)
	SUBS	$1, R17, R17
	BNE	v80c_pair

v80c_odd:
	TBZ	$0, R6, v80c_store
	Q4BLOCK8C(Q4MULC, 20, 21, 22, 23)

v80c_store:
	QGROUPEND
	B	v80c_group

v80c_tail:
	CBZ	R1, v80c_done

v80c_row:
	QROW1START
	MOVD	R20, R19

v80c_row_block:
	QACTC
	Q4ROW(R7, V18.H[0], V10.B16)
	VEOR	V0.B16, V0.B16, V0.B16
	Q4MULC(0, 10, 11, 26)
	QROW1FINISHC
	SUBS	$1, R17, R17
	BNE	v80c_row_block
	QROW1END
	BNE	v80c_row

v80c_done:
	RET

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
