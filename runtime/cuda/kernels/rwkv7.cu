// The RWKV-7 steps around the products (DESIGN §4): embedding + ln0, the
// token shifts with their layer norms, the WKV-7 recurrence with its group
// norm and bonus, and the output norm. Per-token kernels run one thread block
// per token, LN_THREADS threads, thread i holding channels i, i+256, ... in
// registers; a warp's 32 channels are one Q8 block.
#include "common.cuh"

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
// two passes, mean then variance.
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

// store_q writes v (channel c of a [D] row) as float and as Q8. Every warp
// holds 32 consecutive channels, so the block is complete within the warp;
// D is a multiple of 32, so a warp is either all in range or all out.
__device__ __forceinline__ void store_q(float v, int c, int D, float* f, signed char* q, float* d) {
    if (c >= D) return;
    f[c] = v;
    warp_quant(v, q + (c & ~31), d + (c >> 5));
}

__device__ __forceinline__ float dequant(const unsigned char* row, i64 type, int c) {
    switch (type) {
    case TYPE_F32: return reinterpret_cast<const float*>(row)[c];
    case TYPE_F16: return load_half(row + 2 * c);
    case TYPE_Q8_0: {
        const unsigned char* blk = row + (c / QK) * Q8_0_BYTES;
        return load_half(blk) * (float)(signed char)blk[2 + c % QK];
    }
    case TYPE_Q4_0: {
        const unsigned char* blk = row + (c / QK) * Q4_0_BYTES;
        const int j = c % QK;
        const unsigned char byte = blk[2 + (j & 15)];
        const int q = (j < 16 ? (byte & 15) : (byte >> 4)) - 8;
        return load_half(blk) * (float)q;
    }
    }
    return 0.0f;
}

// embed: x[t] = LN(emb[tokens[t]]; ln0). Grid: T blocks.
extern "C" __global__ void __launch_bounds__(LN_THREADS) gosling_embed(const TopArgs* A) {
    __shared__ float scratch[LN_THREADS / 32];
    const int t = blockIdx.x, D = (int)A->D;
    const unsigned char* row = A->emb + (size_t)A->tokens[t] * (size_t)A->embRowBytes;
    float* x = A->x + (size_t)t * D;
    for (int c = threadIdx.x; c < D; c += LN_THREADS) x[c] = dequant(row, A->embType, c);
    __syncthreads();
    float v[LN_PER_THREAD];
    layer_norm(x, A->ln0w, A->ln0b, D, (float)A->eps, v, scratch);
    __syncthreads();
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        if (c < D) x[c] = v[k];
    }
}

// out_norm: xo = LN(x[T-1]; ln_out), as float and Q8, for the head.
extern "C" __global__ void __launch_bounds__(LN_THREADS) gosling_out_norm(const TopArgs* A, int T) {
    __shared__ float scratch[LN_THREADS / 32];
    const int D = (int)A->D;
    float v[LN_PER_THREAD];
    layer_norm(A->x + (size_t)(T - 1) * D, A->lnOutw, A->lnOutb, D, (float)A->eps, v, scratch);
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) store_q(v[k], k * LN_THREADS + threadIdx.x, D, A->xo, A->xoq, A->xod);
}

// shift_norm is the common part of both token shifts: xx = LN(x[t]) and the
// previous token's xx (from the state for t = 0). Block 0 also moves the
// last token's xx into the state; it reads its own channels of the state
// before writing them, and no other block touches the state.
__device__ __forceinline__ void shift_norm(const float* xall, const float* lw, const float* lb, float* prevState,
                                           int t, int T, int D, float eps, float* cur, float* prev, float* scratch) {
    layer_norm(xall + (size_t)t * D, lw, lb, D, eps, cur, scratch);
    if (t > 0) {
        layer_norm(xall + (size_t)(t - 1) * D, lw, lb, D, eps, prev, scratch);
        return;
    }
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        prev[k] = c < D ? prevState[c] : 0.0f;
    }
    float last[LN_PER_THREAD];
    if (T > 1) {
        layer_norm(xall + (size_t)(T - 1) * D, lw, lb, D, eps, last, scratch);
    } else {
#pragma unroll
        for (int k = 0; k < LN_PER_THREAD; k++) last[k] = cur[k];
    }
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        if (c < D) prevState[c] = last[k];
    }
}

// att_shift: the time mix's ln1 and its six token-shift lerps
// xm[m] = xx + (prev − xx)·mix[m], as float and Q8. Grid: T blocks.
extern "C" __global__ void __launch_bounds__(LN_THREADS) gosling_att_shift(const LayerArgs* L, int T) {
    __shared__ float scratch[LN_THREADS / 32];
    const int t = blockIdx.x, D = (int)L->D;
    float cur[LN_PER_THREAD], prev[LN_PER_THREAD];
    shift_norm(L->x, L->ln1w, L->ln1b, L->attPrev, t, T, D, (float)L->eps, cur, prev, scratch);
    const size_t o = (size_t)t * D;
#pragma unroll
    for (int m = 0; m < 6; m++) {
#pragma unroll
        for (int k = 0; k < LN_PER_THREAD; k++) {
            const int c = k * LN_THREADS + threadIdx.x;
            const float d = prev[k] - cur[k];
            const float v = c < D ? cur[k] + d * L->mix[m][c] : 0.0f;
            store_q(v, c, D, L->xm[m] + o, L->xmq[m] + o, L->xmd[m] + o / QK);
        }
    }
}

// ffn_shift: the channel mix's ln2 and its lerp. Grid: T blocks.
extern "C" __global__ void __launch_bounds__(LN_THREADS) gosling_ffn_shift(const LayerArgs* L, int T) {
    __shared__ float scratch[LN_THREADS / 32];
    const int t = blockIdx.x, D = (int)L->D;
    float cur[LN_PER_THREAD], prev[LN_PER_THREAD];
    shift_norm(L->x, L->ln2w, L->ln2b, L->ffnPrev, t, T, D, (float)L->eps, cur, prev, scratch);
    const size_t o = (size_t)t * D;
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        const float d = prev[k] - cur[k];
        const float v = c < D ? cur[k] + d * L->ffnxk[c] : 0.0f;
        store_q(v, c, D, L->fx + o, L->fxq + o, L->fxd + o / QK);
    }
}

#define N 64  // head size

// sum64 adds v over the 64 threads of a WKV block (two warps). Each call
// site passes its own two scratch slots, so no barrier is needed after it.
__device__ __forceinline__ float sum64(float v, float* slot) {
    v = warp_sum(v);
    if ((threadIdx.x & 31) == 0) slot[threadIdx.x >> 5] = v;
    __syncthreads();
    return slot[0] + slot[1];
}

// wkv7: one block per head, thread i owns row i of the head's 64×64 state
// (value channel i) in registers, and the T tokens run in order:
//   kk = normalize(k ⊙ k_k),  k ← k ⊙ (1 + (a−1) ⊙ k_a)
//   sa_i = Σ_j S_ij·(−kk_j);  S_ij ← S_ij·w_j + sa_i·kk_j·a_j + v_i·k_j;  y_i = Σ_j S_ij·r_j
//   y ← GroupNorm(y) + (Σ_j r_j·k_j·r_k_j)·v, then y ⊙ g, stored as float and Q8.
// Layer 0 (first ≠ 0) also records v as v_first.
extern "C" __global__ void __launch_bounds__(N) gosling_wkv7(const LayerArgs* L, int T, int first) {
    __shared__ float sr[N], sw[N], sk[N], skk[N], skka[N];
    __shared__ float slots[5][2];
    const int h = blockIdx.x, i = threadIdx.x, D = (int)L->D;
    const int c = h * N + i;
    float* S = L->wkv + (size_t)h * N * N + (size_t)i * N;
    float s[N];
#pragma unroll
    for (int j = 0; j < N; j += 4) {
        const float4 q = *reinterpret_cast<const float4*>(S + j);
        s[j] = q.x; s[j + 1] = q.y; s[j + 2] = q.z; s[j + 3] = q.w;
    }
    const float kkw = L->kkw[c], ka = L->ka[c], rk = L->rk[c], lw = L->lnxw[c], lb = L->lnxb[c];
    const float geps = (float)L->geps;
    for (int t = 0; t < T; t++) {
        const size_t o = (size_t)t * D + c;
        const float r = L->r[o], w = L->w[o], a = L->a[o], g = L->g[o];
        const float v = L->v[o];
        float k = L->k[o];
        if (first) L->vfirst[o] = v;
        float kk = k * kkw;
        k = k * (1.0f + (a - 1.0f) * ka);
        const float ss = sum64(kk * kk, slots[0]);
        const float bonus = sum64(r * k * rk, slots[1]);
        kk = kk * (1.0f / fmaxf(sqrtf(ss), 1e-12f));
        sr[i] = r; sw[i] = w; sk[i] = k; skk[i] = kk; skka[i] = kk * a;
        __syncthreads();
        float sa = 0.0f;
#pragma unroll
        for (int j = 0; j < N; j++) sa -= s[j] * skk[j];
        float y = 0.0f;
#pragma unroll
        for (int j = 0; j < N; j++) {
            s[j] = s[j] * sw[j] + sa * skka[j] + v * sk[j];
            y += s[j] * sr[j];
        }
        const float mean = sum64(y, slots[2]) * (1.0f / N);
        const float d = y - mean;
        const float var = sum64(d * d, slots[3]) * (1.0f / N);
        y = d * (1.0f / sqrtf(var + geps)) * lw + lb + bonus * v;
        y *= g;
        L->y[o] = y;
        warp_quant(y, L->yq + (o & ~(size_t)31), L->yd + (o >> 5));
        __syncthreads();  // the shared vectors and slots are reused by the next token
    }
#pragma unroll
    for (int j = 0; j < N; j += 4) *reinterpret_cast<float4*>(S + j) = make_float4(s[j], s[j + 1], s[j + 2], s[j + 3]);
}
