//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"
#include "matvec_f_arm64.h"

// BF16 matrix × vector: the kernel of matvec_f_arm64.s (MATVECF), with
// bfloat16 weights widened by a shift.

// BF16 weights of 16 columns of row cursor p, widened into V(w)..V(w+3);
// V(h), V(h+1) hold the raw halves.
#define LDWBF_16(p, h0, h1, h, w) \
	VLD1.P	32(p), [h0, h1]; \
	SHLL16_4S(w, h); \
	SHLL16_2_4S(w+1, h); \
	SHLL16_4S(w+2, h+1); \
	SHLL16_2_4S(w+3, h+1)

#define BF16_16A(p) LDWBF_16(p, V12.H8, V13.H8, 12, 4)
#define BF16_16B(p) LDWBF_16(p, V14.H8, V15.H8, 14, 8)

// func matVecBF16NEON(out *float32, rows int, w *uint16, x *float32, n int)
// rows ≥ 0, n ≥ 1. matVecF16NEON with bfloat16 rows widened by SHLL #16
// (the bits moved to the top half of a float32: exact).
TEXT ·matVecBF16NEON(SB), NOSPLIT, $0-40
	MATVECF(1, BF16_16A, BF16_16B, HALF4ROWS4(SHLL16_4S), HALF4ROWS1(SHLL16_4S), HALF1ROW4(SHLL16_4S), HALF1ROW1(SHLL16_4S))
