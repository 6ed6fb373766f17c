//go:build !purego

#include "textflag.h"
#include "matvec_f_amd64.h"

// Register-tiled float MatMul for AVX2+FMA(+F16C): 3 weight rows × 4
// tokens at a time, 8 columns a step. Each 8-weight vector is loaded (and
// for F16 widened with VCVTPH2PS, exactly) once and multiplied into the 4
// tokens' sums, so a weight is converted once per 4 tokens instead of once
// per token. The 12 sums are then added up lane by lane (as the matvec's
// HSUM, matvec_f_amd64.h, does) and stored to out[t*ld+r]. cols must be a positive multiple
// of 8; tokens come in tiles of 4 and rows in groups of 3 (the Go side
// does the rest with the matvec).
//
// Registers: DI out of the group, DX ld in bytes, SI x of the tile, R14 x
// row bytes, R8 w of the group, R9 w row bytes, BX groups left, CX tiles
// left, AX columns left, R10 w cursor, R13 and R11 x cursors of tokens 0
// and 2 (tokens 1 and 3 are R14 further); Y0..Y11 the sums (row r of
// token t in Y(3t+r)), Y12..Y14 the weights, Y15 the activations.

#define W32(m, y) VMOVUPS m, y
#define W16(m, y) VCVTPH2PS m, y

// TOK multiplies the 3 weight vectors into the sums a, b, c of one token
// whose 8 activations are at m.
#define TOK(m, a, b, c) \
	VMOVUPS     m, Y15;        \
	VFMADD231PS Y12, Y15, a;   \
	VFMADD231PS Y13, Y15, b;   \
	VFMADD231PS Y14, Y15, c

// HEAD loads the arguments of a tile kernel (TILE, TILEZ) and opens its
// loops over the tiles of 4 tokens and the groups of rows; TAIL steps to
// the next tile and returns after the last.
#define HEAD \
	MOVQ   out+0(FP), DI;        \
	MOVQ   ld+8(FP), DX;         \
	SHLQ   $2, DX;               \
	MOVQ   rb+32(FP), R9;        \
	MOVQ   x+40(FP), SI;         \
	MOVQ   cols+48(FP), R14;     \
	SHLQ   $2, R14;              \
	MOVQ   tiles+56(FP), CX;     \
tile:;                           \
	MOVQ   w+16(FP), R8;         \
	MOVQ   groups+24(FP), BX;    \
group:

#define TAIL \
	MOVQ   out+0(FP), DI;        \
	LEAQ   (DI)(DX*4), DI;       \
	MOVQ   DI, out+0(FP);        \
	LEAQ   (SI)(R14*4), SI;      \
	DECQ   CX;                   \
	JNZ    tile;                 \
	VZEROUPPER;                  \
	RET

#define TILE(ES, LOAD) \
	HEAD;                        \
	MOVQ   R8, R10;              \
	MOVQ   SI, R13;              \
	LEAQ   (SI)(R14*2), R11;     \
	MOVQ   cols+48(FP), AX;      \
	VXORPS Y0, Y0, Y0; VXORPS Y1, Y1, Y1; VXORPS Y2, Y2, Y2;   \
	VXORPS Y3, Y3, Y3; VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5;   \
	VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; VXORPS Y8, Y8, Y8;   \
	VXORPS Y9, Y9, Y9; VXORPS Y10, Y10, Y10; VXORPS Y11, Y11, Y11; \
loop:;                           \
	LOAD((R10), Y12);            \
	LOAD((R10)(R9*1), Y13);      \
	LOAD((R10)(R9*2), Y14);      \
	TOK((R13), Y0, Y1, Y2);      \
	TOK((R13)(R14*1), Y3, Y4, Y5); \
	TOK((R11), Y6, Y7, Y8);      \
	TOK((R11)(R14*1), Y9, Y10, Y11); \
	ADDQ   $(8*ES), R10;         \
	ADDQ   $32, R13;             \
	ADDQ   $32, R11;             \
	SUBQ   $8, AX;               \
	JNZ    loop;                 \
	HSUM(Y0, X0, X12); HSUM(Y1, X1, X12); HSUM(Y2, X2, X12);    \
	HSUM(Y3, X3, X12); HSUM(Y4, X4, X12); HSUM(Y5, X5, X12);    \
	HSUM(Y6, X6, X12); HSUM(Y7, X7, X12); HSUM(Y8, X8, X12);    \
	HSUM(Y9, X9, X12); HSUM(Y10, X10, X12); HSUM(Y11, X11, X12); \
	LEAQ   (DI)(DX*2), R11;      \
	VMOVSS X0, 0(DI);            \
	VMOVSS X1, 4(DI);            \
	VMOVSS X2, 8(DI);            \
	VMOVSS X3, 0(DI)(DX*1);      \
	VMOVSS X4, 4(DI)(DX*1);      \
	VMOVSS X5, 8(DI)(DX*1);      \
	VMOVSS X6, 0(R11);           \
	VMOVSS X7, 4(R11);           \
	VMOVSS X8, 8(R11);           \
	VMOVSS X9, 0(R11)(DX*1);     \
	VMOVSS X10, 4(R11)(DX*1);    \
	VMOVSS X11, 8(R11)(DX*1);    \
	ADDQ   $12, DI;              \
	LEAQ   (R8)(R9*2), R8;       \
	ADDQ   R9, R8;               \
	DECQ   BX;                   \
	JNZ    group;                \
	TAIL

// The AVX-512 tile: 6 weight rows × 4 tokens, 16 columns a step, the same
// scheme in 512-bit registers (AVX-512F; the caller checks useAVX512). cols
// must be a positive multiple of 16. The 6 sums of a token are added up
// with horizontal adds: rows 0..3 into one 4-lane vector, rows 4..5 into
// two lanes.
//
// Registers as in TILE, plus R12 the cursor of weight rows 3..5; Z0..Z23
// the sums (row r of token t in Z(6t+r)), Z24..Z29 the weights, Z30 the
// activations, Y31 scratch.

#define TOKZ(m, a, b, c, d, e, f) \
	VMOVUPS     m, Z30;        \
	VFMADD231PS Z24, Z30, a;   \
	VFMADD231PS Z25, Z30, b;   \
	VFMADD231PS Z26, Z30, c;   \
	VFMADD231PS Z27, Z30, d;   \
	VFMADD231PS Z28, Z30, e;   \
	VFMADD231PS Z29, Z30, f

// FOLD adds the high 8 lanes of z (y its low half) to its low 8 into dst,
// one of Y0..Y15 (the horizontal adds have no EVEX form).
#define FOLD(z, y, dst) VEXTRACTF64X4 $1, z, Y31; VADDPS Y31, y, dst

// RED6 adds up the 8 lanes of each of a..f (Y0..Y15; ax, bx, ex, fx their
// low halves) and stores the 6 sums at m0 (4 values) and m1 (2 values).
#define RED6(a, b, c, d, e, f, ax, bx, ex, fx, m0, m1) \
	VHADDPS      b, a, a;   \
	VHADDPS      d, c, c;   \
	VHADDPS      c, a, a;   \
	VEXTRACTF128 $1, a, bx; \
	VADDPS       bx, ax, ax; \
	VMOVUPS      ax, m0;    \
	VHADDPS      f, e, e;   \
	VHADDPS      e, e, e;   \
	VEXTRACTF128 $1, e, fx; \
	VADDPS       fx, ex, ex; \
	VMOVSD       ex, m1

// LOAD6 loads the 6 rows' weights at the cursors R10 and R12.
#define LOAD6(LOAD) \
	LOAD((R10), Z24);       \
	LOAD((R10)(R9*1), Z25); \
	LOAD((R10)(R9*2), Z26); \
	LOAD((R12), Z27);       \
	LOAD((R12)(R9*1), Z28); \
	LOAD((R12)(R9*2), Z29)

// SUM6A folds the 6 sums z0..z5 (y0..y5 their low halves) into Y0..Y5
// and stores their 6 lane sums at m0 and m1 (RED6); SUM6B the same
// through Y6..Y11.
#define SUM6A(z0, z1, z2, z3, z4, z5, y0, y1, y2, y3, y4, y5, m0, m1) \
	FOLD(z0, y0, Y0); FOLD(z1, y1, Y1); FOLD(z2, y2, Y2); \
	FOLD(z3, y3, Y3); FOLD(z4, y4, Y4); FOLD(z5, y5, Y5); \
	RED6(Y0, Y1, Y2, Y3, Y4, Y5, X0, X1, X4, X5, m0, m1)
#define SUM6B(z0, z1, z2, z3, z4, z5, y0, y1, y2, y3, y4, y5, m0, m1) \
	FOLD(z0, y0, Y6); FOLD(z1, y1, Y7); FOLD(z2, y2, Y8); \
	FOLD(z3, y3, Y9); FOLD(z4, y4, Y10); FOLD(z5, y5, Y11); \
	RED6(Y6, Y7, Y8, Y9, Y10, Y11, X6, X7, X10, X11, m0, m1)

#define ZERO6(a, b, c, d, e, f) VPXORD a, a, a; VPXORD b, b, b; VPXORD c, c, c; VPXORD d, d, d; VPXORD e, e, e; VPXORD f, f, f

#define TILEZ(ES, LOAD) \
	HEAD;                        \
	MOVQ   R8, R10;              \
	LEAQ   (R8)(R9*2), R12;      \
	ADDQ   R9, R12;              \
	MOVQ   SI, R13;              \
	LEAQ   (SI)(R14*2), R11;     \
	MOVQ   cols+48(FP), AX;      \
	ZERO6(Z0, Z1, Z2, Z3, Z4, Z5);       \
	ZERO6(Z6, Z7, Z8, Z9, Z10, Z11);     \
	ZERO6(Z12, Z13, Z14, Z15, Z16, Z17); \
	ZERO6(Z18, Z19, Z20, Z21, Z22, Z23); \
loop:;                           \
	LOAD6(LOAD);                 \
	TOKZ((R13), Z0, Z1, Z2, Z3, Z4, Z5);           \
	TOKZ((R13)(R14*1), Z6, Z7, Z8, Z9, Z10, Z11);  \
	TOKZ((R11), Z12, Z13, Z14, Z15, Z16, Z17);     \
	TOKZ((R11)(R14*1), Z18, Z19, Z20, Z21, Z22, Z23); \
	ADDQ   $(16*ES), R10;        \
	ADDQ   $(16*ES), R12;        \
	ADDQ   $64, R13;             \
	ADDQ   $64, R11;             \
	SUBQ   $16, AX;              \
	JNZ    loop;                 \
	LEAQ   (DI)(DX*2), R11;      \
	SUM6A(Z0, Z1, Z2, Z3, Z4, Z5, Y0, Y1, Y2, Y3, Y4, Y5, 0(DI), 16(DI));               \
	SUM6B(Z6, Z7, Z8, Z9, Z10, Z11, Y6, Y7, Y8, Y9, Y10, Y11, 0(DI)(DX*1), 16(DI)(DX*1)); \
	SUM6A(Z12, Z13, Z14, Z15, Z16, Z17, Y12, Y13, Y14, Y15, Y16, Y17, 0(R11), 16(R11)); \
	SUM6B(Z18, Z19, Z20, Z21, Z22, Z23, Y18, Y19, Y20, Y21, Y22, Y23, 0(R11)(DX*1), 16(R11)(DX*1)); \
	ADDQ   $24, DI;              \
	LEAQ   (R8)(R9*4), R8;       \
	LEAQ   (R8)(R9*2), R8;       \
	DECQ   BX;                   \
	JNZ    group;                \
	TAIL

#define WZ32(m, z) VMOVUPS m, z
#define WZ16(m, z) VCVTPH2PS m, z

// The AVX-512 matvec: the rows of a token in groups of 6, then one at a
// time, each row with the operations of a row of TILEZ (a lone row adds
// its lanes with the same horizontal adds, against itself), so a token
// gets the same bits from the MatMul tiles and from the matvec. n must be
// a positive multiple of 16.
//
// Registers: DI out, CX rows left, R8 w of the group, R9 w row bytes, SI
// x, R10 and R12 w cursors of rows 0..2 and 3..5, R13 x cursor, AX
// columns left.
#define MATVECZ(ES, LOAD) \
	MOVQ out+0(FP), DI;           \
	MOVQ rows+8(FP), CX;          \
	MOVQ w+16(FP), R8;            \
	MOVQ x+24(FP), SI;            \
	MOVQ n+32(FP), R9;            \
	IMUL3Q $ES, R9, R9;           \
group:;                           \
	CMPQ CX, $6;                  \
	JLT  lone;                    \
	MOVQ R8, R10;                 \
	LEAQ (R8)(R9*2), R12;         \
	ADDQ R9, R12;                 \
	MOVQ SI, R13;                 \
	MOVQ n+32(FP), AX;            \
	ZERO6(Z0, Z1, Z2, Z3, Z4, Z5); \
gloop:;                           \
	LOAD6(LOAD);                  \
	TOKZ((R13), Z0, Z1, Z2, Z3, Z4, Z5); \
	ADDQ $(16*ES), R10;           \
	ADDQ $(16*ES), R12;           \
	ADDQ $64, R13;                \
	SUBQ $16, AX;                 \
	JNZ  gloop;                   \
	SUM6A(Z0, Z1, Z2, Z3, Z4, Z5, Y0, Y1, Y2, Y3, Y4, Y5, 0(DI), 16(DI)); \
	ADDQ $24, DI;                 \
	LEAQ (R8)(R9*4), R8;          \
	LEAQ (R8)(R9*2), R8;          \
	SUBQ $6, CX;                  \
	JMP  group;                   \
lone:;                            \
	TESTQ CX, CX;                 \
	JZ    done;                   \
	MOVQ  R8, R10;                \
	MOVQ  SI, R13;                \
	MOVQ  n+32(FP), AX;           \
	VPXORD Z0, Z0, Z0;            \
lloop:;                           \
	LOAD((R10), Z24);             \
	VMOVUPS     (R13), Z30;       \
	VFMADD231PS Z24, Z30, Z0;     \
	ADDQ $(16*ES), R10;           \
	ADDQ $64, R13;                \
	SUBQ $16, AX;                 \
	JNZ  lloop;                   \
	FOLD(Z0, Y0, Y0);             \
	VHADDPS      Y0, Y0, Y0;      \
	VHADDPS      Y0, Y0, Y0;      \
	VEXTRACTF128 $1, Y0, X1;      \
	VADDPS       X1, X0, X0;      \
	VMOVSS       X0, 0(DI);       \
	ADDQ  $4, DI;                 \
	ADDQ  R9, R8;                 \
	DECQ  CX;                     \
	JMP   lone;                   \
done:;                            \
	VZEROUPPER;                   \
	RET

// func matMulF32Tile3x4(out *float32, ld int, w *float32, groups, rb int, x *float32, cols, tiles int)
TEXT ·matMulF32Tile3x4(SB), NOSPLIT, $0-64
	TILE(4, W32)

// func matMulF16Tile3x4(out *float32, ld int, w *uint16, groups, rb int, x *float32, cols, tiles int)
TEXT ·matMulF16Tile3x4(SB), NOSPLIT, $0-64
	TILE(2, W16)

// func matVecF32AVX512(out *float32, rows int, w *float32, x *float32, n int)
TEXT ·matVecF32AVX512(SB), NOSPLIT, $0-40
	MATVECZ(4, WZ32)

// func matVecF16AVX512(out *float32, rows int, w *uint16, x *float32, n int)
TEXT ·matVecF16AVX512(SB), NOSPLIT, $0-40
	MATVECZ(2, WZ16)

// func matMulF32Tile6x4(out *float32, ld int, w *float32, groups, rb int, x *float32, cols, tiles int)
TEXT ·matMulF32Tile6x4(SB), NOSPLIT, $0-64
	TILEZ(4, WZ32)

// func matMulF16Tile6x4(out *float32, ld int, w *uint16, groups, rb int, x *float32, cols, tiles int)
TEXT ·matMulF16Tile6x4(SB), NOSPLIT, $0-64
	TILEZ(2, WZ16)
