//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// Q4_0 weights × Q8 activations: the loop of matvec_q8_0_amd64.s (its
// registers, blocks of 18 bytes) with another block product. A block's
// 16 bytes are unpacked to 32 unsigned nibbles n = q+8 (low nibbles are
// elements 0..15, high nibbles 16..31): broadcast to both 128-bit halves,
// the high half shifted right by 4, both masked to 4 bits. Then
// Σ (n−8)·x = Σ n·x − 8·Σ x, where 8·Σ x is computed once per block for
// all rows (Y12). Both paths are exact for every input: n·x pairs stay
// within int16 (|2·15·128| + |2·8·128| < 2^15) for VPMADDUBSW.
//
// Extra registers: Y12 AVX2: 8·(x_2k + x_2k+1) in int16; VNNI: −8·Σ x
// over each 4 activations. Y16 (VNNI) bytes 8, Y17 (VNNI) zero.

NIBSHIFT(q4shift<>)

SPLAT32(q4low<>, $0x0f0f0f0f0f0f0f0f)

SPLAT32(q4eight<>, $0x0808080808080808)

#define Q4AVX2(m, r) \
	NIBBLES(m, r, q4shift<>, q4low<>); \
	VPMADDUBSW Y14, r, r;  \
	VPSUBW     Y12, r, r;  \
	VPMADDWD   Y15, r, r

#define Q4VNNI(m, r) \
	NIBBLES(m, Y8, q4shift<>, q4low<>); \
	VMOVDQA  Y12, r; \
	VPDPBUSD Y14, Y8, r

// func matVecQ4_0AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
TEXT ·matVecQ4_0AVX2(SB), NOSPLIT, $0-56
	LOADARGS
	VPCMPEQW Y15, Y15, Y15
	VPSRLW   $15, Y15, Y15

q4avx2group:
	CMPQ CX, $8
	JLT  q4avx2tail
	GROUP8START

q4avx2block8:
	VMOVDQU    (R14), Y14
	VMOVDQU    q4eight<>(SB), Y12
	VPMADDUBSW Y14, Y12, Y12
	GATHER8
	PREFETCH8
	ROWS8(Q4AVX2)
	REDUCE8
	PACK8AVX2
	SCALE8
	BLOCKNEXT(q4avx2block8, 18)
	GROUP8END
	JMP q4avx2group

q4avx2tail:
	TESTQ CX, CX
	JZ    q4avx2done
	ROW1START

q4avx2block1:
	VMOVDQU    (R14), Y14
	VMOVDQU    q4eight<>(SB), Y12
	VPMADDUBSW Y14, Y12, Y12
	Q4AVX2(2(R8), Y0)
	REDUCE1
	SCALE1
	BLOCKNEXT(q4avx2block1, 18)
	ROW1END
	JMP q4avx2tail

q4avx2done:
	VZEROUPPER
	RET

#define Q4VNNIACT \
	VMOVDQU  (R14), Y14;    \
	VPXOR    Y12, Y12, Y12; \
	VPDPBUSD Y14, Y16, Y12; \
	VPSUBD   Y12, Y17, Y12

// func matVecQ4_0VNNI(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)
TEXT ·matVecQ4_0VNNI(SB), NOSPLIT, $0-56
	LOADARGS
	VMOVDQU64 q4eight<>(SB), Y16
	VPXORD    Y17, Y17, Y17

q4vnnigroup:
	CMPQ CX, $8
	JLT  q4vnnitail
	GROUP8START

q4vnniblock8:
	Q4VNNIACT
	GATHER8
	PREFETCH8
	ROWS8(Q4VNNI)
	REDUCE8
	VPMOVDW Y10, X10
	SCALE8
	BLOCKNEXT(q4vnniblock8, 18)
	GROUP8END
	JMP q4vnnigroup

q4vnnitail:
	TESTQ CX, CX
	JZ    q4vnnidone
	ROW1START

q4vnniblock1:
	Q4VNNIACT
	Q4VNNI(2(R8), Y0)
	REDUCE1
	SCALE1
	BLOCKNEXT(q4vnniblock1, 18)
	ROW1END
	JMP q4vnnitail

q4vnnidone:
	VZEROUPPER
	RET
