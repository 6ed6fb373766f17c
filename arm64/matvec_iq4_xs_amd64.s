//go:build !purego

#include "textflag.h"
#include "matvec_k_amd64.h"

// IQ4_XS weights × Q8_K activations on AVX2, one row at a time
// (matvec_k_amd64.h). A 136-byte super-block: fp16 d, scales_h (uint16:
// bits 4–5 of the eight six-bit scales), scales_l[4] (their low nibbles),
// then per sub-block of 32 values 16 bytes of nibbles (values 0–15 in the
// low nibbles, 16–31 in the high), each an index into the non-linear grid
// iq4Values; the weight is d·(ls − 32)·iq4Values[q].
//
// The eight scales are put together in a 64-bit register (the 2-bit and
// 4-bit fields spread to bytes by shifts and masks), widened to int16,
// less 32, and copied to both lanes (Y1). A sub-block's 16 bytes go to
// both 128-bit lanes, the upper shifted right by 4, masked: the 32 indices
// in order, looked up with VPSHUFB (Y14 holds the grid in both lanes).
// The grid values are signed, so VPMADDUBSW takes |x| (VPABSB: −128 gives
// 128, right as unsigned) and the values with x's sign (VPSIGNB: at most
// 127 in magnitude, never overflowing): pairs of at most 2·128·127 in
// int16, exact for every input. VPMADDWD with the sub-block's scale
// broadcast to every int16 (VPSHUFB with k4shuf) gives A = Σ (ls−32)·Σw·x
// in 8 int32 lanes (each below 2^24); then d·A per lane, times xd, into
// Y13.
//
//	Y1 scales, Y5–Y7 codes and scratch, Y8, Y9 the A lanes, Y10 d,
//	Y14 iq4Values in both lanes

DATA iq4xsGrid<>+0(SB)/8, $0xf6eaddcfbfad9881 // iq4Values
DATA iq4xsGrid<>+8(SB)/8, $0x7159453526190d01
GLOBL iq4xsGrid<>(SB), RODATA|NOPTR, $16

DATA iq4xsShift<>+0(SB)/8, $0
DATA iq4xsShift<>+8(SB)/8, $0
DATA iq4xsShift<>+16(SB)/8, $0x0000000400000004
DATA iq4xsShift<>+24(SB)/8, $0x0000000400000004
GLOBL iq4xsShift<>(SB), RODATA|NOPTR, $32

DATA iq4xs32<>+0(SB)/8, $0x0020002000200020
DATA iq4xs32<>+8(SB)/8, $0x0020002000200020
GLOBL iq4xs32<>(SB), RODATA|NOPTR, $16

// SPREAD moves the fields of r to the bytes of r, in place: t = r | r<<k,
// masked with m (R11 scratch).
#define SPREAD(r, k, m) \
	MOVQ r, R11;   \
	SHLQ $k, R11;  \
	ORQ  R11, r;   \
	MOVQ $m, R11;  \
	ANDQ R11, r

// IQ4XSSCALES leaves ls − 32 of the eight sub-blocks, int16, in both lanes
// of Y1.
#define IQ4XSSCALES \
	MOVWLZX    2(R8), AX;                         \
	SPREAD(AX, 24, 0x000000ff000000ff);           \
	SPREAD(AX, 12, 0x000f000f000f000f);           \
	SPREAD(AX, 6, 0x0303030303030303);            \
	SHLQ       $4, AX;                            \
	MOVL       4(R8), R12;                        \
	SPREAD(R12, 16, 0x0000ffff0000ffff);          \
	SPREAD(R12, 8, 0x00ff00ff00ff00ff);           \
	SPREAD(R12, 4, 0x0f0f0f0f0f0f0f0f);           \
	ORQ        R12, AX;                           \
	VMOVQ      AX, X0;                            \
	VPMOVZXBW  X0, X0;                            \
	VPSUBW     iq4xs32<>(SB), X0, X0;             \
	VINSERTI128 $1, X0, Y0, Y1

// IQ4XSSUB adds sub-block j (its bytes at q, activations at x, k4shuf
// entry at s) into acc.
#define IQ4XSSUB(q, x, s, acc) \
	VBROADCASTI128 q(R8), Y5;               \
	VPSRLVD    iq4xsShift<>(SB), Y5, Y5;    \
	VPAND      Y15, Y5, Y5;                 \
	VPSHUFB    Y5, Y14, Y5;                 \
	VMOVDQU    x(R14), Y6;                  \
	VPSIGNB    Y6, Y5, Y5;                  \
	VPABSB     Y6, Y6;                      \
	VPMADDUBSW Y5, Y6, Y5;                  \
	VPSHUFB    k4shuf<>+s(SB), Y1, Y7;      \
	VPMADDWD   Y7, Y5, Y5;                  \
	VPADDD     Y5, acc, acc

// func matVecIQ4_XSAVX2(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// rows ≥ 1, nb ≥ 1.
TEXT ·matVecIQ4_XSAVX2(SB), NOSPLIT, $0-56
	KARGS
	VBROADCASTI128 iq4xsGrid<>(SB), Y14

row:
	KROWSTART

block:
	IQ4XSSCALES
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	IQ4XSSUB(8, 0, 0, Y8)
	IQ4XSSUB(24, 32, 32, Y9)
	IQ4XSSUB(40, 64, 64, Y8)
	IQ4XSSUB(56, 96, 96, Y9)
	IQ4XSSUB(72, 128, 128, Y8)
	IQ4XSSUB(88, 160, 160, Y9)
	IQ4XSSUB(104, 192, 192, Y8)
	IQ4XSSUB(120, 224, 224, Y9)
	VPADDD       Y9, Y8, Y8
	VCVTDQ2PS    Y8, Y8
	VPBROADCASTW (R8), X10
	VCVTPH2PS    X10, Y10
	VMULPS       Y10, Y8, Y8
	KADD(Y8)
	KNEXT(block, 136)
	KROWEND
	JNZ row
	VZEROUPPER
	RET
