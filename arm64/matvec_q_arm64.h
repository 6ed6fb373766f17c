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

// QGROUPSTARTRUN is QGROUPSTART for a kernel that keeps the running sums
// V0..V7 going from group to group (they are only ever differenced, mod
// 2^32): instead of zeroing them, V20, V21 hold their reduction when a
// group starts — zero after QRUNINIT at the kernel's start, and the last
// block's reduction after every group (QRUNODD moves it to V20, V21 after
// an odd number of blocks). 10 instructions fewer per 8 rows. R17 counts
// quads of blocks (the Q8_0 loop is unrolled 4 times).
#define QGROUPSTARTRUN \
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
	LSR	$2, R6, R17; \
	VEOR	V24.B16, V24.B16, V24.B16; \
	VEOR	V25.B16, V25.B16, V25.B16

#define QRUNINIT \
	VEOR	V0.B16, V0.B16, V0.B16; \
	VEOR	V1.B16, V1.B16, V1.B16; \
	VEOR	V2.B16, V2.B16, V2.B16; \
	VEOR	V3.B16, V3.B16, V3.B16; \
	VEOR	V4.B16, V4.B16, V4.B16; \
	VEOR	V5.B16, V5.B16, V5.B16; \
	VEOR	V6.B16, V6.B16, V6.B16; \
	VEOR	V7.B16, V7.B16, V7.B16; \
	VEOR	V20.B16, V20.B16, V20.B16; \
	VEOR	V21.B16, V21.B16, V21.B16

#define QRUNODD \
	VMOV	V22.B16, V20.B16; \
	VMOV	V23.B16, V21.B16

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


// QSUMS_DOT adds the products of one row's codes l (values 0–15) and h
// (16–31) with the block's activations V8, V9 to its int32 sums a.
// QSUMS_V80 does so on ARMv8.0 through the int16 scratch register t: four
// products per int16 lane, which fit for every type here (a code times an
// activation is at most 31·128 in magnitude; IQ4_NL's grid values are
// larger and take NLMUL's two lanes).
#define QSUMS_DOT(a, l, h) \
	SDOT_4S(a, l, 8); \
	SDOT_4S(a, h, 9)

#define QSUMS_V80(a, l, h, t) \
	SMULL_8H(t, l, 8); \
	SMLAL2_8H(t, l, 8); \
	SMLAL_8H(t, h, 9); \
	SMLAL2_8H(t, h, 9); \
	SADALP_4S(a, t)

// QFINISHM and QROW1FINISHM are QFINISH and QROW1FINISH plus m·xs, for the
// types with an offset (Q4_1, Q5_1): V30 holds the rows' m (H[0..7]) and
// V19.S[3] the block's xs.
#define QFINISHM(po0, po1, pn0, pn1) \
	QFINISH(po0, po1, pn0, pn1); \
	FCVTL_4S(28, 30); \
	FCVTL2_4S(29, 30); \
	FMLA_4S_ELEM(24, 28, 19, 3); \
	FMLA_4S_ELEM(25, 29, 19, 3)

#define QROW1FINISHM \
	QROW1FINISH; \
	FCVTL_4S(28, 30); \
	FMLA_4S_ELEM(24, 28, 19, 3)

// QNONE is an empty step, for the QLOOPS hooks a type does not need.
#define QNONE

// QLOOPS is the body of an 8-rows-at-a-time kernel after QARGS and the
// type's constants: the groups of 8 rows, two blocks per iteration so
// that the previous reductions alternate between V20, V21 and V22, V23
// (see QFINISH), then the last rows%8 rows one at a time. BLOCK8(MUL,
// po0, po1, pn0, pn1) is one block of the group's 8 rows and ROW1(MUL)
// one block of the row at R7; MUL multiplies one row's block into its
// sum. RESET rewinds a type's own cursor (block sums, corrections) at the
// start of each group and each row; SCALE is applied to the float sums
// before they are stored. Labels are local to a TEXT symbol, so every
// kernel that expands this has its own.
#define QLOOPS(BLOCK8, ROW1, MUL, RESET, SCALE) \
group: \
	CMP	$8, R1; \
	BLT	tail; \
	QGROUPSTART; \
	RESET; \
	CBZ	R17, odd; \
pair: \
	BLOCK8(MUL, 20, 21, 22, 23); \
	BLOCK8(MUL, 22, 23, 20, 21); \
	SUBS	$1, R17, R17; \
	BNE	pair; \
odd: \
	TBZ	$0, R6, store; \
	BLOCK8(MUL, 20, 21, 22, 23); \
store: \
	SCALE; \
	QGROUPEND; \
	B	group; \
tail: \
	CBZ	R1, done; \
row: \
	QROW1START; \
	RESET; \
row_block: \
	ROW1(MUL); \
	SUBS	$1, R17, R17; \
	BNE	row_block; \
	SCALE; \
	QROW1END; \
	BNE	row; \
done: \
	RET

// The types whose blocks end in Q4_0's 16 bytes of nibbles (element j in
// the low nibble of byte j, j+16 in the high one): Q4_0 and IQ4_NL, whose
// 18-byte blocks hold just an fp16 scale before them (QNIBLOAD,
// QNIBBLOCK8, QNIBROW1), and Q4_1 (QNIBDOTU, QNIBMULU).

// QNIBLOAD loads one row's block from p: its scale into s, its 16 bytes
// into w.
#define QNIBLOAD(p, s, w) \
	VLD1.P	2(p), s; \
	VLD1.P	16(p), [w]

// QNIBDOTU adds one row's block products to its running sum a with the
// nibbles taken unsigned, 0..15 (V31 = 0x0F in every byte): w holds the
// packed block and is clobbered, l is scratch, t unused. QNIBMULU is
// QNIBDOTU for ARMv8.0, t an int16 scratch register: the products are at
// most 15·128, so four of them fit an int16 lane.
#define QNIBDOTU(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	QSUMS_DOT(a, l, w)

#define QNIBMULU(a, w, l, t) \
	AND_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	QSUMS_V80(a, l, w, t)

// QNIBBLOCK8X is one block of the 8 rows: ACT loads the activations, MUL
// (a, w, l, t) multiplies a row's block in w into its sum a (l, t
// scratch), FINISH reduces as QFINISH does.
#define QNIBBLOCK8X(ACT, FINISH, MUL, po0, po1, pn0, pn1) \
	ACT; \
	QNIBLOAD(R7, V18.H[0], V10.B16); \
	QNIBLOAD(R8, V18.H[1], V12.B16); \
	QNIBLOAD(R9, V18.H[2], V14.B16); \
	QNIBLOAD(R10, V18.H[3], V16.B16); \
	MUL(0, 10, 11, 26); \
	MUL(1, 12, 13, 27); \
	MUL(2, 14, 15, 28); \
	MUL(3, 16, 17, 29); \
	QNIBLOAD(R11, V19.H[0], V10.B16); \
	QNIBLOAD(R12, V19.H[1], V12.B16); \
	QNIBLOAD(R13, V19.H[2], V14.B16); \
	QNIBLOAD(R14, V19.H[3], V16.B16); \
	MUL(4, 10, 11, 26); \
	MUL(5, 12, 13, 27); \
	MUL(6, 14, 15, 28); \
	MUL(7, 16, 17, 29); \
	FINISH(po0, po1, pn0, pn1)

// QNIBROW1X is QNIBBLOCK8X for the one row at R7 (lane 0 of V24).
#define QNIBROW1X(ACT, ROW1FINISH, MUL) \
	ACT; \
	QNIBLOAD(R7, V18.H[0], V10.B16); \
	VEOR	V0.B16, V0.B16, V0.B16; \
	MUL(0, 10, 11, 26); \
	ROW1FINISH

// QNIBBLOCK8 and QNIBROW1 are the forms for QLOOPS with the plain
// activations and reductions.
#define QNIBBLOCK8(MUL, po0, po1, pn0, pn1) QNIBBLOCK8X(QACT, QFINISH, MUL, po0, po1, pn0, pn1)
#define QNIBROW1(MUL) QNIBROW1X(QACT, QROW1FINISH, MUL)

// The fifth bit of Q5_0 and Q5_1 codes (matvec_q5_0_arm64.s,
// matvec_q5_1_arm64.s). Q5LOADC loads ·q5Consts (at R19): V26 the bit of
// each lane, V27, V28 the TBL indices that spread qh's bytes. Q5SPREAD
// leaves in each lane of l (values 0–15) and h (16–31, holding qh in its
// first word on entry) its own qh bit; Q5INSERT puts the nibbles of w
// (clobbered) into the low four bits of l and h.
#define Q5LOADC \
	VLD1	(R19), [V26.B16, V27.B16, V28.B16]

#define Q5SPREAD(l, h) \
	TBL_16B(l, h, 27); \
	TBL_16B(h, h, 28); \
	AND_16B(l, l, 26); \
	AND_16B(h, h, 26)

#define Q5INSERT(w, l, h) \
	BIT_16B(l, w, 31); \
	USHR_16B(w, w, 4); \
	BIT_16B(h, w, 31)
