//go:build !purego

#include "textflag.h"
#include "matvec_k_amd64.h"

// Q4_K weights × Q8_K activations on AVX2, one row at a time
// (matvec_k_amd64.h). A 144-byte super-block: fp16 d and dmin, 12 bytes
// of six-bit scales and mins for its eight sub-blocks of 32, 128 bytes of
// nibbles (sub-block j in nibble j%2 of bytes 32(j/2)…32(j/2)+31).
//
// The scales and mins are unpacked (matvec_k_amd64.h) in 32-bit registers to the bytes
// sc0…sc7, m0…m7 and widened to int16 (Y0): the scales, copied to both
// 128-bit lanes, in Y1; the mins in X2. Each 32 code bytes hold two
// sub-blocks (AND 0x0F, and VPSRLW 4 then AND): VPMADDUBSW multiplies the
// unsigned nibbles with the signed activations and adds pairs into int16
// (at most 2·15·128, never saturating, −128 included), VPMADDWD with the
// sub-block's scale broadcast to every int16 (VPSHUFB with k4shuf) adds
// pairs of those into int32 times sc. That gives A = Σ sc·Σq·x in 8 lanes
// (Y8 + Y9). The mins multiply the pair sums of the activations' 16-value
// sums (VPHADDW, then VPMADDWD) into M = Σ m·Σx in 4 lanes (X2, the upper
// lanes zero). Per lane d·A − dmin·M, as in dotQ4_K, then xd times that
// into Y13.
//
//	Y0–Y2 scales and mins (KSCALEMIN6, KMINS: matvec_k_amd64.h), Y3, Y4
//	activation sums, Y5–Y7 codes and scratch, Y8, Y9 the A lanes, Y10,
//	Y11 d and dmin

// func matVecQ4_KAVX2(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ4_KAVX2(SB), NOSPLIT, $0-56
	KARGS

row:
	KROWSTART

block:
	KSCALEMIN6
	KMINS
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	KPAIR(16, 0, 32, 0, 32, Y8, KNOHI, _, _)
	KPAIR(48, 64, 96, 64, 96, Y9, KNOHI, _, _)
	KPAIR(80, 128, 160, 128, 160, Y8, KNOHI, _, _)
	KPAIR(112, 192, 224, 192, 224, Y9, KNOHI, _, _)
	KDMIN
	KADD(Y8)
	KNEXT(block, 144)
	KROWEND
	JNZ row
	VZEROUPPER
	RET
