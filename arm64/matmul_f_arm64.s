//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// F32 / F16 matrix × T vectors (prefill) in tiles of 2 rows × 8 (or 4)
// tokens over 16-column chunks: the two rows' weights (widened from fp16
// once per chunk) stay in V0..V7 while each token's 16 activations stream
// through V8..V11; one 4-lane accumulator per (row, token). Columns must
// be a multiple of 16 (the Go side sends anything else to the matvec).
//
// Registers: R0 out (row pair), R1 output stride in bytes, R2 first row of
// the pair, R3 row pairs left, R4 row bytes, R5 x, R6 columns·4 (token
// stride of x), R7 chunks per row, R8 token tiles, R9, R10 row cursors,
// R11 x cursor, R12 chunks left after the first, R13 tiles left, R14 out
// cursor, R15 x step after a tile's last token (64 − (nt−1)·columns·4),
// R16 first x of the tile.
// V0..V3 row 0, V4..V7 row 1, V8..V11 x, V12+2t / V13+2t the sums of
// token t for rows 0 / 1, V28, V29 fp16 weights.

#define MFW32 \
	VLD1.P	64(R9), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	VLD1.P	64(R10), [V4.S4, V5.S4, V6.S4, V7.S4]

#define MFW16 \
	VLD1.P	32(R9), [V28.H8, V29.H8]; \
	FCVTL_4S(0, 28); \
	FCVTL2_4S(1, 28); \
	FCVTL_4S(2, 29); \
	FCVTL2_4S(3, 29); \
	VLD1.P	32(R10), [V28.H8, V29.H8]; \
	FCVTL_4S(4, 28); \
	FCVTL2_4S(5, 28); \
	FCVTL_4S(6, 29); \
	FCVTL2_4S(7, 29)

#define MFTOKR(a, inc) \
	VLD1.P	(R11)(inc), [V8.S4, V9.S4, V10.S4, V11.S4]; \
	FMLA_4S(a, 0, 8); \
	FMLA_4S(a, 1, 9); \
	FMLA_4S(a, 2, 10); \
	FMLA_4S(a, 3, 11); \
	FMLA_4S(a+1, 4, 8); \
	FMLA_4S(a+1, 5, 9); \
	FMLA_4S(a+1, 6, 10); \
	FMLA_4S(a+1, 7, 11)

// MFTOKF is MFTOK for the first chunk: the products set the sums (the same
// values as MFTOK on zeros, but for the sign of a zero sum), so the tiles
// need no zeroing.
#define MFTOKFR(a, inc) \
	VLD1.P	(R11)(inc), [V8.S4, V9.S4, V10.S4, V11.S4]; \
	FMUL_4S(a, 0, 8); \
	FMLA_4S(a, 1, 9); \
	FMLA_4S(a, 2, 10); \
	FMLA_4S(a, 3, 11); \
	FMUL_4S(a+1, 4, 8); \
	FMLA_4S(a+1, 5, 9); \
	FMLA_4S(a+1, 6, 10); \
	FMLA_4S(a+1, 7, 11)

// MFTOK and MFTOKF move the x cursor to the next token; the last token of
// a tile (MFTOKL, MFTOKFL) moves it by R15 = 64 − (nt−1)·columns·4 to the
// first token's next chunk instead, so no rewind is needed.
#define MFTOK(a) MFTOKR(a, R6)
#define MFTOKL(a) MFTOKR(a, R15)
#define MFTOKF(a) MFTOKFR(a, R6)
#define MFTOKFL(a) MFTOKFR(a, R15)

#define MFTOKSF4 \
	MFTOKF(12); \
	MFTOKF(14); \
	MFTOKF(16); \
	MFTOKFL(18)

#define MFTOKSF8 \
	MFTOKF(12); \
	MFTOKF(14); \
	MFTOKF(16); \
	MFTOKF(18); \
	MFTOKF(20); \
	MFTOKF(22); \
	MFTOKF(24); \
	MFTOKFL(26)

#define MFTOKS4 \
	MFTOK(12); \
	MFTOK(14); \
	MFTOK(16); \
	MFTOKL(18)

#define MFTOKS8 \
	MFTOK(12); \
	MFTOK(14); \
	MFTOK(16); \
	MFTOK(18); \
	MFTOK(20); \
	MFTOK(22); \
	MFTOK(24); \
	MFTOKL(26)

// MFOUT2 folds the sums of two tokens, a / a+1 (rows 0 / 1 of the first)
// and b / b+1 (the second), into [a0, a1, b0, b1] and stores each token's
// two floats at the out cursor, which moves on token by token.
#define MFOUT2(a, b, lane0, lane1) \
	FADDP_4S(a, a, a+1); \
	FADDP_4S(b, b, b+1); \
	FADDP_4S(a, a, b); \
	VST1.P	lane0, (R14)(R1); \
	VST1.P	lane1, (R14)(R1)

#define MFOUT4 \
	MFOUT2(12, 14, V12.D[0], V12.D[1]); \
	MFOUT2(16, 18, V16.D[0], V16.D[1])

#define MFOUT8 \
	MFOUT4; \
	MFOUT2(20, 22, V20.D[0], V20.D[1]); \
	MFOUT2(24, 26, V24.D[0], V24.D[1])

#define MFARGS \
	MOVD	out+0(FP), R0; \
	MOVD	ldOut+8(FP), R1; \
	LSL	$2, R1, R1; \
	MOVD	w+16(FP), R2; \
	MOVD	rows+24(FP), R3; \
	LSR	$1, R3, R3; \
	MOVD	rowBytes+32(FP), R4; \
	MOVD	x+40(FP), R5; \
	MOVD	cols+48(FP), R6; \
	LSR	$4, R6, R7; \
	LSL	$2, R6, R6; \
	MOVD	tiles+56(FP), R8

// MFTILES is the body of a tile kernel after MFARGS, for tiles of
// 1<<shift tokens: for each pair of rows, for each tile, the first chunk
// (W loads and widens the weights, FIRST sets the sums), the other chunks
// (TOKS adds to them; one, then two per loop), then OUT. Labels are local to a TEXT symbol, so
// every kernel that expands this has its own.
#define MFTILES(shift, W, FIRST, TOKS, OUT) \
	LSL	$shift, R6, R15; \
	SUB	R6, R15, R15; \
	NEG	R15, R15; \
	ADD	$64, R15, R15; \
pair: \
	MOVD	R5, R16; \
	MOVD	R0, R14; \
	MOVD	R8, R13; \
tile: \
	MOVD	R2, R9; \
	ADD	R4, R9, R10; \
	MOVD	R16, R11; \
	W; \
	FIRST; \
	SUBS	$1, R7, R12; \
	BEQ	fold; \
	TBZ	$0, R12, chunks2; \
	W; \
	TOKS; \
	SUBS	$1, R12, R12; \
	BEQ	fold; \
chunks2: \
	W; \
	TOKS; \
	W; \
	TOKS; \
	SUBS	$2, R12, R12; \
	BNE	chunks2; \
fold: \
	OUT; \
	ADD	R6<<shift, R16, R16; \
	SUBS	$1, R13, R13; \
	BNE	tile; \
	ADD	$8, R0, R0; \
	MOVD	R10, R2; \
	SUBS	$1, R3, R3; \
	BNE	pair; \
	RET

// The four functions below are the same loop with F32/F16 weights and 8/4
// tokens per tile; rows is even, tiles ≥ 1, cols a positive multiple of 16.

// func matMulF32Tile8(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF32Tile8(SB), NOSPLIT, $0-64
	MFARGS
	MFTILES(3, MFW32, MFTOKSF8, MFTOKS8, MFOUT8)

// func matMulF32Tile4(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF32Tile4(SB), NOSPLIT, $0-64
	MFARGS
	MFTILES(2, MFW32, MFTOKSF4, MFTOKS4, MFOUT4)

// func matMulF16Tile8(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF16Tile8(SB), NOSPLIT, $0-64
	MFARGS
	MFTILES(3, MFW16, MFTOKSF8, MFTOKS8, MFOUT8)

// func matMulF16Tile4(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF16Tile4(SB), NOSPLIT, $0-64
	MFARGS
	MFTILES(2, MFW16, MFTOKSF4, MFTOKS4, MFOUT4)
