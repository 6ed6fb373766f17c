//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_k_arm64.h"

// IQ4_XS weights × Q8_K activations, one row at a time
// (matvec_k_arm64.h). A 136-byte super-block: fp16 d, scales_h (bits 4–5
// of the eight six-bit sub-block scales, two bits each), scales_l[4]
// (their low nibbles, two per byte), qs[128]: per sub-block of 32, 16 bytes
// holding value j in the low nibble of byte j and value j+16 in the high
// one, each an index into the non-linear grid iq4Values; the weight is
// d·(ls − 32)·iq4Values[q].
//
// The grid lookup is one TBL per 16 nibbles. The eight values of each
// sub-block pair with their activations in its own int32x4 (SDOT; on
// ARMv8.0 SMULL/SMLAL2 into int16 lanes, two products of at most 127·128,
// then SADDLP/SADALP); a pairwise-add tree gives the eight sums. The scales
// are unpacked in vector registers: the first eight bytes of the block,
// gathered by one TBL into [l0 l0 l1 l1 l2 l2 l3 l3 h0 h0 h0 h0 h1 h1 h1
// h1] (l the scales_l bytes, h the scales_h bytes), shifted lane by lane
// (USHL) and masked, give the low nibbles and the high bit pairs, which
// SLI joins. Then sum += xd·d·Σ(ls−32)·a, as in dotIQ4_XS.
//
//	V0–V7 qs, V8–V11 activations, V12–V15 scratch, V16–V23 sub-block
//	sums, V24 the grid, V25 0x0F, V26 the gather indices, V27 the shifts,
//	V28 the masks, V29 32 in every byte

DATA iq4xsConsts<>+0(SB)/8, $0xf6eaddcfbfad9881 // iq4Values
DATA iq4xsConsts<>+8(SB)/8, $0x7159453526190d01
DATA iq4xsConsts<>+16(SB)/8, $0x0707060605050404 // gather indices
DATA iq4xsConsts<>+24(SB)/8, $0x0303030302020202
DATA iq4xsConsts<>+32(SB)/8, $0xfc00fc00fc00fc00 // shifts: 0, −4 for the nibbles; 0, −2, −4, −6 for the bit pairs
DATA iq4xsConsts<>+40(SB)/8, $0xfafcfe00fafcfe00
DATA iq4xsConsts<>+48(SB)/8, $0x0f0f0f0f0f0f0f0f // masks
DATA iq4xsConsts<>+56(SB)/8, $0x0303030303030303
GLOBL iq4xsConsts<>(SB), RODATA|NOPTR, $64

#define IQ4CONSTS \
	MOVD	$iq4xsConsts<>(SB), R11; \
	VLD1	(R11), [V24.B16, V25.B16, V26.B16, V27.B16]; \
	VMOV	V27.B16, V28.B16; \
	VMOV	V26.B16, V27.B16; \
	VMOV	V25.B16, V26.B16; \
	VMOVI	$0x0f, V25.B16; \
	VMOVI	$0x20, V29.B16

// IQ4SUB_* sum sub-block ib (nibbles in q) against its 32 activations
// (xa, xb) into a.
#define IQ4SUB_DOT(q, xa, xb, a) \
	AND_16B(12, q, 25); \
	USHR_16B(13, q, 4); \
	TBL_16B(12, 24, 12); \
	TBL_16B(13, 24, 13); \
	EOR_16B(a, a, a); \
	SDOT_4S(a, 12, xa); \
	SDOT_4S(a, 13, xb)

#define IQ4SUB_V80(q, xa, xb, a) \
	AND_16B(12, q, 25); \
	USHR_16B(13, q, 4); \
	TBL_16B(12, 24, 12); \
	TBL_16B(13, 24, 13); \
	SMULL_8H(14, 12, xa); \
	SMLAL2_8H(14, 12, xa); \
	SMULL_8H(15, 13, xb); \
	SMLAL2_8H(15, 13, xb); \
	SADDLP_4S(a, 14); \
	SADALP_4S(a, 15)

#define IQ4BLOCK(SUB) \
	MOVD.P	8(R2), R11; \
	VLD1.P	64(R2), [V0.B16, V1.B16, V2.B16, V3.B16]; \
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	SUB(0, 8, 9, 16); \
	SUB(1, 10, 11, 17); \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	SUB(2, 8, 9, 18); \
	SUB(3, 10, 11, 19); \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	SUB(4, 8, 9, 20); \
	SUB(5, 10, 11, 21); \
	VLD1.P	64(R7), [V8.B16, V9.B16, V10.B16, V11.B16]; \
	SUB(6, 8, 9, 22); \
	SUB(7, 10, 11, 23); \
	ADDP_4S(16, 16, 17); \
	ADDP_4S(18, 18, 19); \
	ADDP_4S(16, 16, 18); \
	ADDP_4S(20, 20, 21); \
	ADDP_4S(22, 22, 23); \
	ADDP_4S(17, 20, 22); \
	VMOV	R11, V18.D[0]; \
	TBL_16B(19, 18, 26); \
	USHL_16B(19, 19, 27); \
	AND_16B(19, 19, 28); \
	EXT_16B(20, 19, 19, 8); \
	SLI_16B(19, 20, 4); \
	SUB_16B(19, 19, 29); \
	SXTL_8H(19, 19); \
	SXTL_4S(20, 19); \
	SXTL2_4S(21, 19); \
	MUL_4S(22, 16, 20); \
	MLA_4S(22, 17, 21); \
	ADDV_S(22, 22); \
	SCVTF_4S(22, 22); \
	FCVTL_4S(18, 18); \
	VLD1.P	4(R8), V21.S[0]; \
	FMULS	F18, F21, F21; \
	FMULS	F22, F21, F21; \
	FADDS	F21, F31, F31

// func matVecIQ4_XSDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// Needs ARMv8.2 dotprod; rows ≥ 1, nb ≥ 1.
TEXT ·matVecIQ4_XSDot(SB), NOSPLIT, $0-56
	KARGS
	IQ4CONSTS
	KLOOPS(IQ4BLOCK, IQ4SUB_DOT)

// func matVecIQ4_XSV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// ARMv8.0; rows ≥ 1, nb ≥ 1.
TEXT ·matVecIQ4_XSV80(SB), NOSPLIT, $0-56
	KARGS
	IQ4CONSTS
	KLOOPS(IQ4BLOCK, IQ4SUB_V80)
