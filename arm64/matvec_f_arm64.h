// Shared by matvec_f_arm64.s and matvec_bf16_arm64.s: the accumulators,
// reductions and loads of the 4-rows-at-a-time float matvec (see the
// comment at the top of matvec_f_arm64.s for the scheme and registers).

#define ZERO16 \
	VEOR	V16.B16, V16.B16, V16.B16; \
	VEOR	V17.B16, V17.B16, V17.B16; \
	VEOR	V18.B16, V18.B16, V18.B16; \
	VEOR	V19.B16, V19.B16, V19.B16; \
	VEOR	V20.B16, V20.B16, V20.B16; \
	VEOR	V21.B16, V21.B16, V21.B16; \
	VEOR	V22.B16, V22.B16, V22.B16; \
	VEOR	V23.B16, V23.B16, V23.B16; \
	VEOR	V24.B16, V24.B16, V24.B16; \
	VEOR	V25.B16, V25.B16, V25.B16; \
	VEOR	V26.B16, V26.B16, V26.B16; \
	VEOR	V27.B16, V27.B16, V27.B16; \
	VEOR	V28.B16, V28.B16, V28.B16; \
	VEOR	V29.B16, V29.B16, V29.B16; \
	VEOR	V30.B16, V30.B16, V30.B16; \
	VEOR	V31.B16, V31.B16, V31.B16

#define FMLA4(a, w) \
	FMLA_4S(a, w, 0); \
	FMLA_4S(a+1, w+1, 1); \
	FMLA_4S(a+2, w+2, 2); \
	FMLA_4S(a+3, w+3, 3)

// FMUL4 is FMLA4 into accumulators not yet set: the first 16 columns
// (the same values as FMLA4 on zeros, but for the sign of a zero sum).
#define FMUL4(a, w) \
	FMUL_4S(a, w, 0); \
	FMUL_4S(a+1, w+1, 1); \
	FMUL_4S(a+2, w+2, 2); \
	FMUL_4S(a+3, w+3, 3)

// REDUCE4 folds a row's accumulators a..a+3 into a: (a+(a+1)) + ((a+2)+(a+3)).
#define REDUCE4(a) \
	FADD_4S(a, a, a+1); \
	FADD_4S(a+2, a+2, a+3); \
	FADD_4S(a, a, a+2)

// F32 weights of 16 columns of row cursor p into V(w)..V(w+3).
#define LDW32_16(p, w0, w1, w2, w3) \
	VLD1.P	64(p), [w0, w1, w2, w3]

// F16 weights of 16 columns of row cursor p, widened into V(w)..V(w+3);
// V(h), V(h+1) hold the halves.
#define LDW16_16(p, h0, h1, h, w) \
	VLD1.P	32(p), [h0, h1]; \
	FCVTL_4S(w, h); \
	FCVTL2_4S(w+1, h); \
	FCVTL_4S(w+2, h+1); \
	FCVTL2_4S(w+3, h+1)

#define MVARGS \
	MOVD	out+0(FP), R0; \
	MOVD	rows+8(FP), R1; \
	MOVD	w+16(FP), R2; \
	MOVD	x+24(FP), R3; \
	MOVD	n+32(FP), R4

// MATVECF is the whole kernel body of the float matvecs (matvec_f_arm64.s,
// matvec_bf16_arm64.s), used once per TEXT (labels are per function):
// shift is log2 of the weight size; the loaders, one set per weight type,
// bring weights into V4..V15 as float32:
//   LD16A(p), LD16B(p)  16 columns of row cursor p into V4..V7 / V8..V11
//   LD4ROWS4            4 columns of each of R6..R9 into V4..V7
//   LD4ROWS1            1 column of each of R6..R9 into lanes 0..3 of V4
//   LD1ROW4, LD1ROW1    4 columns / 1 column of R6 into V4
#define MATVECF(shift, LD16A, LD16B, LD4ROWS4, LD4ROWS1, LD1ROW4, LD1ROW1) \
	MVARGS; \
	LSL	$shift, R4, R5; \
group: \
	CMP	$4, R1; \
	BLT	tail; \
	MOVD	R2, R6; \
	ADD	R5, R6, R7; \
	ADD	R5, R7, R8; \
	ADD	R5, R8, R9; \
	MOVD	R3, R10; \
	SUBS	$16, R4, R11; \
	BGE	first16; \
	ZERO16; \
	B	cols4; \
first16: \
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	LD16A(R6); \
	LD16B(R7); \
	FMUL4(16, 4); \
	FMUL4(20, 8); \
	LD16A(R8); \
	LD16B(R9); \
	FMUL4(24, 4); \
	FMUL4(28, 8); \
	SUBS	$16, R11, R11; \
	BLT	cols4; \
cols16: \
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	LD16A(R6); \
	LD16B(R7); \
	FMLA4(16, 4); \
	FMLA4(20, 8); \
	LD16A(R8); \
	LD16B(R9); \
	FMLA4(24, 4); \
	FMLA4(28, 8); \
	SUBS	$16, R11, R11; \
	BGE	cols16; \
cols4: \
	ADDS	$12, R11, R11; \
	BLT	reduce; \
cols4_loop: \
	VLD1.P	16(R10), [V0.S4]; \
	LD4ROWS4; \
	FMLA_4S(16, 4, 0); \
	FMLA_4S(20, 5, 0); \
	FMLA_4S(24, 6, 0); \
	FMLA_4S(28, 7, 0); \
	SUBS	$4, R11, R11; \
	BGE	cols4_loop; \
reduce: \
	REDUCE4(16); \
	REDUCE4(20); \
	REDUCE4(24); \
	REDUCE4(28); \
	FADDP_4S(16, 16, 20); \
	FADDP_4S(24, 24, 28); \
	FADDP_4S(16, 16, 24); \
	ADDS	$4, R11, R11; \
	BEQ	store; \
cols1: \
	VLD1.P	4(R10), V0.S[0]; \
	LD4ROWS1; \
	FMLA_4S_ELEM(16, 4, 0, 0); \
	SUBS	$1, R11, R11; \
	BNE	cols1; \
store: \
	VST1.P	[V16.S4], 16(R0); \
	MOVD	R9, R2; \
	SUB	$4, R1, R1; \
	B	group; \
tail: \
	CBZ	R1, done; \
row: \
	MOVD	R2, R6; \
	MOVD	R3, R10; \
	SUBS	$16, R4, R11; \
	BGE	row_first16; \
	VEOR	V16.B16, V16.B16, V16.B16; \
	VEOR	V17.B16, V17.B16, V17.B16; \
	VEOR	V18.B16, V18.B16, V18.B16; \
	VEOR	V19.B16, V19.B16, V19.B16; \
	B	row_cols4; \
row_first16: \
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	LD16A(R6); \
	FMUL4(16, 4); \
	SUBS	$16, R11, R11; \
	BLT	row_cols4; \
row_cols16: \
	VLD1.P	64(R10), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	LD16A(R6); \
	FMLA4(16, 4); \
	SUBS	$16, R11, R11; \
	BGE	row_cols16; \
row_cols4: \
	ADDS	$12, R11, R11; \
	BLT	row_reduce; \
row_cols4_loop: \
	VLD1.P	16(R10), [V0.S4]; \
	LD1ROW4; \
	FMLA_4S(16, 4, 0); \
	SUBS	$4, R11, R11; \
	BGE	row_cols4_loop; \
row_reduce: \
	REDUCE4(16); \
	FADDP_4S(16, 16, 16); \
	FADDP_4S(16, 16, 16); \
	ADDS	$4, R11, R11; \
	BEQ	row_store; \
row_cols1: \
	VLD1.P	4(R10), V0.S[0]; \
	LD1ROW1; \
	FMLA_4S_ELEM(16, 4, 0, 0); \
	SUBS	$1, R11, R11; \
	BNE	row_cols1; \
row_store: \
	VST1.P	V16.S[0], 4(R0); \
	MOVD	R6, R2; \
	SUBS	$1, R1, R1; \
	BNE	row; \
done: \
	RET

// Half-width rows (F16, BF16) load their raw halves into V12..V15 and
// widen them with WIDEN(dst, src), a macro of neon_arm64.h.
#define HALF4ROWS4(WIDEN) \
	VLD1.P	8(R6), [V12.H4]; \
	VLD1.P	8(R7), [V13.H4]; \
	VLD1.P	8(R8), [V14.H4]; \
	VLD1.P	8(R9), [V15.H4]; \
	WIDEN(4, 12); \
	WIDEN(5, 13); \
	WIDEN(6, 14); \
	WIDEN(7, 15)

#define HALF4ROWS1(WIDEN) \
	VLD1.P	2(R6), V12.H[0]; \
	VLD1.P	2(R7), V12.H[1]; \
	VLD1.P	2(R8), V12.H[2]; \
	VLD1.P	2(R9), V12.H[3]; \
	WIDEN(4, 12)

#define HALF1ROW4(WIDEN) \
	VLD1.P	8(R6), [V12.H4]; \
	WIDEN(4, 12)

#define HALF1ROW1(WIDEN) \
	VLD1.P	2(R6), V12.H[0]; \
	WIDEN(4, 12)
