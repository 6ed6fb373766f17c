//go:build !purego

#include "textflag.h"
#include "matvec_k_amd64.h"

// Q6_K weights × Q8_K activations on AVX2, one row at a time
// (matvec_k_amd64.h). A 210-byte super-block: ql[128], qh[64], int8
// scales[16], fp16 d. Value 128h + 32p + l (half h, part p < 4, l < 32) is
// the low nibble p/2 of ql[64h + 32(p%2) + l] with bits 2p..2p+1 of
// qh[32h + l] above it, an unsigned six-bit code q; its weight is
// d·scale[8h + 2p + l/16]·(q − 32).
//
// Each part's 32 codes are assembled in one register (nibble: AND 0x0F,
// or VPSRLW 4 then AND; high bits: VPSLLW 4, VPSLLW 2, none or VPSRLW 2,
// then AND 0x30; OR). VPMADDUBSW multiplies them with the signed
// activations into int16 pairs (at most 2·63·128, never saturating),
// VPMADDWD with the part's two scales (each for 8 int16: VPSHUFB of the
// scale bytes with k6shuf, widened by VPMOVSXBW) adds pairs of those into
// int32. The −32 is applied once per super-block in integers, as in
// dotQ6_K: the scales times the activations' 16-value sums (VPMADDWD),
// times 32, are subtracted, and the 8 lanes added up into
// A = Σ sc·Σq·x − 32·Σ sc·Σx, exact. The lanes of the two parts do not
// hold the same values (Σ sc·Σx pairs groups, the products positions), so
// they may be far larger than their share of the result: A is formed in
// integers first, and then sum += (xd·d)·A in scalar float32, the generic
// twin's operations in its order (X13 holds the row's sum).
//
//	Y0, Y1 ql, Y2 qh, Y3, Y4 codes, Y5 scales of a part, X6 the scale
//	bytes, Y7 32·Σ sc·Σx, Y8, Y9 the sums, X10 d, X12 xd, Y14 0x30 in every byte

// k6shuf entry e (16 bytes): byte 2e eight times, then byte 2e+1.
DATA k6shuf<>+0(SB)/8, $0x0000000000000000
DATA k6shuf<>+8(SB)/8, $0x0101010101010101
DATA k6shuf<>+16(SB)/8, $0x0202020202020202
DATA k6shuf<>+24(SB)/8, $0x0303030303030303
DATA k6shuf<>+32(SB)/8, $0x0404040404040404
DATA k6shuf<>+40(SB)/8, $0x0505050505050505
DATA k6shuf<>+48(SB)/8, $0x0606060606060606
DATA k6shuf<>+56(SB)/8, $0x0707070707070707
DATA k6shuf<>+64(SB)/8, $0x0808080808080808
DATA k6shuf<>+72(SB)/8, $0x0909090909090909
DATA k6shuf<>+80(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA k6shuf<>+88(SB)/8, $0x0b0b0b0b0b0b0b0b
DATA k6shuf<>+96(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA k6shuf<>+104(SB)/8, $0x0d0d0d0d0d0d0d0d
DATA k6shuf<>+112(SB)/8, $0x0e0e0e0e0e0e0e0e
DATA k6shuf<>+120(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL k6shuf<>(SB), RODATA|NOPTR, $128

// Q6KDOT adds the part in Y4 against the activations at x, scaled by the
// scales of k6shuf entry s (at byte offset s), into acc.
#define Q6KDOT(x, s, acc) \
	VPMADDUBSW x(R14), Y4, Y4;          \
	VPSHUFB    k6shuf<>+s(SB), X6, X5;  \
	VPMOVSXBW  X5, Y5;                  \
	VPMADDWD   Y5, Y4, Y4;              \
	VPADDD     Y4, acc, acc

// Q6KHALF is half h of a super-block: ql at l and l2 = l+32, qh at hq, the
// activations at x0…x3, the scale entries at s0…s3.
#define Q6KHALF(l, l2, hq, x0, x1, x2, x3, s0, s1, s2, s3) \
	VMOVDQU l(R8), Y0;           \
	VMOVDQU l2(R8), Y1;          \
	VMOVDQU hq(R8), Y2;          \
	VPSLLW  $4, Y2, Y3;          \
	VPAND   Y14, Y3, Y3;         \
	VPAND   Y15, Y0, Y4;         \
	VPOR    Y3, Y4, Y4;          \
	Q6KDOT(x0, s0, Y8);          \
	VPSLLW  $2, Y2, Y3;          \
	VPAND   Y14, Y3, Y3;         \
	VPAND   Y15, Y1, Y4;         \
	VPOR    Y3, Y4, Y4;          \
	Q6KDOT(x1, s1, Y9);          \
	VPAND   Y14, Y2, Y3;         \
	VPSRLW  $4, Y0, Y4;          \
	VPAND   Y15, Y4, Y4;         \
	VPOR    Y3, Y4, Y4;          \
	Q6KDOT(x2, s2, Y8);          \
	VPSRLW  $2, Y2, Y3;          \
	VPAND   Y14, Y3, Y3;         \
	VPSRLW  $4, Y1, Y4;          \
	VPAND   Y15, Y4, Y4;         \
	VPOR    Y3, Y4, Y4;          \
	Q6KDOT(x3, s3, Y9)

// func matVecQ6_KAVX2(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ6_KAVX2(SB), NOSPLIT, $0-56
	KARGS
	MOVL         $0x30303030, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14

row:
	KROWSTART

block:
	VMOVDQU   192(R8), X6
	VPMOVSXBW X6, Y7
	VPMADDWD  (R10)(R9*8), Y7, Y7
	VPSLLD    $5, Y7, Y7
	VPXOR     Y8, Y8, Y8
	VPXOR     Y9, Y9, Y9
	Q6KHALF(0, 32, 128, 0, 32, 64, 96, 0, 16, 32, 48)
	Q6KHALF(64, 96, 160, 128, 160, 192, 224, 64, 80, 96, 112)
	VPADDD       Y9, Y8, Y8
	VPSUBD       Y7, Y8, Y8
	VEXTRACTI128 $1, Y8, X0
	VPADDD       X0, X8, X8
	VPSHUFD      $0x4e, X8, X0
	VPADDD       X0, X8, X8
	VPSHUFD      $0xb1, X8, X0
	VPADDD       X0, X8, X8
	VCVTDQ2PS    X8, X8
	MOVWLZX      208(R8), AX
	VMOVD        AX, X10
	VCVTPH2PS    X10, X10
	VMOVSS       (DX)(R9*1), X12
	VMULSS       X10, X12, X12
	VMULSS       X8, X12, X12
	VADDSS       X12, X13, X13
	KNEXT(block, 210)
	VMOVSS       X13, (DI)
	ADDQ         $4, DI
	DECQ         CX
	JNZ          row
	VZEROUPPER
	RET
