//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// Q4_1 weights × Q8_1 activations on AVX2: the loop of
// matvec_q8_0_amd64.s (its registers, blocks of 20 bytes: d, m, 16 nibble
// bytes) with another block product and the offset (Q1KERNEL,
// matvec_q_amd64.h). The nibbles are unpacked as Q4_0's (NIBBLES) and used
// unsigned: VPMADDUBSW pairs of at most 2·15·128, exact for every input.

NIBSHIFT(q41shift<>)

SPLAT32(q41low<>, $0x0f0f0f0f0f0f0f0f)

// Q41AVX2 leaves the 8 int32 partial sums of one row's block (the block
// at m−2) times the activations in r.
#define Q41AVX2(m, r) \
	NIBBLES(2+m, r, q41shift<>, q41low<>); \
	VPMADDUBSW Y14, r, r;                  \
	VPMADDWD   Y15, r, r

// func matVecQ4_1AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
TEXT ·matVecQ4_1AVX2(SB), NOSPLIT, $0-64
	Q1KERNEL(Q41AVX2, 20)
