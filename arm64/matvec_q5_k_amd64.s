//go:build !purego

#include "textflag.h"
#include "matvec_k_amd64.h"

// Q5_K weights × Q8_K activations on AVX2: matvec_q4_k_amd64.s with a
// fifth bit. A 176-byte super-block: fp16 d and dmin, 12 bytes of six-bit
// scales and mins, qh[32] (bit j of qh[l] is bit 4 of value l of sub-block
// j), then the 128 bytes of nibbles as in Q4_K. The qh bytes stay in Y4;
// sub-block j's bit is moved to bit 4 (VPSLLW by 4−j or VPSRLW by j−4 in
// 16-bit lanes: no bit that crosses a byte lands on bit 4), masked with
// 0x10 (Y14) and ORed into the nibbles. Codes up to 31: VPMADDUBSW pairs
// stay below 2·31·128, and each int32 lane below 2^24.
//
//	Y0–Y2 scales and mins (KSCALEMIN6, KMINS), Y3 scratch, Y4 qh,
//	Y5–Y7 codes and scratch, Y8, Y9 the A lanes, Y10, Y11 d and dmin,
//	Y14 0x10 in every byte

// Q5H<j> leave qh shifted so that sub-block j's bit is bit 4, in Y3.
#define Q5H0 VPSLLW $4, Y4, Y3
#define Q5H1 VPSLLW $3, Y4, Y3
#define Q5H2 VPSLLW $2, Y4, Y3
#define Q5H3 VPSLLW $1, Y4, Y3
#define Q5H4 VMOVDQU Y4, Y3
#define Q5H5 VPSRLW $1, Y4, Y3
#define Q5H6 VPSRLW $2, Y4, Y3
#define Q5H7 VPSRLW $3, Y4, Y3

// Q5HI inserts the fifth bits of the two sub-blocks of a KPAIR
// (matvec_k_amd64.h), HA and HB (Q5H<j>), into their nibbles.
#define Q5HI(HA, HB) \
	HA;                     \
	VPAND      Y14, Y3, Y3; \
	VPOR       Y3, Y5, Y5;  \
	HB;                     \
	VPAND      Y14, Y3, Y3; \
	VPOR       Y3, Y6, Y6

// func matVecQ5_KAVX2(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)
// rows ≥ 1, nb ≥ 1.
TEXT ·matVecQ5_KAVX2(SB), NOSPLIT, $0-56
	KARGS
	MOVL         $0x10101010, AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14

row:
	KROWSTART

block:
	KSCALEMIN6
	KMINS
	VMOVDQU 16(R8), Y4
	VPXOR   Y8, Y8, Y8
	VPXOR   Y9, Y9, Y9
	KPAIR(48, 0, 32, 0, 32, Y8, Q5HI, Q5H0, Q5H1)
	KPAIR(80, 64, 96, 64, 96, Y9, Q5HI, Q5H2, Q5H3)
	KPAIR(112, 128, 160, 128, 160, Y8, Q5HI, Q5H4, Q5H5)
	KPAIR(144, 192, 224, 192, 224, Y9, Q5HI, Q5H6, Q5H7)
	KDMIN
	KADD(Y8)
	KNEXT(block, 176)
	KROWEND
	JNZ row
	VZEROUPPER
	RET
