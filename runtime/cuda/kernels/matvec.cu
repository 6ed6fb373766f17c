// Matrix × vector(s) for every weight type gosling runs, batched: one launch
// runs a list of products (MatJob), each row by one warp, the weights read
// once per launch and coalesced across the warp. TT tokens share each pass
// over the weights (TT = 1 for a decode step, 8 for prefill chunks).
#include "common.cuh"

#define MV_WARPS 8  // rows (warps) per thread block

__device__ __forceinline__ void epilogue(const MatJob& j, int t, int row, float v) {
    float* o = j.out + (size_t)t * j.os + row;
    switch (j.epi) {
    case EPI_STORE: *o = v; break;
    case EPI_ADD: *o += v; break;
    case EPI_TANH: *o = tanhf(v); break;
    case EPI_SIGMOID: *o = sigmoidf_(v); break;
    case EPI_DECAY: *o = expf(-0.606531f * sigmoidf_(j.p0[row] + v)); break;
    case EPI_SIGMOID_BIAS: *o = sigmoidf_(j.p0[row] + v); break;
    case EPI_RELU2: v = fmaxf(v, 0.0f); *o = v * v; break;
    case EPI_VMIX: {
        const float cur = *o;
        *o = cur + (j.p1[(size_t)t * j.os + row] - cur) * sigmoidf_(j.p0[row] + v);
        break;
    }
    }
}

// Two bytes at a time: Q8_0 and Q4_0 blocks are only 2-byte aligned.
__device__ __forceinline__ int load_i32_a2(const unsigned char* p) {
    const unsigned short* h = reinterpret_cast<const unsigned short*>(p);
    return (int)((unsigned)h[0] | ((unsigned)h[1] << 16));
}

template <int TT>
__device__ __forceinline__ void dot_q8_0(const MatJob& j, const unsigned char* row, int t0, int nt, int lane, float* acc) {
    // Four lanes share a block (8 values each); a warp covers 8 blocks.
    const int nb = (int)(j.cols / QK);
    const int sub = lane & 3;
    const size_t xs = (size_t)j.xs, ds = (size_t)(j.xs / QK);
#pragma unroll 4
    for (int ib = lane >> 2; ib < nb; ib += 8) {
        const unsigned char* blk = row + (size_t)ib * Q8_0_BYTES;
        const float dw = load_half(blk);
        const int w0 = load_i32_a2(blk + 2 + sub * 8);
        const int w1 = load_i32_a2(blk + 2 + sub * 8 + 4);
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const int* xq = reinterpret_cast<const int*>(j.xq + (t0 + t) * xs + ib * QK + sub * 8);
                int s = __dp4a(w0, xq[0], 0);
                s = __dp4a(w1, xq[1], s);
                acc[t] += dw * j.xd[(t0 + t) * ds + ib] * (float)s;
            }
        }
    }
}

template <int TT>
__device__ __forceinline__ void dot_q4_0(const MatJob& j, const unsigned char* row, int t0, int nt, int lane, float* acc) {
    // Byte b of a block holds element b (low nibble) and b+16 (high nibble);
    // lane `sub` takes bytes 4·sub..4·sub+3.
    const int nb = (int)(j.cols / QK);
    const int sub = lane & 3;
    const size_t xs = (size_t)j.xs, ds = (size_t)(j.xs / QK);
#pragma unroll 4
    for (int ib = lane >> 2; ib < nb; ib += 8) {
        const unsigned char* blk = row + (size_t)ib * Q4_0_BYTES;
        const float dw = load_half(blk);
        const unsigned raw = (unsigned)load_i32_a2(blk + 2 + sub * 4);
        const int lo = __vsubss4(raw & 0x0f0f0f0fu, 0x08080808);
        const int hi = __vsubss4((raw >> 4) & 0x0f0f0f0fu, 0x08080808);
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const signed char* xq = j.xq + (t0 + t) * xs + ib * QK + sub * 4;
                int s = __dp4a(lo, *reinterpret_cast<const int*>(xq), 0);
                s = __dp4a(hi, *reinterpret_cast<const int*>(xq + 16), s);
                acc[t] += dw * j.xd[(t0 + t) * ds + ib] * (float)s;
            }
        }
    }
}

template <int TT>
__device__ __forceinline__ void dot_f16(const MatJob& j, const unsigned char* row, int t0, int nt, int lane, float* acc) {
    // 8 halves (16 bytes) per lane, 256 columns per warp step.
    const int cols = (int)j.cols;
    const size_t xs = (size_t)j.xs;
#pragma unroll 2
    for (int c = lane * 8; c < cols; c += 256) {
        const uint4 raw = *reinterpret_cast<const uint4*>(row + (size_t)c * 2);
        const __half2* h = reinterpret_cast<const __half2*>(&raw);
        const float2 w0 = __half22float2(h[0]), w1 = __half22float2(h[1]);
        const float2 w2 = __half22float2(h[2]), w3 = __half22float2(h[3]);
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const float4* x = reinterpret_cast<const float4*>(j.x + (t0 + t) * xs + c);
                const float4 a = x[0], b = x[1];
                float s = w0.x * a.x;
                s += w0.y * a.y;
                s += w1.x * a.z;
                s += w1.y * a.w;
                s += w2.x * b.x;
                s += w2.y * b.y;
                s += w3.x * b.z;
                s += w3.y * b.w;
                acc[t] += s;
            }
        }
    }
}

template <int TT>
__device__ __forceinline__ void dot_f32(const MatJob& j, const unsigned char* row, int t0, int nt, int lane, float* acc) {
    const int cols = (int)j.cols;
    const size_t xs = (size_t)j.xs;
    const float* w = reinterpret_cast<const float*>(row);
#pragma unroll 2
    for (int c = lane * 4; c < cols; c += 128) {
        const float4 wv = *reinterpret_cast<const float4*>(w + c);
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const float4 a = *reinterpret_cast<const float4*>(j.x + (t0 + t) * xs + c);
                float s = wv.x * a.x;
                s += wv.y * a.y;
                s += wv.z * a.z;
                s += wv.w * a.w;
                acc[t] += s;
            }
        }
    }
}

// matvec runs a batch of products over T tokens. Thread block b belongs to
// the last job whose blockStart ≤ b / tiles; b % tiles is the tile of TT
// tokens, so the blocks that share a weight row group run side by side and
// the rows come from cache after the first tile.
template <int TT>
__device__ __forceinline__ void matvec_body(const MatJob* jobs, int njobs, int T) {
    const int tiles = (T + TT - 1) / TT;
    const int b = blockIdx.x / tiles;
    const int tile = blockIdx.x % tiles;
    int ji = 0;
    while (ji + 1 < njobs && b >= jobs[ji + 1].blockStart) ji++;
    const MatJob& j = jobs[ji];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int row = (b - (int)j.blockStart) * MV_WARPS + warp;
    if (row >= j.rows) return;
    const int t0 = tile * TT;
    const int nt = min(TT, T - t0);
    const unsigned char* w = j.w + (size_t)row * (size_t)j.rowBytes;
    float acc[TT];
#pragma unroll
    for (int t = 0; t < TT; t++) acc[t] = 0.0f;
    switch (j.type) {
    case TYPE_Q8_0: dot_q8_0<TT>(j, w, t0, nt, lane, acc); break;
    case TYPE_Q4_0: dot_q4_0<TT>(j, w, t0, nt, lane, acc); break;
    case TYPE_F16: dot_f16<TT>(j, w, t0, nt, lane, acc); break;
    case TYPE_F32: dot_f32<TT>(j, w, t0, nt, lane, acc); break;
    }
#pragma unroll
    for (int t = 0; t < TT; t++) {
        const float v = warp_sum(acc[t]);
        if (lane == 0 && t < nt) epilogue(j, t0 + t, row, v);
    }
}

extern "C" __global__ void __launch_bounds__(256) gosling_matvec1(const MatJob* jobs, int njobs, int T) {
    matvec_body<1>(jobs, njobs, T);
}

extern "C" __global__ void __launch_bounds__(256) gosling_matvec8(const MatJob* jobs, int njobs, int T) {
    matvec_body<8>(jobs, njobs, T);
}

// quantize_q8 turns T rows of blocksPerToken·32 floats into Q8 blocks, one
// warp per block.
extern "C" __global__ void __launch_bounds__(256) gosling_quantize_q8(const float* x, signed char* q, float* d, int blocksPerToken, int T) {
    const int blk = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    if (blk >= blocksPerToken * T) return;
    const float v = x[(size_t)blk * QK + (threadIdx.x & 31)];
    warp_quant(v, q + (size_t)blk * QK, d + blk);
}
