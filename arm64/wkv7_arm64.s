//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// WKV-7 state update of one 64×64 head (see wkv7.go), one state row per
// iteration with the row held in V0..V15:
//
//	sa' = Σ_j S_ij·kk_j                      (pass 1: 16 FMUL/FMLA)
//	S_ij = S_ij·w_j − sa'·kka_j + v_i·k_j    (FMUL, FMLS, FMLA by element)
//	y_i  = Σ_j S_ij·r_j
//
// sa of the paper is −sa'; FMLS subtracts sa'·kka. The vectors are read
// from a 1280-byte scratch copy laid out in the order the row loop uses
// them, so one cursor walks it and is rewound once per row:
// kk[0:64], then for each quarter q of the row (16 columns) w_q, kka_q
// (kk·a, computed once per head), k_q, r_q.
//
// Registers: R0 state load cursor, R11 state store cursor, R4 v, R7 y,
// R8 scratch cursor, R9 rows left, R10 scratch base; V0..V15 the row,
// V16..V19 vector quarter, V20..V23 partial sums, V24.S[0] sa',
// V25.S[0] v_i.

#define LD4(p, a, b, c, d) VLD1.P 64(p), [a, b, c, d]
#define ST4(p, a, b, c, d) VST1.P [a, b, c, d], 64(p)
// LDQ / STQ move a vector quarter through V16..V19.
#define LDQ(p) VLD1.P 64(p), [V16.S4, V17.S4, V18.S4, V19.S4]
#define STQ(p) VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(p)

// SCRATCHQ copies quarter q (kk in V(k)..V(k+3)) of w, kk·a, k, r.
#define SCRATCHQ(k) \
	LDQ(R2); \
	STQ(R8); \
	LDQ(R6); \
	FMUL_4S(16, 16, k); \
	FMUL_4S(17, 17, k+1); \
	FMUL_4S(18, 18, k+2); \
	FMUL_4S(19, 19, k+3); \
	STQ(R8); \
	LDQ(R3); \
	STQ(R8); \
	LDQ(R1); \
	STQ(R8)

// SAQ adds the products of row quarter V(s)..V(s+3) with kk to V20..V23.
#define SAQ(s) \
	LDQ(R8); \
	FMLA_4S(20, s, 16); \
	FMLA_4S(21, s+1, 17); \
	FMLA_4S(22, s+2, 18); \
	FMLA_4S(23, s+3, 19)

// UPDQ updates row quarter V(s)..V(s+3): decay, delta-rule removal, write.
#define UPDQ(s) \
	LDQ(R8); \
	FMUL_4S(s, s, 16); \
	FMUL_4S(s+1, s+1, 17); \
	FMUL_4S(s+2, s+2, 18); \
	FMUL_4S(s+3, s+3, 19); \
	LDQ(R8); \
	FMLS_4S_ELEM(s, 16, 24, 0); \
	FMLS_4S_ELEM(s+1, 17, 24, 0); \
	FMLS_4S_ELEM(s+2, 18, 24, 0); \
	FMLS_4S_ELEM(s+3, 19, 24, 0); \
	LDQ(R8); \
	FMLA_4S_ELEM(s, 16, 25, 0); \
	FMLA_4S_ELEM(s+1, 17, 25, 0); \
	FMLA_4S_ELEM(s+2, 18, 25, 0); \
	FMLA_4S_ELEM(s+3, 19, 25, 0); \
	LDQ(R8)

// YQ adds the products of the updated quarter with r (in V16..V19) to
// V20..V23.
#define YQ(s) \
	FMLA_4S(20, s, 16); \
	FMLA_4S(21, s+1, 17); \
	FMLA_4S(22, s+2, 18); \
	FMLA_4S(23, s+3, 19)

// REDUCE4 sums V20..V23 into lane 0 of V(d): ((a+b)+(c+d)) lane-wise, then
// pairwise across lanes.
#define REDUCE4(d) \
	FADD_4S(20, 20, 21); \
	FADD_4S(22, 22, 23); \
	FADD_4S(20, 20, 22); \
	FADDP_4S(20, 20, 20); \
	FADDP_S(d, 20)

// func wkv7NEON(s, r, w, k, v, kk, a, y *float32)
// One head with N = 64.
TEXT ·wkv7NEON(SB), 0, $1280-64
	MOVD	s+0(FP), R0
	MOVD	r+8(FP), R1
	MOVD	w+16(FP), R2
	MOVD	k+24(FP), R3
	MOVD	v+32(FP), R4
	MOVD	kk+40(FP), R5
	MOVD	a+48(FP), R6
	MOVD	y+56(FP), R7
	MOVD	$scratch-1280(SP), R10

	// Scratch: kk, then per quarter w, kk·a, k, r.
	MOVD	R10, R8
	LD4(R5, V0.S4, V1.S4, V2.S4, V3.S4)
	LD4(R5, V4.S4, V5.S4, V6.S4, V7.S4)
	LD4(R5, V8.S4, V9.S4, V10.S4, V11.S4)
	LD4(R5, V12.S4, V13.S4, V14.S4, V15.S4)
	ST4(R8, V0.S4, V1.S4, V2.S4, V3.S4)
	ST4(R8, V4.S4, V5.S4, V6.S4, V7.S4)
	ST4(R8, V8.S4, V9.S4, V10.S4, V11.S4)
	ST4(R8, V12.S4, V13.S4, V14.S4, V15.S4)
	SCRATCHQ(0)
	SCRATCHQ(4)
	SCRATCHQ(8)
	SCRATCHQ(12)

	MOVD	R0, R11
	MOVD	$64, R9

row:
	MOVD	R10, R8
	LD4(R0, V0.S4, V1.S4, V2.S4, V3.S4)
	LD4(R0, V4.S4, V5.S4, V6.S4, V7.S4)
	LD4(R0, V8.S4, V9.S4, V10.S4, V11.S4)
	LD4(R0, V12.S4, V13.S4, V14.S4, V15.S4)

	// pass 1: sa' = S_i · kk
	LDQ(R8)
	FMUL_4S(20, 0, 16)
	FMUL_4S(21, 1, 17)
	FMUL_4S(22, 2, 18)
	FMUL_4S(23, 3, 19)
	SAQ(4)
	SAQ(8)
	SAQ(12)
	REDUCE4(24)
	VLD1.P	4(R4), V25.S[0]

	// pass 2: update each quarter, then y partial sums (the first
	// quarter's with FMUL: no zeroing needed).
	UPDQ(0)
	FMUL_4S(20, 0, 16)
	FMUL_4S(21, 1, 17)
	FMUL_4S(22, 2, 18)
	FMUL_4S(23, 3, 19)
	UPDQ(4)
	YQ(4)
	UPDQ(8)
	YQ(8)
	UPDQ(12)
	YQ(12)

	ST4(R11, V0.S4, V1.S4, V2.S4, V3.S4)
	ST4(R11, V4.S4, V5.S4, V6.S4, V7.S4)
	ST4(R11, V8.S4, V9.S4, V10.S4, V11.S4)
	ST4(R11, V12.S4, V13.S4, V14.S4, V15.S4)
	REDUCE4(26)
	FMOVS.P	F26, 4(R7)

	SUBS	$1, R9, R9
	BNE	row
	RET
