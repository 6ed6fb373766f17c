//go:build !purego

#include "textflag.h"
#include "matvec_q_amd64.h"

// Q5_1 weights × Q8_1 activations on AVX2: matvec_q4_1_amd64.s with a
// fifth bit (blocks of 24 bytes: d, m, qh, 16 nibble bytes), spread from
// qh to bit 4 of each code byte as in matvec_q5_0_amd64.s. Unsigned codes
// up to 31: VPMADDUBSW pairs of at most 2·31·128, exact for every input.

DATA q51shift<>+0(SB)/8, $0
DATA q51shift<>+8(SB)/8, $0
DATA q51shift<>+16(SB)/8, $0x0000000400000004
DATA q51shift<>+24(SB)/8, $0x0000000400000004
GLOBL q51shift<>(SB), RODATA|NOPTR, $32

DATA q51low<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q51low<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q51low<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA q51low<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q51low<>(SB), RODATA|NOPTR, $32

DATA q51sixteen<>+0(SB)/8, $0x1010101010101010
DATA q51sixteen<>+8(SB)/8, $0x1010101010101010
DATA q51sixteen<>+16(SB)/8, $0x1010101010101010
DATA q51sixteen<>+24(SB)/8, $0x1010101010101010
GLOBL q51sixteen<>(SB), RODATA|NOPTR, $32

// Byte i: qh's byte i/8.
DATA q51bsel<>+0(SB)/8, $0x0000000000000000
DATA q51bsel<>+8(SB)/8, $0x0101010101010101
DATA q51bsel<>+16(SB)/8, $0x0202020202020202
DATA q51bsel<>+24(SB)/8, $0x0303030303030303
GLOBL q51bsel<>(SB), RODATA|NOPTR, $32

// Byte i: bit i%8.
DATA q51bit<>+0(SB)/8, $0x8040201008040201
DATA q51bit<>+8(SB)/8, $0x8040201008040201
DATA q51bit<>+16(SB)/8, $0x8040201008040201
DATA q51bit<>+24(SB)/8, $0x8040201008040201
GLOBL q51bit<>(SB), RODATA|NOPTR, $32

// Q51AVX2 leaves the 8 int32 partial sums of one row's block (the block
// at m−2: qh at m+2, the nibbles at m+6) times the activations in r.
#define Q51AVX2(m, r) \
	VPBROADCASTD   2+m, Y8;                 \
	VPSHUFB        q51bsel<>(SB), Y8, Y8;   \
	VPAND          q51bit<>(SB), Y8, Y8;    \
	VPCMPEQB       q51bit<>(SB), Y8, Y8;    \
	VPAND          q51sixteen<>(SB), Y8, Y8; \
	VBROADCASTI128 6+m, r;                  \
	VPSRLVD        q51shift<>(SB), r, r;    \
	VPAND          q51low<>(SB), r, r;      \
	VPOR           Y8, r, r;                \
	VPMADDUBSW     Y14, r, r;               \
	VPMADDWD       Y15, r, r

// Q51MIN leaves the 8 rows' m (the high halves of the dwords GATHER8 left
// in Y10) in Y8, as floats.
#define Q51MIN \
	VPSRLD    $16, Y10, Y8;         \
	VPSHUFB   q8shuf<>(SB), Y8, Y8; \
	VPERMQ    $0x08, Y8, Y8;        \
	VCVTPH2PS X8, Y8

// func matVecQ5_1AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)
TEXT ·matVecQ5_1AVX2(SB), NOSPLIT, $0-64
	LOADARGS
	MOVQ     xs+56(FP), R10
	VPCMPEQW Y15, Y15, Y15
	VPSRLW   $15, Y15, Y15

q51group:
	CMPQ CX, $8
	JLT  q51tail
	GROUP8START

q51block8:
	VMOVDQU (R14), Y14
	GATHER8
	PREFETCH8
	ROWS8(Q51AVX2)
	REDUCE8
	Q51MIN
	PACK8AVX2
	SCALE8
	VBROADCASTSS (R10)(AX*4), Y9
	VFMADD231PS  Y9, Y8, Y11
	BLOCKNEXT(q51block8, 24)
	GROUP8END
	JMP q51group

q51tail:
	TESTQ CX, CX
	JZ    q51done
	ROW1START

q51block1:
	VMOVDQU (R14), Y14
	Q51AVX2(2(R8), Y0)
	REDUCE1
	SCALE1
	MOVWLZX     2(R8), R13
	VMOVD       R13, X8
	VCVTPH2PS   X8, X8
	VMOVSS      (R10)(AX*4), X9
	VFMADD231SS X9, X8, X11
	BLOCKNEXT(q51block1, 24)
	ROW1END
	JMP q51tail

q51done:
	VZEROUPPER
	RET
