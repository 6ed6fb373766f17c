//go:build !purego

#include "textflag.h"

// Sigmoid and Decay (activation.go) in float32 with AVX2+FMA, 8 values a
// step, with the NEON kernel's exp (activation_arm64.s): exp(x) = 2^n·e^r
// with n = round(x·log2 e), r = x − n·ln 2 (ln 2 split in a 9-bit head and
// a tail), e^r = 1 + r + r²·q(r) with q of degree 5, and 2^n added to the
// exponent bits; x is clamped to [−86, 88] first (x as the second operand
// of VMAXPS and VMINPS, which return it when it is NaN, so NaN goes
// through as in the generic twins). Every constant is held in 8 lanes
// (actConstsAVX).
DATA	·actConstsAVX<>+0(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+4(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+8(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+12(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+16(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+20(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+24(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+28(SB)/4, $0xc2ac0000
DATA	·actConstsAVX<>+32(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+36(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+40(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+44(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+48(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+52(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+56(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+60(SB)/4, $0x42b00000
DATA	·actConstsAVX<>+64(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+68(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+72(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+76(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+80(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+84(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+88(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+92(SB)/4, $0x3f000000
DATA	·actConstsAVX<>+96(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+100(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+104(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+108(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+112(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+116(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+120(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+124(SB)/4, $0x3e2aaaaa
DATA	·actConstsAVX<>+128(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+132(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+136(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+140(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+144(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+148(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+152(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+156(SB)/4, $0x3d2aaa47
DATA	·actConstsAVX<>+160(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+164(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+168(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+172(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+176(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+180(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+184(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+188(SB)/4, $0x3c088938
DATA	·actConstsAVX<>+192(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+196(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+200(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+204(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+208(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+212(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+216(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+220(SB)/4, $0x3ab6c67b
DATA	·actConstsAVX<>+224(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+228(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+232(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+236(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+240(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+244(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+248(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+252(SB)/4, $0x394f845c
DATA	·actConstsAVX<>+256(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+260(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+264(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+268(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+272(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+276(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+280(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+284(SB)/4, $0x3fb8aa3b
DATA	·actConstsAVX<>+288(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+292(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+296(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+300(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+304(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+308(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+312(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+316(SB)/4, $0x3f318000
DATA	·actConstsAVX<>+320(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+324(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+328(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+332(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+336(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+340(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+344(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+348(SB)/4, $0xb95e8083
DATA	·actConstsAVX<>+352(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+356(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+360(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+364(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+368(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+372(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+376(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+380(SB)/4, $0xbf1b459e
DATA	·actConstsAVX<>+384(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+388(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+392(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+396(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+400(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+404(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+408(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+412(SB)/4, $0x3f800000
DATA	·actConstsAVX<>+416(SB)/4, $0x80000000
DATA	·actConstsAVX<>+420(SB)/4, $0x80000000
DATA	·actConstsAVX<>+424(SB)/4, $0x80000000
DATA	·actConstsAVX<>+428(SB)/4, $0x80000000
DATA	·actConstsAVX<>+432(SB)/4, $0x80000000
DATA	·actConstsAVX<>+436(SB)/4, $0x80000000
DATA	·actConstsAVX<>+440(SB)/4, $0x80000000
DATA	·actConstsAVX<>+444(SB)/4, $0x80000000
GLOBL	·actConstsAVX<>(SB), RODATA|NOPTR, $448

#define C_M86 ·actConstsAVX<>+0(SB)
#define C_P88 ·actConstsAVX<>+32(SB)
#define C_Q0 ·actConstsAVX<>+64(SB)
#define C_Q1 ·actConstsAVX<>+96(SB)
#define C_Q2 ·actConstsAVX<>+128(SB)
#define C_Q3 ·actConstsAVX<>+160(SB)
#define C_Q4 ·actConstsAVX<>+192(SB)
#define C_Q5 ·actConstsAVX<>+224(SB)
#define C_LOG2E ·actConstsAVX<>+256(SB)
#define C_LN2HI ·actConstsAVX<>+288(SB)
#define C_LN2LO ·actConstsAVX<>+320(SB)
#define C_NEGSCALE ·actConstsAVX<>+352(SB)
#define C_ONE ·actConstsAVX<>+384(SB)
#define C_SIGN ·actConstsAVX<>+416(SB)

// EXP replaces the lanes of x by their exponential; n, p, q are scratch.
#define EXP(x, n, p, q) \
	VMOVUPS      C_M86, q;        \
	VMAXPS       x, q, x;         \
	VMOVUPS      C_P88, q;        \
	VMINPS       x, q, x;         \
	VMULPS       C_LOG2E, x, n;   \
	VROUNDPS     $0, n, n;        \
	VFNMADD231PS C_LN2HI, n, x;   \
	VFNMADD231PS C_LN2LO, n, x;   \
	VCVTTPS2DQ   n, n;            \
	VPSLLD       $23, n, n;       \
	VMOVUPS      C_Q5, p;         \
	VFMADD213PS  C_Q4, x, p;      \
	VFMADD213PS  C_Q3, x, p;      \
	VFMADD213PS  C_Q2, x, p;      \
	VFMADD213PS  C_Q1, x, p;      \
	VFMADD213PS  C_Q0, x, p;      \
	VMULPS       x, x, q;         \
	VFMADD231PS  p, q, x;         \
	VADDPS       C_ONE, x, x;     \
	VPADDD       n, x, x

// SIG replaces x by σ(x) = 1/(1 + e^−x).
#define SIG(x, n, p, q) \
	VXORPS  C_SIGN, x, x;  \
	EXP(x, n, p, q);       \
	VADDPS  C_ONE, x, x;   \
	VMOVUPS C_ONE, q;      \
	VDIVPS  x, q, x

// func actAVX2(out, x, bias *float32, n, rows, flags int)
// rows rows of n values, n a positive multiple of 8; flags bit 0: add bias
// (n values, the same for every row), bit 1: decay instead of sigmoid.
//
// Registers: DI out, SI x, DX bias, R8 n, CX rows left, R9 flags, R10 bias
// cursor, AX columns left; Y0 the values, Y1..Y3 scratch.
TEXT ·actAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ bias+16(FP), DX
	MOVQ n+24(FP), R8
	MOVQ rows+32(FP), CX
	MOVQ flags+40(FP), R9

row:
	MOVQ DX, R10
	MOVQ R8, AX

col:
	VMOVUPS (SI), Y0
	TESTQ   $1, R9
	JZ      nobias
	VADDPS  (R10), Y0, Y0
	ADDQ    $32, R10

nobias:
	SIG(Y0, Y1, Y2, Y3)
	TESTQ   $2, R9
	JZ      store
	VMULPS  C_NEGSCALE, Y0, Y0
	EXP(Y0, Y1, Y2, Y3)

store:
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, AX
	JNZ     col
	DECQ    CX
	JNZ     row
	VZEROUPPER
	RET
