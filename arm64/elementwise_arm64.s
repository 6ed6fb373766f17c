//go:build !purego

#include "textflag.h"
#include "neon_arm64.h"

// The element-wise kernels of elementwise.go: 16 values per iteration,
// then 4, then one at a time in lane 0 (the other lanes compute garbage
// that is never stored), every value with the same single operation.

// BINARY is the body of a kernel out_i = a_i op b_i (n ≥ 1), op one of
// FADD_4S, FSUB_4S, FMUL_4S.
#define BINARY(OP, l16, l4, l4loop, l1, l1loop, done) \
	MOVD	out+0(FP), R0; \
	MOVD	a+8(FP), R1; \
	MOVD	b+16(FP), R2; \
	MOVD	n+24(FP), R4; \
	SUBS	$16, R4, R7; \
	BLT	l4; \
l16: \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]; \
	OP(0, 0, 4); \
	OP(1, 1, 5); \
	OP(2, 2, 6); \
	OP(3, 3, 7); \
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0); \
	SUBS	$16, R7, R7; \
	BGE	l16; \
l4: \
	ADDS	$12, R7, R7; \
	BLT	l1; \
l4loop: \
	VLD1.P	16(R1), [V0.S4]; \
	VLD1.P	16(R2), [V4.S4]; \
	OP(0, 0, 4); \
	VST1.P	[V0.S4], 16(R0); \
	SUBS	$4, R7, R7; \
	BGE	l4loop; \
l1: \
	ADDS	$4, R7, R7; \
	BEQ	done; \
l1loop: \
	VLD1.P	4(R1), V0.S[0]; \
	VLD1.P	4(R2), V4.S[0]; \
	OP(0, 0, 4); \
	VST1.P	V0.S[0], 4(R0); \
	SUBS	$1, R7, R7; \
	BNE	l1loop; \
done: \
	RET

// func lerpNEON(out, x, d, mix *float32, n, rows int)
// n ≥ 1, rows ≥ 1: out_i = x_i + d_i·mix_{i mod n} (FMLA, fused).
TEXT ·lerpNEON(SB), NOSPLIT, $0-48
	MOVD	out+0(FP), R0
	MOVD	x+8(FP), R1
	MOVD	d+16(FP), R2
	MOVD	mix+24(FP), R3
	MOVD	n+32(FP), R4
	MOVD	rows+40(FP), R5

lerp_row:
	MOVD	R3, R6
	SUBS	$16, R4, R7
	BLT	lerp_4

lerp_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P	64(R6), [V16.S4, V17.S4, V18.S4, V19.S4]
	FMLA_4S(0, 4, 16)
	FMLA_4S(1, 5, 17)
	FMLA_4S(2, 6, 18)
	FMLA_4S(3, 7, 19)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS	$16, R7, R7
	BGE	lerp_16

lerp_4:
	ADDS	$12, R7, R7
	BLT	lerp_1

lerp_4loop:
	VLD1.P	16(R1), [V0.S4]
	VLD1.P	16(R2), [V4.S4]
	VLD1.P	16(R6), [V16.S4]
	FMLA_4S(0, 4, 16)
	VST1.P	[V0.S4], 16(R0)
	SUBS	$4, R7, R7
	BGE	lerp_4loop

lerp_1:
	ADDS	$4, R7, R7
	BEQ	lerp_next

lerp_1loop:
	VLD1.P	4(R1), V0.S[0]
	VLD1.P	4(R2), V4.S[0]
	VLD1.P	4(R6), V16.S[0]
	FMLA_4S(0, 4, 16)
	VST1.P	V0.S[0], 4(R0)
	SUBS	$1, R7, R7
	BNE	lerp_1loop

lerp_next:
	SUBS	$1, R5, R5
	BNE	lerp_row
	RET

// func addNEON(out, a, b *float32, n int)
TEXT ·addNEON(SB), NOSPLIT, $0-32
	BINARY(FADD_4S, add_16, add_4, add_4loop, add_1, add_1loop, add_done)

// func subNEON(out, a, b *float32, n int)
TEXT ·subNEON(SB), NOSPLIT, $0-32
	BINARY(FSUB_4S, sub_16, sub_4, sub_4loop, sub_1, sub_1loop, sub_done)

// func mulNEON(out, a, b *float32, n int)
TEXT ·mulNEON(SB), NOSPLIT, $0-32
	BINARY(FMUL_4S, mul_16, mul_4, mul_4loop, mul_1, mul_1loop, mul_done)

// func reluSquareNEON(out, x *float32, n int)
// n ≥ 1: out_i = max(x_i, 0)² (FMAX keeps NaN, as Go's max).
TEXT ·reluSquareNEON(SB), NOSPLIT, $0-24
	MOVD	out+0(FP), R0
	MOVD	x+8(FP), R1
	MOVD	n+16(FP), R4
	VEOR	V31.B16, V31.B16, V31.B16
	SUBS	$16, R4, R7
	BLT	relu_4

relu_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMAX_4S(0, 0, 31)
	FMAX_4S(1, 1, 31)
	FMAX_4S(2, 2, 31)
	FMAX_4S(3, 3, 31)
	FMUL_4S(0, 0, 0)
	FMUL_4S(1, 1, 1)
	FMUL_4S(2, 2, 2)
	FMUL_4S(3, 3, 3)
	VST1.P	[V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS	$16, R7, R7
	BGE	relu_16

relu_4:
	ADDS	$12, R7, R7
	BLT	relu_1

relu_4loop:
	VLD1.P	16(R1), [V0.S4]
	FMAX_4S(0, 0, 31)
	FMUL_4S(0, 0, 0)
	VST1.P	[V0.S4], 16(R0)
	SUBS	$4, R7, R7
	BGE	relu_4loop

relu_1:
	ADDS	$4, R7, R7
	BEQ	relu_done

relu_1loop:
	VLD1.P	4(R1), V0.S[0]
	FMAX_4S(0, 0, 31)
	FMUL_4S(0, 0, 0)
	VST1.P	V0.S[0], 4(R0)
	SUBS	$1, R7, R7
	BNE	relu_1loop

relu_done:
	RET

// func maxNEON(x *float32, n int) float32
// n ≥ 1. FMAX propagates NaN and orders −0 < +0, as Go's max; max is
// associative and commutative under those rules, so the order of the
// reduction does not matter.
TEXT ·maxNEON(SB), NOSPLIT, $0-20
	MOVD	x+0(FP), R1
	MOVD	n+8(FP), R4
	MOVW	$0xff800000, R2
	VDUP	R2, V4.S4
	VMOV	V4.B16, V5.B16
	VMOV	V4.B16, V6.B16
	VMOV	V4.B16, V7.B16
	SUBS	$16, R4, R7
	BLT	max_4

max_16:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMAX_4S(4, 4, 0)
	FMAX_4S(5, 5, 1)
	FMAX_4S(6, 6, 2)
	FMAX_4S(7, 7, 3)
	SUBS	$16, R7, R7
	BGE	max_16

max_4:
	FMAX_4S(4, 4, 5)
	FMAX_4S(6, 6, 7)
	FMAX_4S(4, 4, 6)
	ADDS	$12, R7, R7
	BLT	max_1

max_4loop:
	VLD1.P	16(R1), [V0.S4]
	FMAX_4S(4, 4, 0)
	SUBS	$4, R7, R7
	BGE	max_4loop

max_1:
	ADDS	$4, R7, R7
	BEQ	max_done
	VDUP	R2, V0.S4

max_1loop:
	VLD1.P	4(R1), V0.S[0]
	FMAX_4S(4, 4, 0)
	SUBS	$1, R7, R7
	BNE	max_1loop

max_done:
	FMAXV_S(4, 4)
	FMOVS	F4, ret+16(FP)
	RET

// func indexNEON(x *float32, n int, v float32) int
// n ≥ 1: the first i with x_i == v (FCMEQ: ±0 equal, NaN never), or n.
// 16 values are compared at a time; the block that holds a match is
// searched again one value at a time.
TEXT ·indexNEON(SB), NOSPLIT, $0-32
	MOVD	x+0(FP), R1
	MOVD	n+8(FP), R4
	FMOVS	v+16(FP), F20
	VDUP	V20.S[0], V20.S4
	MOVD	R1, R0
	SUBS	$16, R4, R7
	BLT	index_1

index_16:
	VLD1	(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FCMEQ_4S(0, 0, 20)
	FCMEQ_4S(1, 1, 20)
	FCMEQ_4S(2, 2, 20)
	FCMEQ_4S(3, 3, 20)
	VORR	V0.B16, V1.B16, V0.B16
	VORR	V2.B16, V3.B16, V2.B16
	VORR	V0.B16, V2.B16, V0.B16
	VMOV	V0.D[0], R2
	VMOV	V0.D[1], R3
	ORR	R2, R3, R2
	CBNZ	R2, index_block
	ADD	$64, R1, R1
	SUBS	$16, R7, R7
	BGE	index_16

index_1:
	ADDS	$16, R7, R7
	BEQ	index_none
	B	index_1loop

index_block:
	MOVD	$16, R7 // the match is among these 16

index_1loop:
	FMOVS	(R1), F0
	FCMPS	F0, F20
	BEQ	index_at
	ADD	$4, R1, R1
	SUBS	$1, R7, R7
	BNE	index_1loop

index_none:
	MOVD	R4, ret+24(FP)
	RET

index_at:
	SUB	R0, R1, R1
	LSR	$2, R1, R1
	MOVD	R1, ret+24(FP)
	RET
