// Shared by the K-type and IQ4_XS matvec kernels (matvec_q4_k_arm64.s,
// matvec_q6_k_arm64.s, matvec_iq4_xs_arm64.s): one row at a time, one
// 256-value super-block per iteration, against QuantizeQ8_K activations.
//
//	R0 out, R1 rows left, R2 weights (advancing over the rows), R3 nb,
//	R4 xq, R5 xd, R6 xs (the starts, for each row);
//	R7, R8, R9 the cursors into xq, xd, xs; R10 blocks left in the row;
//	V31 lane 0: the row's float sum.
//
// Per super-block the integer sums of each sub-block are exact; the float
// part is s = (super-block scale)·(integer sum) as the generic twin forms
// it, then sum += xd·s, block after block, in the twin's order.

#define KARGS \
	MOVD	out+0(FP), R0; \
	MOVD	rows+8(FP), R1; \
	MOVD	w+16(FP), R2; \
	MOVD	nb+24(FP), R3; \
	MOVD	xq+32(FP), R4; \
	MOVD	xd+40(FP), R5; \
	MOVD	xs+48(FP), R6

#define KROWSTART \
	MOVD	R4, R7; \
	MOVD	R5, R8; \
	MOVD	R6, R9; \
	MOVD	R3, R10; \
	VEOR	V31.B16, V31.B16, V31.B16

// KADD adds xd·F20 to the sum (V21 is scratch).
#define KADD \
	VLD1.P	4(R8), V21.S[0]; \
	FMULS	F21, F20, F20; \
	FADDS	F20, F31, F31

#define KROWEND \
	VST1.P	V31.S[0], 4(R0); \
	SUBS	$1, R1, R1

// The scales and mins of Q4_K and Q5_K. KSCALEMIN6 reads d, dmin into V28
// and unpacks the twelve bytes of six-bit scales and mins with scalar
// shifts and masks into V29 = [sc0..3, m0..3, sc4..7, m4..7] (R11–R15
// scratch). KSCALEMIN_TAIL takes the eight sub-block sums (V16–V23, each
// an int32x4 to be added up), forms A = Σ sc·a and M = Σ m·Σx (the pair
// sums of the activations' 16-value sums) with MUL/MLA, and adds
// xd·(d·A − dmin·M) to the sum (V12–V23 scratch).
#define KSCALEMIN6 \
	VLD1.P	4(R2), V28.S[0]; \
	MOVD.P	8(R2), R11; \
	MOVWU.P	4(R2), R12; \
	AND	$0x3f3f3f3f3f3f3f3f, R11, R13; \
	ORR	R12<<28, R12, R14; \
	AND	$0x0f0f0f0f0f0f0f0f, R14, R14; \
	LSR	$6, R11, R15; \
	AND	$0x0303030303030303, R15, R15; \
	ORR	R15<<4, R14, R14; \
	VMOV	R13, V29.D[0]; \
	VMOV	R14, V29.D[1]

#define KSCALEMIN_TAIL \
	ADDP_4S(16, 16, 17); \
	ADDP_4S(18, 18, 19); \
	ADDP_4S(16, 16, 18); \
	ADDP_4S(20, 20, 21); \
	ADDP_4S(22, 22, 23); \
	ADDP_4S(17, 20, 22); \
	UXTL_8H(12, 29); \
	UXTL2_8H(13, 29); \
	UXTL_4S(14, 12); \
	UXTL2_4S(15, 12); \
	UXTL_4S(18, 13); \
	UXTL2_4S(19, 13); \
	MUL_4S(20, 16, 14); \
	MLA_4S(20, 17, 18); \
	VLD1.P	32(R9), [V12.H8, V13.H8]; \
	ADDP_8H(12, 12, 13); \
	SXTL_4S(13, 12); \
	SXTL2_4S(12, 12); \
	MUL_4S(21, 13, 15); \
	MLA_4S(21, 12, 19); \
	ADDP_4S(20, 20, 21); \
	ADDP_4S(20, 20, 20); \
	SCVTF_4S(20, 20); \
	FCVTL_4S(28, 28); \
	FMUL_4S(20, 20, 28); \
	DUP_4S_ELEM(21, 20, 1); \
	FSUBS	F21, F20, F20; \
	KADD

// Q4K2TOKEN finishes one token's super-block in the two-token Q4_K and
// Q5_K kernels (matmul_q4_k_arm64.s, matmul_q5_k_arm64.s): p0..p3 its
// pair sums, xs and xd its cursors, s its float sum (V14, V15, V0, V1
// hold sc0–3, m0–3, sc4–7, m4–7 as int32; V27 d and dmin; V2–V5 scratch).
#define Q4K2TOKEN(p0, p1, p2, p3, xs, xd, s) \
	ADDP_4S(p0, p0, p1); \
	ADDP_4S(p2, p2, p3); \
	MUL_4S(2, p0, 14); \
	MLA_4S(2, p2, 0); \
	VLD1.P	32(xs), [V4.H8, V5.H8]; \
	ADDP_8H(4, 4, 5); \
	SXTL_4S(5, 4); \
	SXTL2_4S(4, 4); \
	MUL_4S(3, 5, 15); \
	MLA_4S(3, 4, 1); \
	ADDP_4S(2, 2, 3); \
	ADDP_4S(2, 2, 2); \
	SCVTF_4S(2, 2); \
	FMUL_4S(2, 2, 27); \
	DUP_4S_ELEM(3, 2, 1); \
	FSUBS	F3, F2, F2; \
	VLD1.P	4(xd), V3.S[0]; \
	FMULS	F3, F2, F2; \
	FADDS	F2, s, s
