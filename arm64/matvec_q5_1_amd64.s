//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// Q5_1 weights × Q8_1 activations on AVX2: matvec_q4_1_amd64.s (Q1KERNEL) with a
// fifth bit (blocks of 24 bytes: d, m, qh, 16 nibble bytes), spread from
// qh to bit 4 of each code byte as in matvec_q5_0_amd64.s. Unsigned codes
// up to 31: VPMADDUBSW pairs of at most 2·31·128, exact for every input.

NIBSHIFT(q51shift<>)

SPLAT32(q51low<>, $0x0f0f0f0f0f0f0f0f)

SPLAT32(q51sixteen<>, $0x1010101010101010)

// Byte i: qh's byte i/8.
TABLE32(q51bsel<>, $0x0000000000000000, $0x0101010101010101, $0x0202020202020202, $0x0303030303030303)

// Byte i: bit i%8.
SPLAT32(q51bit<>, $0x8040201008040201)

// Q51AVX2 leaves the 8 int32 partial sums of one row's block (the block
// at m−2: qh at m+2, the nibbles at m+6) times the activations in r.
#define Q51AVX2(m, r) \
	QHBITS(2+m, q51bsel<>, q51bit<>, q51sixteen<>); \
	NIBBLES(6+m, r, q51shift<>, q51low<>);          \
	VPOR       Y8, r, r;                            \
	VPMADDUBSW Y14, r, r;                           \
	VPMADDWD   Y15, r, r

// func matVecQ5_1AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
TEXT ·matVecQ5_1AVX2(SB), NOSPLIT, $0-64
	Q1KERNEL(Q51AVX2, 24)
