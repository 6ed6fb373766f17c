// Shared by quantize_q8_arm64.s and quantize_q8_k_arm64.s: 32 values of x
// in V0..V7, scaled, converted and narrowed to 32 int8 codes.

// LOAD32(p) loads 32 float32 values at cursor p into V0..V7.
#define LOAD32(p) \
	VLD1.P	64(p), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	VLD1.P	64(p), [V4.S4, V5.S4, V6.S4, V7.S4]

// SCALECVT32(s, CVT) multiplies V0..V7 by lane 0 of V(s) and converts them
// to int32 with CVT (FCVTAS_4S: ties away from zero, or FCVTNS_4S: ties to
// even).
#define SCALECVT32(s, CVT) \
	FMUL_4S_ELEM(0, 0, s, 0); \
	FMUL_4S_ELEM(1, 1, s, 0); \
	FMUL_4S_ELEM(2, 2, s, 0); \
	FMUL_4S_ELEM(3, 3, s, 0); \
	FMUL_4S_ELEM(4, 4, s, 0); \
	FMUL_4S_ELEM(5, 5, s, 0); \
	FMUL_4S_ELEM(6, 6, s, 0); \
	FMUL_4S_ELEM(7, 7, s, 0); \
	CVT(0, 0); \
	CVT(1, 1); \
	CVT(2, 2); \
	CVT(3, 3); \
	CVT(4, 4); \
	CVT(5, 5); \
	CVT(6, 6); \
	CVT(7, 7)

// NARROWSTORE32(p) narrows the int32 codes of V0..V7 (which fit int8, so
// keeping the low halves with UZP1 is exact) into V0, V1 and stores them
// at cursor p.
#define NARROWSTORE32(p) \
	UZP1_8H(0, 0, 1); \
	UZP1_8H(2, 2, 3); \
	UZP1_8H(4, 4, 5); \
	UZP1_8H(6, 6, 7); \
	UZP1_16B(0, 0, 2); \
	UZP1_16B(1, 4, 6); \
	VST1.P	[V0.B16, V1.B16], 32(p)
