// The RWKV-7 steps around the products (their equations are in
// runtime/doc.go, "The forward pass"): embedding + ln0, the token shifts
// with their layer norms, the WKV-7 recurrence with its group norm and
// bonus, and the output norm. Per-token kernels run one thread block
// per token, LN_THREADS threads, thread i holding channels i, i+256, ... in
// registers; a warp's 32 channels are one Q8 block.
#include "common.cuh"

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

// ---- decode: the time mix after the products, in one kernel --------------

#define MAX_RANK 512  // the widest LoRA hidden layer gosling_tmix takes

// lora_dot is one row of a LoRA second stage (file layout, any type) times
// its input: floats xf, or for quantized rows the Q8 blocks xq, xd. One
// thread a row: the unrolled loops keep several loads in flight.
__device__ __forceinline__ float lora_dot(i64 type, const unsigned char* row, int cols, const float* xf,
                                          const signed char* xq, const float* xd) {
    float acc = 0.0f;
    switch (type) {
    case TYPE_F32:
#pragma unroll 8
        for (int c = 0; c < cols; c += 4) {
            const float4 w = *reinterpret_cast<const float4*>(row + 4 * (size_t)c);
            float s = w.x * xf[c];
            s += w.y * xf[c + 1];
            s += w.z * xf[c + 2];
            s += w.w * xf[c + 3];
            acc += s;
        }
        break;
    case TYPE_F16:
#pragma unroll 8
        for (int c = 0; c < cols; c += 8) {
            const uint4 raw = *reinterpret_cast<const uint4*>(row + 2 * (size_t)c);
            const unsigned u[4] = {raw.x, raw.y, raw.z, raw.w};
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < 4; k++) {
                const float2 w = halves2(u[k]);
                s += w.x * xf[c + 2 * k];
                s += w.y * xf[c + 2 * k + 1];
            }
            acc += s;
        }
        break;
    case TYPE_Q8_0:
#pragma unroll 4
        for (int b = 0; b < cols / QK; b++) {
            const unsigned char* blk = row + (size_t)b * Q8_0_BYTES;
            const int* x = reinterpret_cast<const int*>(xq + b * QK);
            int s = 0;
#pragma unroll
            for (int k = 0; k < 8; k++) s = __dp4a(load_i32_a2(blk + 2 + 4 * k), x[k], s);
            acc += load_half(blk) * xd[b] * (float)s;
        }
        break;
    case TYPE_Q4_0:
#pragma unroll 4
        for (int b = 0; b < cols / QK; b++) {
            const unsigned char* blk = row + (size_t)b * Q4_0_BYTES;
            const int* x = reinterpret_cast<const int*>(xq + b * QK);
            int s = 0;
#pragma unroll
            for (int k = 0; k < 4; k++) {
                const unsigned raw = (unsigned)load_i32_a2(blk + 2 + 4 * k);
                const int lo = (int)__vsubss4(raw & 0x0f0f0f0fu, 0x08080808);
                const int hi = (int)__vsubss4((raw >> 4) & 0x0f0f0f0fu, 0x08080808);
                s = __dp4a(lo, x[k], s);
                s = __dp4a(hi, x[k + 4], s);
            }
            acc += load_half(blk) * xd[b] * (float)s;
        }
        break;
    }
    return acc;
}

// tmix: one decode token's time mix after the r/k/v products and the LoRA
// first stages, one block of 256 threads per head:
//   the LoRA second stages for the head's 64 channels (w decay, a, g, the
//   v mix with v_first), then the WKV-7 step as gosling_wkv7 does it (state
//   row i split over four threads, 16 columns each), group norm, bonus and
//   gate, y stored as float and Q8, and the kept normalised x into attPrev.
extern "C" __global__ void __launch_bounds__(256) gosling_tmix(const LayerArgs* L, int first) {
    __shared__ float sx[4][MAX_RANK];
    __shared__ __align__(16) signed char sq[4][MAX_RANK];
    __shared__ float sqd[4][MAX_RANK / QK];
    __shared__ float sup[4][N];
    __shared__ float sr[N], sw[N], sk[N], sv[N], skk[N], ska[N], sy[N];
    __shared__ float red[4][2];
    const int h = blockIdx.x, tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int c0 = h * N;
    const int i = tid >> 2, q = tid & 3;  // WKV: state row i, columns 16q..16q+15

    // The state slice first: its loads overlap the LoRA work.
    float* S = L->wkv + (size_t)h * N * N + (size_t)i * N + 16 * q;
    float s[16];
#pragma unroll
    for (int jj = 0; jj < 16; jj += 4) {
        const float4 v4 = *reinterpret_cast<const float4*>(S + jj);
        s[jj] = v4.x, s[jj + 1] = v4.y, s[jj + 2] = v4.z, s[jj + 3] = v4.w;
    }

    // The LoRA hidden vectors, and their Q8 blocks where the row is quantized.
#pragma unroll
    for (int m = 0; m < 4; m++) {
        if (L->up[m]) {
            for (int c = tid; c < (int)L->upCols[m]; c += blockDim.x) sx[m][c] = L->upIn[m][c];
        }
    }
    __syncthreads();
#pragma unroll
    for (int m = 0; m < 4; m++) {
        if (L->up[m] && (L->upType[m] == TYPE_Q8_0 || L->upType[m] == TYPE_Q4_0)) {
            for (int b = warp; b < (int)L->upCols[m] / QK; b += blockDim.x / 32) {
                warp_quant(sx[m][b * QK + lane], &sq[m][b * QK], &sqd[m][b]);
            }
        }
    }
    __syncthreads();
    {
        // A thread a row. (A warp-cooperative, coalesced loop was slower on
        // the H100: one memory round trip per row group, see README.)
        const int m = tid >> 6, r = tid & 63;  // matrix m, row c0 + r
        float acc = 0.0f;
        if (L->up[m]) {
            acc = lora_dot(L->upType[m], L->up[m] + (size_t)(c0 + r) * L->upRowBytes[m], (int)L->upCols[m], sx[m],
                           sq[m], sqd[m]);
        }
        sup[m][r] = acc;
    }
    __syncthreads();

    // Per channel (threads 0..63): the second stages' epilogues, then
    // kk = k ⊙ k_k and k ← k ⊙ (1 + (a−1) ⊙ k_a), as gosling_wkv7.
    float kk = 0.0f, bon = 0.0f, a = 0.0f, g = 0.0f;
    if (tid < N) {
        const int c = c0 + tid;
        const float r = L->r[c];
        float k = L->k[c], v = L->v[c];
        // A stage whose matrix is null here ran as a product launch before
        // (Options.SplitLoRA): its finished value is in memory.
        const float w = L->up[0] ? expf(-0.606531f * sigmoidf_(L->w0[c] + sup[0][tid])) : L->w[c];
        a = L->up[1] ? sigmoidf_(L->a0[c] + sup[1][tid]) : L->a[c];
        g = L->up[2] ? sup[2][tid] : L->g[c];
        if (first) {
            L->vfirst[c] = v;
        } else if (L->up[3]) {
            const float vf = L->vfirst[c];
            v = v + (vf - v) * sigmoidf_(L->v0[c] + sup[3][tid]);
        }
        kk = k * L->kkw[c];
        k = k * (1.0f + (a - 1.0f) * L->ka[c]);
        bon = r * k * L->rk[c];
        sr[tid] = r, sw[tid] = w, sk[tid] = k, sv[tid] = v;
    }
    {
        const float ss = warp_sum(kk * kk), bs = warp_sum(bon);
        if (lane == 0 && warp < 2) red[0][warp] = ss, red[1][warp] = bs;
    }
    __syncthreads();
    const float bonus = red[1][0] + red[1][1];
    if (tid < N) {
        const float ss = red[0][0] + red[0][1];
        kk = kk * (1.0f / fmaxf(sqrtf(ss), 1e-12f));
        skk[tid] = kk;
        ska[tid] = kk * a;
    }
    __syncthreads();

    // The WKV step on row i: sa = Σ_j S_ij·(−kk_j), S_ij ← S_ij·w_j + sa·kk_j·a_j + v_i·k_j, y = Σ_j S_ij·r_j.
    float sa = 0.0f;
#pragma unroll
    for (int jj = 0; jj < 16; jj++) sa -= s[jj] * skk[16 * q + jj];
    sa += __shfl_xor_sync(0xffffffffu, sa, 1);
    sa += __shfl_xor_sync(0xffffffffu, sa, 2);
    const float vi = sv[i];
    float y = 0.0f;
#pragma unroll
    for (int jj = 0; jj < 16; jj++) {
        const int j = 16 * q + jj;
        s[jj] = s[jj] * sw[j] + sa * ska[j] + vi * sk[j];
        y += s[jj] * sr[j];
    }
    y += __shfl_xor_sync(0xffffffffu, y, 1);
    y += __shfl_xor_sync(0xffffffffu, y, 2);
#pragma unroll
    for (int jj = 0; jj < 16; jj += 4) *reinterpret_cast<float4*>(S + jj) = make_float4(s[jj], s[jj + 1], s[jj + 2], s[jj + 3]);
    if (q == 0) sy[i] = y;
    __syncthreads();

    // Group norm over the head, bonus, gate (threads 0..63, channel c0 + tid).
    const float yv = tid < N ? sy[tid] : 0.0f;
    {
        const float t = warp_sum(yv);
        if (lane == 0 && warp < 2) red[2][warp] = t;
    }
    __syncthreads();
    const float mean = (red[2][0] + red[2][1]) * (1.0f / N);
    const float d = yv - mean;
    {
        const float t = warp_sum(tid < N ? d * d : 0.0f);
        if (lane == 0 && warp < 2) red[3][warp] = t;
    }
    __syncthreads();
    if (tid < N) {  // warps 0 and 1 whole: one Q8 block each
        const int c = c0 + tid;
        const float var = (red[3][0] + red[3][1]) * (1.0f / N);
        float out = d * (1.0f / sqrtf(var + (float)L->geps)) * L->lnxw[c] + L->lnxb[c] + bonus * sv[tid];
        out *= g;
        L->y[c] = out;
        warp_quant(out, L->yq + (c & ~31), L->yd + (c >> 5));
        L->attPrev[c] = L->keep[c];
    }
}
