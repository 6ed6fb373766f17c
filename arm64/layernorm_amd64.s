//go:build !purego

#include "textflag.h"
#include "hsum_amd64.h"

// LayerNorm in three passes over x with the generic twin's arithmetic but
// 8 partial sums per pass (then the n mod 8 last values one by one):
// mean = Σx/n, var = Σ(x−mean)²/n, inv = float32(1/sqrt(float64(var+eps))),
// out = ((x−mean)·inv)·w + b (one fused multiply-add); scalars are loaded
// with VMOVSS (see matvec_f_amd64.s). out may be x: each
// out[i] is written after x[i] is read.
//
// Registers: DI out, SI x, R8 w, R9 b, CX n, BX n rounded down to 8,
// DX index; X3 float32(n), X4/Y4 mean, X5/Y5 inv.

// func layerNormAVX2(out, x, w, b *float32, n int, eps float32)
// n ≥ 1.
TEXT ·layerNormAVX2(SB), NOSPLIT, $0-44
	MOVQ      out+0(FP), DI
	MOVQ      x+8(FP), SI
	MOVQ      w+16(FP), R8
	MOVQ      b+24(FP), R9
	MOVQ      n+32(FP), CX
	MOVQ      CX, BX
	ANDQ      $-8, BX
	VCVTSI2SSQ CX, X3, X3

	// pass 1: Σx
	VXORPS Y0, Y0, Y0
	XORQ   DX, DX

sum8:
	CMPQ    DX, BX
	JGE     sumtail
	VADDPS  (SI)(DX*4), Y0, Y0
	ADDQ    $8, DX
	JMP     sum8

sumtail:
	HSUM(Y0, X0, X1)

sum1:
	CMPQ   DX, CX
	JGE    mean
	VMOVSS (SI)(DX*4), X1
	VADDSS X1, X0, X0
	INCQ   DX
	JMP    sum1

mean:
	VDIVSS       X3, X0, X4
	VBROADCASTSS X4, Y4

	// pass 2: Σ(x−mean)²
	VXORPS Y0, Y0, Y0
	XORQ   DX, DX

var8:
	CMPQ        DX, BX
	JGE         vartail
	VMOVUPS     (SI)(DX*4), Y1
	VSUBPS      Y4, Y1, Y1
	VFMADD231PS Y1, Y1, Y0
	ADDQ        $8, DX
	JMP         var8

vartail:
	HSUM(Y0, X0, X1)

var1:
	CMPQ        DX, CX
	JGE         inv
	VMOVSS      (SI)(DX*4), X1
	VSUBSS      X4, X1, X1
	VFMADD231SS X1, X1, X0
	INCQ        DX
	JMP         var1

inv:
	VDIVSS       X3, X0, X0
	VADDSS       eps+40(FP), X0, X0
	VCVTSS2SD    X0, X0, X0
	VSQRTSD      X0, X0, X0
	MOVQ         $0x3ff0000000000000, AX // 1.0
	VMOVQ        AX, X1
	VDIVSD       X0, X1, X0
	VCVTSD2SS    X0, X0, X5
	VBROADCASTSS X5, Y5

	// pass 3: ((x−mean)·inv)·w + b
	XORQ DX, DX

out8:
	CMPQ        DX, BX
	JGE         out1
	VMOVUPS     (SI)(DX*4), Y1
	VSUBPS      Y4, Y1, Y1
	VMULPS      Y5, Y1, Y1
	VMOVUPS     (R9)(DX*4), Y2
	VFMADD132PS (R8)(DX*4), Y2, Y1
	VMOVUPS     Y1, (DI)(DX*4)
	ADDQ        $8, DX
	JMP         out8

out1:
	CMPQ        DX, CX
	JGE         done
	VMOVSS      (SI)(DX*4), X1
	VSUBSS      X4, X1, X1
	VMULSS      X5, X1, X1
	VMOVSS      (R9)(DX*4), X2
	VMOVSS      (R8)(DX*4), X6
	VFMADD132SS X6, X2, X1
	VMOVSS      X1, (DI)(DX*4)
	INCQ        DX
	JMP         out1

done:
	VZEROUPPER
	RET
