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
// Repacked copies in device memory (discrete GPUs): each row's quants
// contiguous and 16-byte aligned (Q8_0: cols bytes, Q4_0: cols/2 bytes, the
// nibble order of Q4_0 kept), rowBytes apart, and after the last row the
// fp16 block scales, cols/32 per row.
#define TYPE_Q8_0P (256 + TYPE_Q8_0)
#define TYPE_Q4_0P (256 + TYPE_Q4_0)

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
    signed char* oq;         // decode: also store the output as Q8 (null: no)
    float* od;               // and its scales
    i64 type, rows, cols, rowBytes;
    i64 xs, os;              // strides (elements) of the input and the output
    i64 epi;
    i64 blockStart;          // the first thread block (tile in decode) of this job in the launch
    i64 mix;                 // decode: the input is the launch's prologue output mix (0-5 lerps, 6 the
                             // normalised x itself), or −1: x/xq/xd above
};

// ProdArgs is one decode launch of the product kernels: a list of jobs in
// tiles of 8·RPW rows, and optionally a prologue that every thread block
// runs first: the layer norm of the residual x, the token-shift lerps
// xm = xx + (prev − xx)·mix[m] and their Q8 blocks, kept in shared memory.
struct ProdArgs {
    const MatJob* jobs;
    i64 njobs, ntiles;
    const float *x, *lnw, *lnb;  // x null: no prologue
    const float* prev;           // the previous token's normalised x (state), or null
    const float* mix[6];
    i64 q8mask;                  // bit m: the jobs of mix m read Q8 blocks (bit 6: the normalised x)
    float* keep;                 // block 0 stores the normalised x here (the next prev), or null
    const float* copySrc;        // block 0 copies copyN floats (a kept x into the state), or null
    float* copyDst;
    i64 copyN, D;
    double eps;
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
    // Decode (gosling_tmix): the LoRA second stages w2, a2, g2, v2 (null:
    // none, as v2 in layer 0) in their file layout, their inputs (the first
    // stages' outputs), and the biases w0, a0, v0; keep is the normalised x
    // that the att products kept, the next attPrev.
    const unsigned char* up[4];
    const float* upIn[4];
    i64 upType[4], upCols[4], upRowBytes[4];
    const float *w0, *a0, *v0;
    const float* keep;
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

// halves2 converts the two fp16 values packed in u (low half first),
// without reading a register through a pointer of another type.
__device__ __forceinline__ float2 halves2(unsigned u) {
    return make_float2(__half2float(__ushort_as_half((unsigned short)(u & 0xffffu))),
                       __half2float(__ushort_as_half((unsigned short)(u >> 16))));
}

// Two bytes at a time: Q8_0 and Q4_0 blocks are only 2-byte aligned.
__device__ __forceinline__ int load_i32_a2(const unsigned char* p) {
    const unsigned short* h = reinterpret_cast<const unsigned short*>(p);
    return (int)((unsigned)h[0] | ((unsigned)h[1] << 16));
}

// block_sum adds v over the thread block (LN_THREADS threads).
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    v = warp_sum(v);
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float s = 0.0f;
#pragma unroll
    for (int i = 0; i < LN_THREADS / 32; i++) s += scratch[i];
    return s;
}

// layer_norm normalises x[0..D) into out (registers), as arm64.LayerNorm:
// two passes, mean then variance. Thread i holds channels i, i+256, ...
__device__ __forceinline__ void layer_norm(const float* x, const float* w, const float* b, int D, float eps,
                                           float* out, float* scratch) {
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        out[k] = c < D ? x[c] : 0.0f;
        s += out[k];
    }
    const float mean = block_sum(s, scratch) / (float)D;
    float q = 0.0f;
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        if (c < D) {
            const float d = out[k] - mean;
            q += d * d;
        }
    }
    const float var = block_sum(q, scratch) / (float)D;
    const float inv = 1.0f / sqrtf(var + eps);
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        if (c < D) out[k] = (out[k] - mean) * inv * w[c] + b[c];
    }
}

// The kernels' dynamic shared memory, and an L2 prefetch hint; the CPU
// emulator (tools/cuda/emu) has its own.
#ifdef GOSLING_EMU
#define DYNAMIC_SHARED(name) unsigned char* name = emu_dynamic_smem()
__device__ __forceinline__ void prefetch_l2(const void*) {}
#else
#define DYNAMIC_SHARED(name) extern __shared__ __align__(16) unsigned char name[]
__device__ __forceinline__ void prefetch_l2(const void* p) { asm volatile("prefetch.global.L2 [%0];" ::"l"(p)); }
#endif
