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
// R11 x cursor, R12 chunks left, R13 tiles left, R14 out cursor, R15 x
// rewind after a chunk (nt·columns·4 − 64), R16 first x of the tile.
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

#define MFTOK(a) \
	VLD1.P	(R11)(R6), [V8.S4, V9.S4, V10.S4, V11.S4]; \
	FMLA_4S(a, 0, 8); \
	FMLA_4S(a, 1, 9); \
	FMLA_4S(a, 2, 10); \
	FMLA_4S(a, 3, 11); \
	FMLA_4S(a+1, 4, 8); \
	FMLA_4S(a+1, 5, 9); \
	FMLA_4S(a+1, 6, 10); \
	FMLA_4S(a+1, 7, 11)

#define MFTOKS4 \
	MFTOK(12); \
	MFTOK(14); \
	MFTOK(16); \
	MFTOK(18)

#define MFTOKS8 \
	MFTOKS4; \
	MFTOK(20); \
	MFTOK(22); \
	MFTOK(24); \
	MFTOK(26)

// MFOUT folds token sums a (row 0), a+1 (row 1) into two floats and
// stores them at the out cursor, which moves to the next token.
#define MFOUT(a, lane) \
	FADDP_4S(a, a, a+1); \
	FADDP_4S(a, a, a); \
	VST1.P	lane, (R14)(R1)

#define MFZERO(n) EOR_16B(n, n, n)

#define MFZERO8 \
	MFZERO(12); \
	MFZERO(13); \
	MFZERO(14); \
	MFZERO(15); \
	MFZERO(16); \
	MFZERO(17); \
	MFZERO(18); \
	MFZERO(19)

#define MFZERO16 \
	MFZERO8; \
	MFZERO(20); \
	MFZERO(21); \
	MFZERO(22); \
	MFZERO(23); \
	MFZERO(24); \
	MFZERO(25); \
	MFZERO(26); \
	MFZERO(27)

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

// The four functions below are the same loop with F32/F16 weights and 8/4
// tokens per tile; rows is even, tiles ≥ 1, cols a multiple of 16.

// func matMulF32Tile8(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF32Tile8(SB), NOSPLIT, $0-64
	MFARGS
	LSL	$3, R6, R15
	SUB	$64, R15, R15

f32t8_pair:
	MOVD	R5, R16
	MOVD	R0, R14
	MOVD	R8, R13

f32t8_tile:
	MOVD	R2, R9
	ADD	R4, R9, R10
	MOVD	R16, R11
	MOVD	R7, R12
	MFZERO16

f32t8_chunk:
	MFW32
	MFTOKS8
	SUB	R15, R11, R11
	SUBS	$1, R12, R12
	BNE	f32t8_chunk

	MFOUT(12, V12.D[0])
	MFOUT(14, V14.D[0])
	MFOUT(16, V16.D[0])
	MFOUT(18, V18.D[0])
	MFOUT(20, V20.D[0])
	MFOUT(22, V22.D[0])
	MFOUT(24, V24.D[0])
	MFOUT(26, V26.D[0])
	ADD	R6<<3, R16, R16
	SUBS	$1, R13, R13
	BNE	f32t8_tile

	ADD	$8, R0, R0
	MOVD	R10, R2
	SUBS	$1, R3, R3
	BNE	f32t8_pair
	RET

// func matMulF32Tile4(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF32Tile4(SB), NOSPLIT, $0-64
	MFARGS
	LSL	$2, R6, R15
	SUB	$64, R15, R15

f32t4_pair:
	MOVD	R5, R16
	MOVD	R0, R14
	MOVD	R8, R13

f32t4_tile:
	MOVD	R2, R9
	ADD	R4, R9, R10
	MOVD	R16, R11
	MOVD	R7, R12
	MFZERO8

f32t4_chunk:
	MFW32
	MFTOKS4
	SUB	R15, R11, R11
	SUBS	$1, R12, R12
	BNE	f32t4_chunk

	MFOUT(12, V12.D[0])
	MFOUT(14, V14.D[0])
	MFOUT(16, V16.D[0])
	MFOUT(18, V18.D[0])
	ADD	R6<<2, R16, R16
	SUBS	$1, R13, R13
	BNE	f32t4_tile

	ADD	$8, R0, R0
	MOVD	R10, R2
	SUBS	$1, R3, R3
	BNE	f32t4_pair
	RET

// func matMulF16Tile8(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF16Tile8(SB), NOSPLIT, $0-64
	MFARGS
	LSL	$3, R6, R15
	SUB	$64, R15, R15

f16t8_pair:
	MOVD	R5, R16
	MOVD	R0, R14
	MOVD	R8, R13

f16t8_tile:
	MOVD	R2, R9
	ADD	R4, R9, R10
	MOVD	R16, R11
	MOVD	R7, R12
	MFZERO16

f16t8_chunk:
	MFW16
	MFTOKS8
	SUB	R15, R11, R11
	SUBS	$1, R12, R12
	BNE	f16t8_chunk

	MFOUT(12, V12.D[0])
	MFOUT(14, V14.D[0])
	MFOUT(16, V16.D[0])
	MFOUT(18, V18.D[0])
	MFOUT(20, V20.D[0])
	MFOUT(22, V22.D[0])
	MFOUT(24, V24.D[0])
	MFOUT(26, V26.D[0])
	ADD	R6<<3, R16, R16
	SUBS	$1, R13, R13
	BNE	f16t8_tile

	ADD	$8, R0, R0
	MOVD	R10, R2
	SUBS	$1, R3, R3
	BNE	f16t8_pair
	RET

// func matMulF16Tile4(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)
TEXT ·matMulF16Tile4(SB), NOSPLIT, $0-64
	MFARGS
	LSL	$2, R6, R15
	SUB	$64, R15, R15

f16t4_pair:
	MOVD	R5, R16
	MOVD	R0, R14
	MOVD	R8, R13

f16t4_tile:
	MOVD	R2, R9
	ADD	R4, R9, R10
	MOVD	R16, R11
	MOVD	R7, R12
	MFZERO8

f16t4_chunk:
	MFW16
	MFTOKS4
	SUB	R15, R11, R11
	SUBS	$1, R12, R12
	BNE	f16t4_chunk

	MFOUT(12, V12.D[0])
	MFOUT(14, V14.D[0])
	MFOUT(16, V16.D[0])
	MFOUT(18, V18.D[0])
	ADD	R6<<2, R16, R16
	SUBS	$1, R13, R13
	BNE	f16t4_tile

	ADD	$8, R0, R0
	MOVD	R10, R2
	SUBS	$1, R3, R3
	BNE	f16t4_pair
	RET
