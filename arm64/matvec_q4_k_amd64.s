//go:build !purego

#include "textflag.h"
#include "matvec_k_amd64.h"

// Q4_K weights × Q8_K activations on AVX2, one row at a time
// (matvec_k_amd64.h). A 144-byte super-block: fp16 d and dmin, 12 bytes
// of six-bit scales and mins for its eight sub-blocks of 32, 128 bytes of
// nibbles (sub-block j in nibble j%2 of bytes 32(j/2)…32(j/2)+31).
//
// The scales and mins are unpacked in 32-bit registers to the bytes
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
//	Y0–Y2 scales and mins, Y3, Y4 activation sums, Y5–Y7 codes and
//	scratch, Y8, Y9 the A lanes, Y10, Y11 d and dmin

// k4shuf entry j (32 bytes): the bytes 2j, 2j+1 in every int16, to
// broadcast the int16 scale j with VPSHUFB.
DATA k4shuf<>+0(SB)/8, $0x0100010001000100
DATA k4shuf<>+8(SB)/8, $0x0100010001000100
DATA k4shuf<>+16(SB)/8, $0x0100010001000100
DATA k4shuf<>+24(SB)/8, $0x0100010001000100
DATA k4shuf<>+32(SB)/8, $0x0302030203020302
DATA k4shuf<>+40(SB)/8, $0x0302030203020302
DATA k4shuf<>+48(SB)/8, $0x0302030203020302
DATA k4shuf<>+56(SB)/8, $0x0302030203020302
DATA k4shuf<>+64(SB)/8, $0x0504050405040504
DATA k4shuf<>+72(SB)/8, $0x0504050405040504
DATA k4shuf<>+80(SB)/8, $0x0504050405040504
DATA k4shuf<>+88(SB)/8, $0x0504050405040504
DATA k4shuf<>+96(SB)/8, $0x0706070607060706
DATA k4shuf<>+104(SB)/8, $0x0706070607060706
DATA k4shuf<>+112(SB)/8, $0x0706070607060706
DATA k4shuf<>+120(SB)/8, $0x0706070607060706
DATA k4shuf<>+128(SB)/8, $0x0908090809080908
DATA k4shuf<>+136(SB)/8, $0x0908090809080908
DATA k4shuf<>+144(SB)/8, $0x0908090809080908
DATA k4shuf<>+152(SB)/8, $0x0908090809080908
DATA k4shuf<>+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4shuf<>+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4shuf<>+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4shuf<>+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA k4shuf<>+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4shuf<>+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4shuf<>+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4shuf<>+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA k4shuf<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA k4shuf<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA k4shuf<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA k4shuf<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL k4shuf<>(SB), RODATA|NOPTR, $256

// Q4KSCALES leaves the scales (int16, in both lanes) in Y1 and the mins
// (int16) in X2.
#define Q4KSCALES \
	MOVL         4(R8), AX;             \
	MOVL         8(R8), R11;            \
	MOVL         12(R8), R12;           \
	MOVL         AX, R13;               \
	SHRL         $2, R13;               \
	ANDL         $0x30303030, R13;      \
	ANDL         $0x3f3f3f3f, AX;       \
	VMOVD        AX, X0;                \
	MOVL         R12, AX;               \
	ANDL         $0x0f0f0f0f, AX;       \
	ORL          AX, R13;               \
	VPINSRD      $1, R13, X0, X0;       \
	MOVL         R11, R13;              \
	SHRL         $2, R13;               \
	ANDL         $0x30303030, R13;      \
	ANDL         $0x3f3f3f3f, R11;      \
	SHRL         $4, R12;               \
	ANDL         $0x0f0f0f0f, R12;      \
	ORL          R12, R13;              \
	VPINSRD      $2, R11, X0, X0;       \
	VPINSRD      $3, R13, X0, X0;       \
	VPMOVZXBW    X0, Y0;                \
	VPERM2I128   $0x00, Y0, Y0, Y1;     \
	VEXTRACTI128 $1, Y0, X2

// Q4KMINS leaves M = Σ m·Σx in X2, as floats.
#define Q4KMINS \
	VMOVDQU      (R10)(R9*8), Y3; \
	VEXTRACTI128 $1, Y3, X4;      \
	VPHADDW      X4, X3, X3;      \
	VPMADDWD     X3, X2, X2;      \
	VCVTDQ2PS    X2, X2

// Q4KPAIR adds sub-blocks 2i (low nibbles of the 32 bytes at q) and 2i+1
// (high nibbles) against the activations at x and x2 = x+32, scaled by
// their scales (k4shuf entries at s and s2 = s+32), into acc.
#define Q4KPAIR(q, x, x2, s, s2, acc) \
	VMOVDQU    q(R8), Y5;              \
	VPSRLW     $4, Y5, Y6;             \
	VPAND      Y15, Y5, Y5;            \
	VPAND      Y15, Y6, Y6;            \
	VPMADDUBSW x(R14), Y5, Y5;         \
	VPMADDUBSW x2(R14), Y6, Y6;        \
	VPSHUFB    k4shuf<>+s(SB), Y1, Y7; \
	VPMADDWD   Y7, Y5, Y5;             \
	VPSHUFB    k4shuf<>+s2(SB), Y1, Y7; \
	VPMADDWD   Y7, Y6, Y6;             \
	VPADDD     Y5, acc, acc;           \
	VPADDD     Y6, acc, acc

// func matVecQ4_KAVX2(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ4_KAVX2(SB), NOSPLIT, $0-56
	KARGS
	MOVL         $0x0f0f0f0f, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15

row:
	KROWSTART

block:
	Q4KSCALES
	Q4KMINS
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	Q4KPAIR(16, 0, 32, 0, 32, Y8)
	Q4KPAIR(48, 64, 96, 64, 96, Y9)
	Q4KPAIR(80, 128, 160, 128, 160, Y8)
	Q4KPAIR(112, 192, 224, 192, 224, Y9)
	VPADDD       Y9, Y8, Y8
	VCVTDQ2PS    Y8, Y8
	VPBROADCASTW (R8), X10
	VCVTPH2PS    X10, Y10
	VPBROADCASTW 2(R8), X11
	VCVTPH2PS    X11, Y11
	VMULPS       Y10, Y8, Y8
	VFNMADD231PS Y11, Y2, Y8
	KADD(Y8)
	KNEXT(block, 144)
	KROWEND
	JNZ row
	VZEROUPPER
	RET
