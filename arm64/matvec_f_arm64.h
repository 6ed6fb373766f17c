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
