// Shared by matvec_q8_0_arm64.s and matvec_q4_0_arm64.s: the frame of the
// 8-rows-at-a-time quantized matvec (see the comment at the top of
// matvec_q8_0_arm64.s for the scheme and the register map).

// QACT loads the activations of the next block, and their scale into
// V18.S[3] (the fp16 weight scales use only V18.S[0..1]).
#define QACT \
	VLD1.P	32(R15), [V8.B16, V9.B16]; \
	VLD1.P	4(R16), V18.S[3]

// QFINISH turns the running sums V0..V7 into this block's float
// contribution: po0, po1 hold the previous reductions, pn0, pn1 receive
// the current ones.
#define QFINISH(po0, po1, pn0, pn1) \
	ADDP_4S(26, 0, 1); \
	ADDP_4S(27, 2, 3); \
	ADDP_4S(pn0, 26, 27); \
	ADDP_4S(28, 4, 5); \
	ADDP_4S(29, 6, 7); \
	ADDP_4S(pn1, 28, 29); \
	SUB_4S(26, pn0, po0); \
	SUB_4S(27, pn1, po1); \
	SCVTF_4S(26, 26); \
	SCVTF_4S(27, 27); \
	FCVTL_4S(28, 18); \
	FCVTL_4S(29, 19); \
	FMUL_4S_ELEM(28, 28, 18, 3); \
	FMUL_4S_ELEM(29, 29, 18, 3); \
	FMLA_4S(24, 26, 28); \
	FMLA_4S(25, 27, 29)

// QGROUPSTART points R7..R14 at the 8 rows from R2, rewinds the
// activation cursors and clears the sums.
#define QGROUPSTART \
	MOVD	R2, R7; \
	ADD	R3, R7, R8; \
	ADD	R3, R8, R9; \
	ADD	R3, R9, R10; \
	ADD	R3, R10, R11; \
	ADD	R3, R11, R12; \
	ADD	R3, R12, R13; \
	ADD	R3, R13, R14; \
	MOVD	R4, R15; \
	MOVD	R5, R16; \
	LSR	$1, R6, R17; \
	VEOR	V0.B16, V0.B16, V0.B16; \
	VEOR	V1.B16, V1.B16, V1.B16; \
	VEOR	V2.B16, V2.B16, V2.B16; \
	VEOR	V3.B16, V3.B16, V3.B16; \
	VEOR	V4.B16, V4.B16, V4.B16; \
	VEOR	V5.B16, V5.B16, V5.B16; \
	VEOR	V6.B16, V6.B16, V6.B16; \
	VEOR	V7.B16, V7.B16, V7.B16; \
	VEOR	V20.B16, V20.B16, V20.B16; \
	VEOR	V21.B16, V21.B16, V21.B16; \
	VEOR	V24.B16, V24.B16, V24.B16; \
	VEOR	V25.B16, V25.B16, V25.B16

// QSCALE multiplies the 8 float sums V24, V25 by the float32 constant
// with bits c (R19 and V26 are scratch).
#define QSCALE(c) \
	MOVW	$c, R19; \
	VDUP	R19, V26.S4; \
	FMUL_4S(24, 24, 26); \
	FMUL_4S(25, 25, 26)

// QGROUPEND stores the 8 sums and moves to the next group (R14 has
// advanced exactly to the row after the group).
#define QGROUPEND \
	VST1.P	[V24.S4, V25.S4], 32(R0); \
	MOVD	R14, R2; \
	SUB	$8, R1, R1

// QROW1START / QROW1END frame the one-row loop for the last rows%8 rows.
// It computes each row with the same operations, in the same order, as the
// 8-row loop (lane 0 of every vector), so results do not depend on the
// grouping.
#define QROW1START \
	MOVD	R2, R7; \
	MOVD	R4, R15; \
	MOVD	R5, R16; \
	MOVD	R6, R17; \
	VEOR	V24.B16, V24.B16, V24.B16

#define QROW1FINISH \
	ADDP_4S(0, 0, 0); \
	ADDP_4S(0, 0, 0); \
	SCVTF_4S(0, 0); \
	FCVTL_4S(28, 18); \
	FMUL_4S_ELEM(28, 28, 18, 3); \
	FMLA_4S(24, 0, 28)

#define QROW1END \
	VST1.P	V24.S[0], 4(R0); \
	MOVD	R7, R2; \
	SUBS	$1, R1, R1

#define QARGS \
	MOVD	out+0(FP), R0; \
	MOVD	rows+8(FP), R1; \
	MOVD	w+16(FP), R2; \
	MOVD	rowBytes+24(FP), R3; \
	MOVD	xq+32(FP), R4; \
	MOVD	xd+40(FP), R5; \
	MOVD	nb+48(FP), R6

