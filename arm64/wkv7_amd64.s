//go:build !purego

#include "textflag.h"
#include "hsum_amd64.h"

// WKV7 for a head of 64 with AVX2+FMA, one state row (64 values, 8
// vectors) at a time: sa = Σ S_ij·kk_j with two sums, then
// S_ij = S_ij·w_j + v_i·k_j − sa·(kk_j·a_j) (the kk·a products computed
// once, in Y5..Y12) is stored and y_i = Σ S_ij·r_j with two sums.
//
// Registers: SI state row, R8 r, R9 w, R10 k, R11 v cursor, R12 kk, R13
// a, DI y cursor, CX rows left; Y0, Y1 sa's sums, Y3, Y4 y's sums, Y2
// scratch, Y14 sa, Y15 v_i.

// KKA sets y to kk·a for the 8 columns at byte offset o.
#define KKA(o, y) VMOVUPS o(R12), y; VMULPS o(R13), y, y

// SA adds the state times kk of the 8 columns at o into acc.
#define SA(o, acc) VMOVUPS o(SI), Y2; VFMADD231PS o(R12), Y2, acc

// UPD updates the 8 state values at o (kka their kk·a) and adds them
// times r into acc.
#define UPD(o, kka, acc) \
	VMOVUPS      o(SI), Y2;        \
	VMULPS       o(R9), Y2, Y2;    \
	VFMADD231PS  o(R10), Y15, Y2;  \
	VFNMADD231PS kka, Y14, Y2;     \
	VMOVUPS      Y2, o(SI);        \
	VFMADD231PS  o(R8), Y2, acc

// func wkv7AVX2(s, r, w, k, v, kk, a, y *float32)
TEXT ·wkv7AVX2(SB), NOSPLIT, $0-64
	MOVQ s+0(FP), SI
	MOVQ r+8(FP), R8
	MOVQ w+16(FP), R9
	MOVQ k+24(FP), R10
	MOVQ v+32(FP), R11
	MOVQ kk+40(FP), R12
	MOVQ a+48(FP), R13
	MOVQ y+56(FP), DI
	KKA(0, Y5); KKA(32, Y6); KKA(64, Y7); KKA(96, Y8)
	KKA(128, Y9); KKA(160, Y10); KKA(192, Y11); KKA(224, Y12)
	MOVQ $64, CX

row:
	VMOVUPS 0(SI), Y0
	VMULPS  0(R12), Y0, Y0
	VMOVUPS 32(SI), Y1
	VMULPS  32(R12), Y1, Y1
	SA(64, Y0); SA(96, Y1); SA(128, Y0); SA(160, Y1); SA(192, Y0); SA(224, Y1)
	VADDPS       Y1, Y0, Y0
	HSUM(Y0, X0, X1)
	VBROADCASTSS X0, Y14
	VBROADCASTSS (R11), Y15
	VXORPS       Y3, Y3, Y3
	VXORPS       Y4, Y4, Y4
	UPD(0, Y5, Y3); UPD(32, Y6, Y4); UPD(64, Y7, Y3); UPD(96, Y8, Y4)
	UPD(128, Y9, Y3); UPD(160, Y10, Y4); UPD(192, Y11, Y3); UPD(224, Y12, Y4)
	VADDPS       Y4, Y3, Y3
	HSUM(Y3, X3, X0)
	VMOVSS       X3, 0(DI)
	ADDQ         $256, SI
	ADDQ         $4, R11
	ADDQ         $4, DI
	DECQ         CX
	JNZ          row
	VZEROUPPER
	RET
