// The lane sum of the amd64 float kernels (layernorm_amd64.s,
// wkv7_amd64.s, and through matvec_f_amd64.h the float matvec and MatMul
// kernels).

// HSUM adds the 8 lanes of y (x its low half) into x's lane 0.
#define HSUM(y, x, t) \
	VEXTRACTF128 $1, y, t; \
	VADDPS       t, x, x;  \
	VMOVHLPS     x, x, t;  \
	VADDPS       t, x, x;  \
	VMOVSHDUP    x, t;     \
	VADDSS       t, x, x
