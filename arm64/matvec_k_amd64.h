// Shared by the amd64 K-type matvec kernels (matvec_q4_k_amd64.s,
// matvec_q6_k_amd64.s): one row at a time, one 256-value super-block per
// iteration, against QuantizeQ8_K activations.
//
//	DI out, CX rows left, R8 weights (advancing over the rows),
//	SI xq, DX xd, R10 xs (the starts, for each row), BX 4·nb,
//	R14 the xq cursor, R9 4·(super-block index): xd at (DX)(R9*1), xs at
//	(R10)(R9*8); AX, R11–R13 scratch;
//	Y13 the row's float sums (8 lanes), Y12 xd; Y15 0x0F in every byte.
//
// Per super-block the integer sums are exact and left in 8 int32 lanes.
// Q4_K (below 2^24 per lane, so converted exactly) scales each lane by
// the super-block scales as the generic twin scales the whole sum, then
// multiplies it by xd and adds it into its float lane (KADD, FMA); the
// lanes are added up once per row (KROWEND), so its float result differs
// from the twin's only by rounding. Q6_K adds its lanes up per super-block
// and runs the twin's scalar float operations (matvec_q6_k_amd64.s).

#define KARGS \
	MOVQ out+0(FP), DI;  \
	MOVQ rows+8(FP), CX; \
	MOVQ w+16(FP), R8;   \
	MOVQ nb+24(FP), BX;  \
	MOVQ xq+32(FP), SI;  \
	MOVQ xd+40(FP), DX;  \
	MOVQ xs+48(FP), R10; \
	SHLQ $2, BX

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
