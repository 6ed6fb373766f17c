// Shared definitions of the gosling CUDA kernels. The structs here are
// mirrored field by field in runtime/cuda/plan.go: every field is 8 bytes
// wide, so the C and Go layouts agree without any padding rules.
#pragma once
#include <cuda_fp16.h>

typedef long long i64;

// Weight types: the GGUF (ggml) type numbers.
#define TYPE_F32 0
#define TYPE_F16 1
#define TYPE_Q4_0 2
#define TYPE_Q8_0 8

#define QK 32         // values per quantized block
#define Q8_0_BYTES 34 // fp16 scale + 32 × int8
#define Q4_0_BYTES 18 // fp16 scale + 16 bytes of nibbles

// The width limit of the per-token kernels: 256 threads × 16 values.
#define LN_THREADS 256
#define LN_PER_THREAD 16

// What a product does with each finished dot product v of token t, row i.
#define EPI_STORE 0         // out = v
#define EPI_ADD 1           // out += v (the residual stream)
#define EPI_TANH 2          // out = tanh(v)
#define EPI_SIGMOID 3       // out = sigmoid(v)
#define EPI_DECAY 4         // out = exp(-e^-0.5 · sigmoid(p0[i] + v))
#define EPI_SIGMOID_BIAS 5  // out = sigmoid(p0[i] + v)
#define EPI_RELU2 6         // out = max(v, 0)²
#define EPI_VMIX 7          // out += (p1[t][i] − out) · sigmoid(p0[i] + v)

// MatJob is one matrix × (T vectors) product inside a batched launch.
struct MatJob {
    const unsigned char* w;  // the weight rows, rowBytes apart
    const float* x;          // float input [T][xs] (F32/F16 weights)
    const signed char* xq;   // the input as Q8 blocks [T][xs] (Q8_0/Q4_0 weights)
    const float* xd;         // and their scales [T][xs/32]
    float* out;              // [T][os]
    const float* p0;         // per-row vector of the epilogue
    const float* p1;         // per-(token,row) array of the epilogue, stride os
    i64 type, rows, cols, rowBytes;
    i64 xs, os;              // strides (elements) of the input and the output
    i64 epi;
    i64 blockStart;          // the first thread block of this job in the launch
};

// LayerArgs is everything the per-layer kernels read and write: the layer's
// vectors, its part of the state, and the activation buffers (shared by all
// layers). Activations are [T][D] unless noted.
struct LayerArgs {
    const float *ln1w, *ln1b, *ln2w, *ln2b;
    const float* mix[6];     // token-shift lerps x_r, x_w, x_k, x_v, x_a, x_g
    const float *kkw, *ka, *rk, *lnxw, *lnxb, *ffnxk;
    float *attPrev, *wkv, *ffnPrev;  // state
    float* x;                // residual stream
    float* xm[6];            // the six lerped inputs
    signed char* xmq[6];     // as Q8
    float* xmd[6];           // Q8 scales [T][D/32]
    float *r, *w, *k, *v, *a, *g, *vfirst;
    float* y;                // time-mix output ⊙ g
    signed char* yq;
    float* yd;
    float* fx;               // channel-mix input
    signed char* fxq;
    float* fxd;
    i64 D, H;
    double eps, geps;        // layer norm and group norm epsilons
};

// TopArgs: the embedding, ln0 and the output norm.
struct TopArgs {
    const unsigned char* emb;
    const float *ln0w, *ln0b, *lnOutw, *lnOutb;
    const int* tokens;       // [T]
    float* x;                // residual stream [T][D]
    float* xo;               // output norm of the last token [D]
    signed char* xoq;
    float* xod;
    i64 embType, embRowBytes, D;
    double eps;
};

__device__ __forceinline__ float sigmoidf_(float x) { return 1.0f / (1.0f + expf(-x)); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// warp_quant writes the 32 values of a warp (one per lane) as one Q8 block,
// exactly as arm64.QuantizeQ8 does: d = max|x|/127, q = round(x/d), ties
// away from zero.
__device__ __forceinline__ void warp_quant(float v, signed char* q, float* d) {
    const float amax = warp_max(fabsf(v));
    const float db = amax / 127.0f;
    const float id = db != 0.0f ? 1.0f / db : 0.0f;
    q[threadIdx.x & 31] = (signed char)roundf(v * id);
    if ((threadIdx.x & 31) == 0) *d = db;
}

__device__ __forceinline__ float load_half(const unsigned char* p) {
    return __half2float(*reinterpret_cast<const __half*>(p));
}
