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

// KLOOPS is the body of a kernel after KARGS and its constants: the rows,
// and in each row its super-blocks, BLOCK(PART) computing one (PART is the
// type's DOT or V80 step). Labels are local to a TEXT symbol, so every
// kernel that expands this has its own.
#define KLOOPS(BLOCK, PART) \
row: \
	KROWSTART; \
block: \
	BLOCK(PART); \
	SUBS	$1, R10, R10; \
	BNE	block; \
	KROWEND; \
	BNE	row; \
	RET

// KSUMS_V80 is the ARMv8.0 sum of a Q4_K or Q5_K sub-block pair: codes
// V12, V13 (sub-block a) and V14, V15 (sub-block b) times the activations
// V8–V11, four products per int16 lane (at most 31·128 each), SMULL/SMLAL
// then SADDLP into int32x4 a and b.
#define KSUMS_V80(a, b) \
	SMULL_8H(a, 12, 8); \
	SMLAL2_8H(a, 12, 8); \
	SMLAL_8H(a, 13, 9); \
	SMLAL2_8H(a, 13, 9); \
	SADDLP_4S(a, a); \
	SMULL_8H(b, 14, 10); \
	SMLAL2_8H(b, 14, 10); \
	SMLAL_8H(b, 15, 11); \
	SMLAL2_8H(b, 15, 11); \
	SADDLP_4S(b, b)

// KHI_L, KHI_0 and KHI_R insert bit j of Q5_K's qh bytes, held in Vh0
// (values 0–15) and Vh1 (16–31), into bit 4 of the codes c0 and c1 (Vm
// 0x10 in every byte, Vt scratch): shifted left by k = 4−j, not at all
// (j = 4), or right by k = j−4.
#define KHI_L(t, h0, h1, m, c0, c1, k) \
	SHL_16B(t, h0, k); \
	BIT_16B(c0, t, m); \
	SHL_16B(t, h1, k); \
	BIT_16B(c1, t, m)

#define KHI_0(t, h0, h1, m, c0, c1, k) \
	BIT_16B(c0, h0, m); \
	BIT_16B(c1, h1, m)

#define KHI_R(t, h0, h1, m, c0, c1, k) \
	USHR_16B(t, h0, k); \
	BIT_16B(c0, t, m); \
	USHR_16B(t, h1, k); \
	BIT_16B(c1, t, m)

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

// The two-token kernels (matmul_q4_k_arm64.s, matmul_q5_k_arm64.s,
// matmul_q6_k_arm64.s): token A's operands at xq, xd, xs and out, token
// B's one vector on and at out + ldOut.
//
//	R0, R20 out cursors (A, B); R7–R9 and R16, R17, R19 the xq, xd, xs
//	cursors of A and B; R21–R23 the distance from A's operands to B's
//	(256, 4 and 32 bytes per super-block); R10 blocks left in the row.

#define K2ARGS \
	MOVD	out+0(FP), R0; \
	MOVD	ldOut+8(FP), R20; \
	MOVD	rows+16(FP), R1; \
	MOVD	w+24(FP), R2; \
	MOVD	nb+32(FP), R3; \
	MOVD	xq+40(FP), R4; \
	MOVD	xd+48(FP), R5; \
	MOVD	xs+56(FP), R6; \
	ADD	R20<<2, R0, R20; \
	LSL	$8, R3, R21; \
	LSL	$2, R3, R22; \
	LSL	$5, R3, R23

// K2ROWSTART points both tokens' cursors at their starts and clears the
// float sums sa, sb (as V registers), in that order.
#define K2ROWSTART(sa, sb) \
	MOVD	R4, R7; \
	MOVD	R5, R8; \
	MOVD	R6, R9; \
	ADD	R21, R4, R16; \
	ADD	R22, R5, R17; \
	ADD	R23, R6, R19; \
	MOVD	R3, R10; \
	VEOR	sa.B16, sa.B16, sa.B16; \
	VEOR	sb.B16, sb.B16, sb.B16

// K2NEXT closes the loops over the super-blocks (label block) and the rows
// (label row): ta and tb are the float sums of A and B (as V registers).
#define K2NEXT(ta, tb) \
	SUBS	$1, R10, R10; \
	BNE	block; \
	VST1.P	ta.S[0], 4(R0); \
	VST1.P	tb.S[0], 4(R20); \
	SUBS	$1, R1, R1; \
	BNE	row; \
	RET

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

// Q4K2FINISH finishes the super-block for both tokens once the pair sums
// are in V16–V19 (A) and V20–V23 (B): the scales and mins unpacked as
// Q4K2TOKEN wants them, d and dmin to float32, then A's, then B's float
// sum (V31, V26).
#define Q4K2FINISH \
	UXTL_8H(12, 29); \
	UXTL2_8H(13, 29); \
	UXTL_4S(14, 12); \
	UXTL2_4S(15, 12); \
	UXTL_4S(0, 13); \
	UXTL2_4S(1, 13); \
	FCVTL_4S(27, 28); \
	Q4K2TOKEN(16, 17, 18, 19, R9, R8, F31); \
	Q4K2TOKEN(20, 21, 22, 23, R19, R17, F26)
