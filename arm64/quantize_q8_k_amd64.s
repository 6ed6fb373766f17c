//go:build !purego

#include "textflag.h"

// QuantizeQ8_K on AVX2: one 256-value block per iteration, the arithmetic
// of quantizeQ8_KGeneric exactly.
//
// The peak (the first value of largest magnitude, whose sign sets d's) is
// found from the block's largest and smallest values, vmax and vmin (from
// 0; VMAXPS and VMINPS keep the running value where an input is NaN, which
// the twin's a > amax skips too): the peak is vmax when vmax > −vmin, vmin
// when −vmin > vmax. When they are equal (a positive and a negative value
// of the same magnitude, or a block of zeros) a scan finds the first value
// of that magnitude (none, for a block of zeros and NaN: peak 0). Then
// iscale = −127/peak (VDIVSS); a block whose iscale is infinite (peak 0 or
// tiny) gets d = 0, zero codes and sums; otherwise d = 1/iscale and each
// code is iscale·x rounded to nearest even (VCVTPS2DQ under the default
// MXCSR), packed with saturation (|iscale·x| < 127.5) and kept ≥ −127.
// The 16-value sums: VPMADDUBSW of bytes 1 with the codes gives pair sums
// in int16, three rounds of VPHADDW the sums of 16 (the even groups in
// the low lanes, the odd in the high), interleaved back in order.
//
//	DI q, DX d, R8 s, SI x, CX blocks left; Y0–Y9 scratch (X8 vmax,
//	X9 vmin, X3 peak, Y5 iscale), Y10 bytes 1, X11 +Inf, X12 1.0,
//	X13 −127.0, Y14 q8kperm, Y15 the |·| mask

// Lane order after the two packs: dwords 0,4,1,5,2,6,3,7 hold codes
// 0..3, 4..7, …; VPERMD puts them back in order.
DATA q8kperm<>+0(SB)/4, $0
DATA q8kperm<>+4(SB)/4, $4
DATA q8kperm<>+8(SB)/4, $1
DATA q8kperm<>+12(SB)/4, $5
DATA q8kperm<>+16(SB)/4, $2
DATA q8kperm<>+20(SB)/4, $6
DATA q8kperm<>+24(SB)/4, $3
DATA q8kperm<>+28(SB)/4, $7
GLOBL q8kperm<>(SB), RODATA|NOPTR, $32

DATA q8kmin<>+0(SB)/8, $0x8181818181818181
DATA q8kmin<>+8(SB)/8, $0x8181818181818181
DATA q8kmin<>+16(SB)/8, $0x8181818181818181
DATA q8kmin<>+24(SB)/8, $0x8181818181818181
GLOBL q8kmin<>(SB), RODATA|NOPTR, $32

// MINMAX folds the 32 values at o(SI) into vmax (Y8) and vmin (Y9).
#define MINMAX(o) \
	VMOVUPS o(SI), Y0;    \
	VMOVUPS o+32(SI), Y1; \
	VMOVUPS o+64(SI), Y2; \
	VMOVUPS o+96(SI), Y3; \
	VMAXPS  Y8, Y0, Y8;   \
	VMINPS  Y9, Y0, Y9;   \
	VMAXPS  Y8, Y1, Y8;   \
	VMINPS  Y9, Y1, Y9;   \
	VMAXPS  Y8, Y2, Y8;   \
	VMINPS  Y9, Y2, Y9;   \
	VMAXPS  Y8, Y3, Y8;   \
	VMINPS  Y9, Y3, Y9

// QUANT32 quantizes the 32 values at o(SI) to the codes at c(DI) and
// leaves their pair sums (int16) in r.
#define QUANT32(o, c, r) \
	VMULPS     o(SI), Y5, Y0;        \
	VMULPS     o+32(SI), Y5, Y1;     \
	VMULPS     o+64(SI), Y5, Y2;     \
	VMULPS     o+96(SI), Y5, Y3;     \
	VCVTPS2DQ  Y0, Y0;               \
	VCVTPS2DQ  Y1, Y1;               \
	VCVTPS2DQ  Y2, Y2;               \
	VCVTPS2DQ  Y3, Y3;               \
	VPACKSSDW  Y1, Y0, Y0;           \
	VPACKSSDW  Y3, Y2, Y2;           \
	VPACKSSWB  Y2, Y0, Y0;           \
	VPERMD     Y0, Y14, Y0;          \
	VPMAXSB    q8kmin<>(SB), Y0, Y0; \
	VMOVDQU    Y0, c(DI);            \
	VPMADDUBSW Y0, Y10, r

// func quantizeQ8_KAVX2(q *int8, d *float32, s *int16, x *float32, nb int)
// nb ≥ 1.
TEXT ·quantizeQ8_KAVX2(SB), NOSPLIT, $0-40
	MOVQ         q+0(FP), DI
	MOVQ         d+8(FP), DX
	MOVQ         s+16(FP), R8
	MOVQ         x+24(FP), SI
	MOVQ         nb+32(FP), CX
	MOVL         $0x7fffffff, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	VMOVDQU      q8kperm<>(SB), Y14
	MOVL         $0xc2fe0000, AX // −127.0
	VMOVD        AX, X13
	MOVL         $0x3f800000, AX // 1.0
	VMOVD        AX, X12
	MOVL         $0x7f800000, AX // +Inf
	VMOVD        AX, X11
	MOVL         $0x01010101, AX
	VMOVD        AX, X10
	VPBROADCASTD X10, Y10

block:
	VXORPS       Y8, Y8, Y8
	VXORPS       Y9, Y9, Y9
	MINMAX(0)
	MINMAX(128)
	MINMAX(256)
	MINMAX(384)
	MINMAX(512)
	MINMAX(640)
	MINMAX(768)
	MINMAX(896)
	VEXTRACTF128 $1, Y8, X0
	VMAXPS       X0, X8, X8
	VMOVHLPS     X8, X8, X0
	VMAXPS       X0, X8, X8
	VMOVSHDUP    X8, X0
	VMAXSS       X0, X8, X8 // vmax
	VEXTRACTF128 $1, Y9, X0
	VMINPS       X0, X9, X9
	VMOVHLPS     X9, X9, X0
	VMINPS       X0, X9, X9
	VMOVSHDUP    X9, X0
	VMINSS       X0, X9, X9 // vmin
	VANDPS       X15, X9, X1 // −vmin
	VCMPSS       $1, X8, X1, X2 // −vmin < vmax
	VBLENDVPS    X2, X8, X9, X3 // peak, unless a tie
	VCMPSS       $0, X8, X1, X2 // −vmin == vmax
	VMOVMSKPS    X2, AX
	TESTL        $1, AX
	JZ           peak
	VBROADCASTSS X8, Y4
	XORQ         R9, R9

scan:
	VANDPS    (SI)(R9*1), Y15, Y0
	VCMPPS    $0, Y4, Y0, Y0
	VMOVMSKPS Y0, R10
	TESTL     R10, R10
	JNZ       found
	ADDQ      $32, R9
	CMPQ      R9, $1024
	JLT       scan
	VXORPS    X3, X3, X3
	JMP       peak

found:
	BSFL   R10, R10
	LEAQ   (R9)(R10*4), R9
	VMOVSS (SI)(R9*1), X3

peak:
	VDIVSS    X3, X13, X5 // iscale = −127/peak
	VANDPS    X15, X5, X0
	VCMPSS    $0, X11, X0, X0 // |iscale| == +Inf
	VMOVMSKPS X0, AX
	TESTL     $1, AX
	JNZ       zero
	VDIVSS    X5, X12, X0 // d = 1/iscale
	VMOVSS    X0, (DX)
	VBROADCASTSS X5, Y5
	QUANT32(0, 0, Y6)
	QUANT32(128, 32, Y7)
	VPHADDW Y7, Y6, Y6
	QUANT32(256, 64, Y7)
	QUANT32(384, 96, Y8)
	VPHADDW Y8, Y7, Y7
	VPHADDW Y7, Y6, Y6
	QUANT32(512, 128, Y7)
	QUANT32(640, 160, Y8)
	VPHADDW Y8, Y7, Y7
	QUANT32(768, 192, Y8)
	QUANT32(896, 224, Y9)
	VPHADDW Y9, Y8, Y8
	VPHADDW Y8, Y7, Y7
	VPHADDW Y7, Y6, Y6
	VEXTRACTI128 $1, Y6, X1
	VPUNPCKLWD   X1, X6, X2
	VPUNPCKHWD   X1, X6, X3
	VMOVDQU      X2, (R8)
	VMOVDQU      X3, 16(R8)
	JMP          next

zero:
	VXORPS  Y0, Y0, Y0
	VMOVSS  X0, (DX)
	VMOVDQU Y0, (DI)
	VMOVDQU Y0, 32(DI)
	VMOVDQU Y0, 64(DI)
	VMOVDQU Y0, 96(DI)
	VMOVDQU Y0, 128(DI)
	VMOVDQU Y0, 160(DI)
	VMOVDQU Y0, 192(DI)
	VMOVDQU Y0, 224(DI)
	VMOVDQU Y0, (R8)

next:
	ADDQ $1024, SI
	ADDQ $256, DI
	ADDQ $4, DX
	ADDQ $32, R8
	DECQ CX
	JNZ  block
	VZEROUPPER
	RET
