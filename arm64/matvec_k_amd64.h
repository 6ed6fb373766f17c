// Shared by the amd64 K-type and IQ4_XS matvec kernels
// (matvec_q4_k_amd64.s, matvec_q5_k_amd64.s, matvec_q6_k_amd64.s,
// matvec_iq4_xs_amd64.s): one row at a time, one 256-value super-block per
// iteration, against QuantizeQ8_K activations.
//
//	DI out, CX rows left, R8 weights (advancing over the rows),
//	SI xq, DX xd, R10 xs (the starts, for each row), BX 4·nb,
//	R14 the xq cursor, R9 4·(super-block index): xd at (DX)(R9*1), xs at
//	(R10)(R9*8); AX, R11–R13 scratch;
//	Y13 the row's float sums (8 lanes), Y12 xd; Y15 0x0F in every byte.
//
// Per super-block the integer sums are exact and left in 8 int32 lanes.
// Q4_K, Q5_K and IQ4_XS (below 2^24 per lane, so converted exactly) scale
// each lane by the super-block scales as the generic twin scales the whole
// sum, then multiply it by xd and add it into its float lane (KADD, FMA);
// the lanes are added up once per row (KROWEND), so the float result
// differs from the twin's only by rounding. Q6_K adds its lanes up per super-block
// and runs the twin's scalar float operations (matvec_q6_k_amd64.s).

// KARGS loads the arguments and sets Y15.
#define KARGS \
	MOVQ out+0(FP), DI;  \
	MOVQ rows+8(FP), CX; \
	MOVQ w+16(FP), R8;   \
	MOVQ nb+24(FP), BX;  \
	MOVQ xq+32(FP), SI;  \
	MOVQ xd+40(FP), DX;  \
	MOVQ xs+48(FP), R10; \
	SHLQ $2, BX;         \
	MOVL         $0x0f0f0f0f, AX; \
	VMOVD        AX, X15;         \
	VPBROADCASTD X15, Y15

#define KROWSTART \
	MOVQ   SI, R14;       \
	XORQ   R9, R9;        \
	VXORPS Y13, Y13, Y13

// KADD accumulates xd times the 8 scaled lanes t into Y13.
#define KADD(t) \
	VBROADCASTSS (DX)(R9*1), Y12; \
	VFMADD231PS  Y12, t, Y13

// KNEXT advances to the next super-block (bs bytes) and loops to l while
// the row has some left.
#define KNEXT(l, bs) \
	ADDQ $bs, R8;   \
	ADDQ $256, R14; \
	ADDQ $4, R9;    \
	CMPQ R9, BX;    \
	JLT  l

// KROWEND adds up the row's 8 float lanes and stores the sum.
#define KROWEND \
	VEXTRACTF128 $1, Y13, X0; \
	VADDPS       X0, X13, X13; \
	VMOVHLPS     X13, X13, X0; \
	VADDPS       X0, X13, X13; \
	VMOVSHDUP    X13, X0;      \
	VADDSS       X0, X13, X13; \
	VMOVSS       X13, (DI);    \
	ADDQ         $4, DI;       \
	DECQ         CX

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

// The scales and mins of Q4_K and Q5_K (bytes 4–15 of the super-block at
// R8; AX, R11–R13, Y0, Y3, Y4 scratch). KSCALEMIN6 leaves the scales (int16, in both lanes) in Y1 and the mins
// (int16) in X2.
// KPAIR (Q4_K, Q5_K) adds sub-blocks 2i (low nibbles of the 32 bytes at
// q) and 2i+1 (high nibbles) against the activations at x and x2 = x+32,
// scaled by their scales (k4shuf entries at s and s2 = s+32), into acc.
// H(HA, HB) runs between the split into nibbles (Y5, Y6) and the
// products: KNOHI, nothing, for Q4_K; Q5HI, the fifth bits, for Q5_K.
#define KPAIR(q, x, x2, s, s2, acc, H, HA, HB) \
	VMOVDQU    q(R8), Y5;              \
	VPSRLW     $4, Y5, Y6;             \
	VPAND      Y15, Y5, Y5;            \
	VPAND      Y15, Y6, Y6;            \
	H(HA, HB);                         \
	VPMADDUBSW x(R14), Y5, Y5;         \
	VPMADDUBSW x2(R14), Y6, Y6;        \
	VPSHUFB    k4shuf<>+s(SB), Y1, Y7; \
	VPMADDWD   Y7, Y5, Y5;             \
	VPSHUFB    k4shuf<>+s2(SB), Y1, Y7; \
	VPMADDWD   Y7, Y6, Y6;             \
	VPADDD     Y5, acc, acc;           \
	VPADDD     Y6, acc, acc

#define KNOHI(HA, HB)

// KDMIN (Q4_K, Q5_K) takes the A lanes Y8 + Y9 and the M lanes Y2 to
// d·A − dmin·M in Y8 (d and dmin, the fp16 at 0(R8) and 2(R8), in Y10 and
// Y11), as dotQ4_K does.
#define KDMIN \
	VPADDD       Y9, Y8, Y8;  \
	VCVTDQ2PS    Y8, Y8;      \
	VPBROADCASTW (R8), X10;   \
	VCVTPH2PS    X10, Y10;    \
	VPBROADCASTW 2(R8), X11;  \
	VCVTPH2PS    X11, Y11;    \
	VMULPS       Y10, Y8, Y8; \
	VFNMADD231PS Y11, Y2, Y8

#define KSCALEMIN6 \
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

// KMINS leaves M = Σ m·Σx in X2 (4 lanes, the upper ones zero), as
// floats.
#define KMINS \
	VMOVDQU      (R10)(R9*8), Y3; \
	VEXTRACTI128 $1, Y3, X4;      \
	VPHADDW      X4, X3, X3;      \
	VPMADDWD     X3, X2, X2;      \
	VCVTDQ2PS    X2, X2
