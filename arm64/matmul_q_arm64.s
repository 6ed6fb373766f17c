//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// Quantized matrix × T activation vectors (prefill) with SDOT, in tiles of
// 4 rows × 8 (or 4) tokens. Per block the 4 rows' codes are loaded once
// with transposing LD4 lane loads, so that register V(g) holds bytes
// 4g..4g+3 of each row in its lanes 0..3; an SDOT by element against the
// matching 4 activation bytes then adds to all 4 rows at once, and the
// int32 result already has one row per lane: no horizontal reductions. Per
// token and block: 8 SDOT, then one SCVTF, FMUL (row scales × token
// scale) and FMLA. The float arithmetic per (row, token) is the matvec's
// (float sums over blocks in order, same fused multiply-adds), so results
// equal MatVecQ8_0 bit for bit, and MatVecQ4_0 too: the Q4_0 tiles take
// the nibbles unsigned and start each token's int32 sums from the block's
// correction −8·Σx, as the corrected matvec (matVecQ4_0DotC) does; the
// uncorrected matvec (rows of more than q4CorrMax blocks) sums 16-fold
// values, the same floats but where a partial sum leaves the normal range.
//
// Registers:
//	R0 out (row group), R1 output stride in bytes, R2 first row of the
//	group, R3 row groups left, R4 row bytes, R5 xq, R6 xd, R7 blocks,
//	R8 token tiles, R9..R12 row cursors, R13 activation cursor (post-
//	incremented by R15 = columns: token to token), R14 scale cursor
//	(post-incremented by R16 = 4·blocks), R17 blocks left, R19 tiles left,
//	R20 out cursor, R21 rewind of R13 after a block, R22 corrections'
//	cursor (Q4_0), R23/R24 first activation/scale of the tile, R25 = xs − xd
//	(Q4_0).
//	V0..V7 transposed codes (Q4_0: V0..V3 high, V4..V7 low nibbles),
//	V8..V15 int32 sums of tokens 0..7, V16..V23 float sums of tokens 0..7,
//	V24, V25 the token's activations, V26 fp16 row scales, V27 the same as
//	float32, V28, V29 token scales, V30 scratch, V31 = 0x0F (Q4_0).

// Q8 row: scale into V26.H[r], 32 codes transposed into lane r of V0..V7.
#define MMQ8ROW(p, n, r) \
	VLD1.P	2(p), V26.H[r]; \
	LD4_S_LANE_P16(0, r, n); \
	LD4_S_LANE_P16(4, r, n)

// Q4 row: scale into V26.H[r], 16 packed bytes into lane r of V0..V3.
#define MMQ4ROW(p, n, r) \
	VLD1.P	2(p), V26.H[r]; \
	LD4_S_LANE_P16(0, r, n)

// Q4 unpack (see matvec_q4_0_arm64.s): the nibbles unsigned, V4..V7 =
// low nibbles, V0..V3 = high nibbles (V31 = 0x0F in every byte). Each
// token's sums start from the block's correction −8·Σx (MMTOKQ4), so they
// are Σ (q−8)·x exactly, as in the corrected matvec (matVecQ4_0DotC).
#define MMQ4UNPACK \
	AND_16B(4, 0, 31); \
	AND_16B(5, 1, 31); \
	AND_16B(6, 2, 31); \
	AND_16B(7, 3, 31); \
	USHR_16B(0, 0, 4); \
	USHR_16B(1, 1, 4); \
	USHR_16B(2, 2, 4); \
	USHR_16B(3, 3, 4)

// MMACT loads the next token's 32 activations of this block.
#define MMACT \
	VLD1.P	(R13)(R15), [V24.B16, V25.B16]

// Token step: a = Σ codes·activations per row, f += float(a)·(d_w·d_x).
#define MMFLOAT(a, f, xr, xl) \
	SCVTF_4S(a, a); \
	FMUL_4S_ELEM(30, 27, xr, xl); \
	FMLA_4S(f, a, 30)

#define MMTOKQ8(a, f, xr, xl) \
	MMACT; \
	EOR_16B(a, a, a); \
	SDOT_4S_ELEM(a, 0, 24, 0); \
	SDOT_4S_ELEM(a, 1, 24, 1); \
	SDOT_4S_ELEM(a, 2, 24, 2); \
	SDOT_4S_ELEM(a, 3, 24, 3); \
	SDOT_4S_ELEM(a, 4, 25, 0); \
	SDOT_4S_ELEM(a, 5, 25, 1); \
	SDOT_4S_ELEM(a, 6, 25, 2); \
	SDOT_4S_ELEM(a, 7, 25, 3); \
	MMFLOAT(a, f, xr, xl)

#define MMTOKQ4(a, f, xr, xl) \
	MMACT; \
	LD1R_4S_P4(a, 22); \
	SDOT_4S_ELEM(a, 4, 24, 0); \
	SDOT_4S_ELEM(a, 5, 24, 1); \
	SDOT_4S_ELEM(a, 6, 24, 2); \
	SDOT_4S_ELEM(a, 7, 24, 3); \
	SDOT_4S_ELEM(a, 0, 25, 0); \
	SDOT_4S_ELEM(a, 1, 25, 1); \
	SDOT_4S_ELEM(a, 2, 25, 2); \
	SDOT_4S_ELEM(a, 3, 25, 3); \
	MMFLOAT(a, f, xr, xl)

// MMXD8 / MMXD4 load the scales of the tile's 8 / 4 tokens for this
// block: the Go side lays them out as xd[tile][block][token of the tile]
// (matMulQuantDot), so one cursor walks them, and moves to the next tile by
// the same 4·blocks·tokens bytes as in the token-major layout.
#define MMXD8 \
	VLD1.P	32(R14), [V28.S4, V29.S4]

#define MMXD4 \
	VLD1.P	16(R14), [V28.S4]

#define MMTOKENS8(TOK) \
	TOK(8, 16, 28, 0); \
	TOK(9, 17, 28, 1); \
	TOK(10, 18, 28, 2); \
	TOK(11, 19, 28, 3); \
	TOK(12, 20, 29, 0); \
	TOK(13, 21, 29, 1); \
	TOK(14, 22, 29, 2); \
	TOK(15, 23, 29, 3)

#define MMTOKENS4(TOK) \
	TOK(8, 16, 28, 0); \
	TOK(9, 17, 28, 1); \
	TOK(10, 18, 28, 2); \
	TOK(11, 19, 28, 3)

#define MMZERO8 \
	VEOR	V16.B16, V16.B16, V16.B16; \
	VEOR	V17.B16, V17.B16, V17.B16; \
	VEOR	V18.B16, V18.B16, V18.B16; \
	VEOR	V19.B16, V19.B16, V19.B16; \
	VEOR	V20.B16, V20.B16, V20.B16; \
	VEOR	V21.B16, V21.B16, V21.B16; \
	VEOR	V22.B16, V22.B16, V22.B16; \
	VEOR	V23.B16, V23.B16, V23.B16

#define MMSTORE4 \
	VST1.P	[V16.S4], (R20)(R1); \
	VST1.P	[V17.S4], (R20)(R1); \
	VST1.P	[V18.S4], (R20)(R1); \
	VST1.P	[V19.S4], (R20)(R1)

#define MMSTORE8 \
	MMSTORE4; \
	VST1.P	[V20.S4], (R20)(R1); \
	VST1.P	[V21.S4], (R20)(R1); \
	VST1.P	[V22.S4], (R20)(R1); \
	VST1.P	[V23.S4], (R20)(R1)

#define MMARGS \
	MOVD	out+0(FP), R0; \
	MOVD	ldOut+8(FP), R1; \
	LSL	$2, R1, R1; \
	MOVD	w+16(FP), R2; \
	MOVD	rows+24(FP), R3; \
	LSR	$2, R3, R3; \
	MOVD	rowBytes+32(FP), R4; \
	MOVD	xq+40(FP), R5; \
	MOVD	xd+48(FP), R6; \
	MOVD	nb+56(FP), R7; \
	MOVD	tiles+64(FP), R8; \
	LSL	$5, R7, R15; \
	LSL	$2, R7, R16

// MMARGSQ4 is MMARGS for the Q4_0 tiles, which take the corrections xs
// after xd: R25 = xs − xd (the corrections' cursor R22 starts each tile at
// R24 + R25), V31 = 0x0F in every byte.
#define MMARGSQ4 \
	MOVD	out+0(FP), R0; \
	MOVD	ldOut+8(FP), R1; \
	LSL	$2, R1, R1; \
	MOVD	w+16(FP), R2; \
	MOVD	rows+24(FP), R3; \
	LSR	$2, R3, R3; \
	MOVD	rowBytes+32(FP), R4; \
	MOVD	xq+40(FP), R5; \
	MOVD	xd+48(FP), R6; \
	MOVD	xs+56(FP), R25; \
	SUB	R6, R25, R25; \
	MOVD	nb+64(FP), R7; \
	MOVD	tiles+72(FP), R8; \
	LSL	$5, R7, R15; \
	LSL	$2, R7, R16; \
	VMOVI	$0x0f, V31.B16

// MMQ4TILE points the corrections' cursor at the tile's first.
#define MMQ4TILE \
	ADD	R25, R24, R22

// MMREWIND sets R21 = nt·columns − 32.
#define MMREWIND(shift) \
	LSL	$shift, R15, R21; \
	SUB	$32, R21, R21

// MMQ8ROWS and MMQ4ROWS load the block's 4 rows (Q4_0: and unpack them).
#define MMQ8ROWS \
	MMQ8ROW(R9, 9, 0); \
	MMQ8ROW(R10, 10, 1); \
	MMQ8ROW(R11, 11, 2); \
	MMQ8ROW(R12, 12, 3)

#define MMQ4ROWS \
	MMQ4ROW(R9, 9, 0); \
	MMQ4ROW(R10, 10, 1); \
	MMQ4ROW(R11, 11, 2); \
	MMQ4ROW(R12, 12, 3); \
	MMQ4UNPACK


// MMNONE is an empty step, for MMTILES's SCALE where there is none.
#define MMNONE

// MMTILES is the body of a tile kernel after MMARGS, for tiles of 1<<shift
// tokens: for each group of 4 rows, for each tile of tokens, the blocks
// (ROWS loads the 4 rows' codes, XD the tile's token scales, TOKENS(TOK)
// adds each token's products), then SCALE and STORE the tile's sums.
// Labels are local to a TEXT symbol, so every kernel that expands this
// has its own.
#define MMTILES(shift, ROWS, XD, TOKENS, TOK, SCALE, STORE, TILESTART) \
	MMREWIND(shift); \
group: \
	MOVD	R5, R23; \
	MOVD	R6, R24; \
	MOVD	R0, R20; \
	MOVD	R8, R19; \
tile: \
	MOVD	R2, R9; \
	ADD	R4, R9, R10; \
	ADD	R4, R10, R11; \
	ADD	R4, R11, R12; \
	MOVD	R23, R13; \
	MOVD	R24, R14; \
	MOVD	R7, R17; \
	TILESTART; \
	MMZERO8; \
block: \
	ROWS; \
	FCVTL_4S(27, 26); \
	XD; \
	TOKENS(TOK); \
	SUB	R21, R13, R13; \
	SUBS	$1, R17, R17; \
	BNE	block; \
	SCALE; \
	STORE; \
	ADD	R15<<shift, R23, R23; \
	ADD	R16<<shift, R24, R24; \
	SUBS	$1, R19, R19; \
	BNE	tile; \
	ADD	$16, R0, R0; \
	MOVD	R12, R2; \
	SUBS	$1, R3, R3; \
	BNE	group; \
	RET

// func matMulQ8_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)
// rows a multiple of 4 (≥ 4), tiles·8 tokens, nb ≥ 1. Needs dotprod.
TEXT ·matMulQ8_0Dot8(SB), NOSPLIT, $0-72
	MMARGS
	MMTILES(3, MMQ8ROWS, MMXD8, MMTOKENS8, MMTOKQ8, MMNONE, MMSTORE8, MMNONE)

// func matMulQ8_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)
// As matMulQ8_0Dot8 with tiles of 4 tokens.
TEXT ·matMulQ8_0Dot4(SB), NOSPLIT, $0-72
	MMARGS
	MMTILES(2, MMQ8ROWS, MMXD4, MMTOKENS4, MMTOKQ8, MMNONE, MMSTORE4, MMNONE)

// func matMulQ4_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, xs *int32, nb, tiles int)
// xs: the blocks' corrections −8·Σx in the layout of xd.
TEXT ·matMulQ4_0Dot8(SB), NOSPLIT, $0-80
	MMARGSQ4
	MMTILES(3, MMQ4ROWS, MMXD8, MMTOKENS8, MMTOKQ4, MMNONE, MMSTORE8, MMQ4TILE)

// func matMulQ4_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, xs *int32, nb, tiles int)
TEXT ·matMulQ4_0Dot4(SB), NOSPLIT, $0-80
	MMARGSQ4
	MMTILES(2, MMQ4ROWS, MMXD4, MMTOKENS4, MMTOKQ4, MMNONE, MMSTORE4, MMQ4TILE)

// The Q4_0 tiles of 12 tokens: the same steps, with one int32 sum (V8)
// reused token after token, so that 12 float sums fit.
//	V0..V7 codes, V8 int32 sum of the token, V9 scratch, V10..V21 float
//	sums of tokens 0..11, V22, V23 the token's activations, V24..V26 token
//	scales, V27 row scales as float32, V28 fp16 row scales, V31 = 0x0F.
// R14 and R22 (scales, corrections) run on from tile to tile; R24 =
// 12·columns.

#define M12ROW(p, n, r) \
	VLD1.P	2(p), V28.H[r]; \
	LD4_S_LANE_P16(0, r, n)

#define M12TOK(f, xr, xl) \
	VLD1.P	(R13)(R15), [V22.B16, V23.B16]; \
	LD1R_4S_P4(8, 22); \
	SDOT_4S_ELEM(8, 4, 22, 0); \
	SDOT_4S_ELEM(8, 5, 22, 1); \
	SDOT_4S_ELEM(8, 6, 22, 2); \
	SDOT_4S_ELEM(8, 7, 22, 3); \
	SDOT_4S_ELEM(8, 0, 23, 0); \
	SDOT_4S_ELEM(8, 1, 23, 1); \
	SDOT_4S_ELEM(8, 2, 23, 2); \
	SDOT_4S_ELEM(8, 3, 23, 3); \
	SCVTF_4S(8, 8); \
	FMUL_4S_ELEM(9, 27, xr, xl); \
	FMLA_4S(f, 8, 9)

// func matMulQ4_0Dot12(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, xs *int32, nb, tiles int)
// rows a multiple of 4 (≥ 4), tiles·12 tokens, nb ≥ 1; xd, xs laid out as
// xd[tile][block][token of the tile]. Needs dotprod.
TEXT ·matMulQ4_0Dot12(SB), NOSPLIT, $0-80
	MMARGSQ4
	LSL	$3, R15, R24
	ADD	R15<<2, R24, R24
	SUB	$32, R24, R21

q12_group:
	MOVD	R5, R23
	MOVD	R6, R14
	ADD	R25, R6, R22
	MOVD	R0, R20
	MOVD	R8, R19

q12_tile:
	MOVD	R2, R9
	ADD	R4, R9, R10
	ADD	R4, R10, R11
	ADD	R4, R11, R12
	MOVD	R23, R13
	MOVD	R7, R17
	VEOR	V10.B16, V10.B16, V10.B16
	VEOR	V11.B16, V11.B16, V11.B16
	VEOR	V12.B16, V12.B16, V12.B16
	VEOR	V13.B16, V13.B16, V13.B16
	VEOR	V14.B16, V14.B16, V14.B16
	VEOR	V15.B16, V15.B16, V15.B16
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16
	VEOR	V20.B16, V20.B16, V20.B16
	VEOR	V21.B16, V21.B16, V21.B16

q12_block:
	M12ROW(R9, 9, 0)
	M12ROW(R10, 10, 1)
	M12ROW(R11, 11, 2)
	M12ROW(R12, 12, 3)
	MMQ4UNPACK
	FCVTL_4S(27, 28)
	VLD1.P	48(R14), [V24.S4, V25.S4, V26.S4]
	M12TOK(10, 24, 0)
	M12TOK(11, 24, 1)
	M12TOK(12, 24, 2)
	M12TOK(13, 24, 3)
	M12TOK(14, 25, 0)
	M12TOK(15, 25, 1)
	M12TOK(16, 25, 2)
	M12TOK(17, 25, 3)
	M12TOK(18, 26, 0)
	M12TOK(19, 26, 1)
	M12TOK(20, 26, 2)
	M12TOK(21, 26, 3)
	SUB	R21, R13, R13
	SUBS	$1, R17, R17
	BNE	q12_block

	VST1.P	[V10.S4], (R20)(R1)
	VST1.P	[V11.S4], (R20)(R1)
	VST1.P	[V12.S4], (R20)(R1)
	VST1.P	[V13.S4], (R20)(R1)
	VST1.P	[V14.S4], (R20)(R1)
	VST1.P	[V15.S4], (R20)(R1)
	VST1.P	[V16.S4], (R20)(R1)
	VST1.P	[V17.S4], (R20)(R1)
	VST1.P	[V18.S4], (R20)(R1)
	VST1.P	[V19.S4], (R20)(R1)
	VST1.P	[V20.S4], (R20)(R1)
	VST1.P	[V21.S4], (R20)(R1)
	ADD	R24, R23, R23
	SUBS	$1, R19, R19
	BNE	q12_tile

	ADD	$16, R0, R0
	MOVD	R12, R2
	SUBS	$1, R3, R3
	BNE	q12_group
	RET
