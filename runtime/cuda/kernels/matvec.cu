// Matrix × vector(s) for every weight type gosling runs, batched: one launch
// runs a list of products (MatJob), each row by one warp, the weights
// coalesced across the warp.
//
// Prefill (gosling_matvec8): TT = 8 tokens share each pass over a row.
// Decode (gosling_prod1/4): one token; each thread block first runs the
// launch's prologue (ProdArgs: layer norm, token-shift lerps, Q8 blocks,
// into shared memory) so that no separate kernel prepares the inputs, then
// takes tiles of 8·RPW rows, each warp RPW rows at once (more loads in
// flight for short rows). A tile of 32 rows can also store its outputs as
// one Q8 block (the FFN's hidden layer, for the next product).
#include "common.cuh"

#define MV_WARPS 8  // warps per thread block

// epilogue stores the finished dot product v of token t, row i, and
// returns what it stored.
__device__ __forceinline__ float epilogue(const MatJob& j, int t, int row, float v) {
    float* o = j.out + (size_t)t * j.os + row;
    switch (j.epi) {
    case EPI_ADD: v += *o; break;
    case EPI_TANH: v = tanhf(v); break;
    case EPI_SIGMOID: v = sigmoidf_(v); break;
    case EPI_DECAY: v = expf(-0.606531f * sigmoidf_(j.p0[row] + v)); break;
    case EPI_SIGMOID_BIAS: v = sigmoidf_(j.p0[row] + v); break;
    case EPI_RELU2: v = fmaxf(v, 0.0f); v = v * v; break;
    case EPI_VMIX: {
        const float cur = *o;
        v = cur + (j.p1[(size_t)t * j.os + row] - cur) * sigmoidf_(j.p0[row] + v);
        break;
    }
    }
    *o = v;
    return v;
}

// Input is where a product reads its vector(s): Q8 blocks (q, scales d) for
// quantized weights, floats f for F16/F32 weights; token t's are at
// t·qs, t·ds, t·fs. In decode the prologue's lerps are computed on the fly
// for float weights: x = f + dif·mix (dif, mix non-null).
struct Input {
    const signed char* q;
    const float* d;
    const float* f;
    const float* dif;
    const float* mix;
    size_t qs, ds, fs;
};

// The dot products of rows row0..row0+nr-1 (nr ≤ RPW) with tokens
// t0..t0+nt-1 (nt ≤ TT), accumulated per lane into acc[row][token].

// Q8_0 in the file's layout (34-byte blocks, 2-byte aligned): four lanes
// share a block (8 values each); a warp covers 8 blocks.
template <int TT, int RPW>
__device__ __forceinline__ void dot_q8_0(const MatJob& j, int row0, int nr, const Input& in, int t0, int nt, int lane,
                                         float (&acc)[RPW][TT]) {
    const int nb = (int)(j.cols / QK);
    const int sub = lane & 3;
#pragma unroll 2
    for (int ib = lane >> 2; ib < nb; ib += 8) {
        int w0[RPW], w1[RPW];
        float dw[RPW];
#pragma unroll
        for (int r = 0; r < RPW; r++) {
            w0[r] = w1[r] = 0;
            dw[r] = 0.0f;
            if (r < nr) {
                const unsigned char* blk = j.w + (size_t)(row0 + r) * j.rowBytes + (size_t)ib * Q8_0_BYTES;
                dw[r] = load_half(blk);
                w0[r] = load_i32_a2(blk + 2 + sub * 8);
                w1[r] = load_i32_a2(blk + 2 + sub * 8 + 4);
            }
        }
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const int* xq = reinterpret_cast<const int*>(in.q + (t0 + t) * in.qs + ib * QK + sub * 8);
                const int x0 = xq[0], x1 = xq[1];
                const float dx = in.d[(t0 + t) * in.ds + ib];
#pragma unroll
                for (int r = 0; r < RPW; r++) {
                    int s = __dp4a(w0[r], x0, 0);
                    s = __dp4a(w1[r], x1, s);
                    acc[r][t] += dw[r] * dx * (float)s;
                }
            }
        }
    }
}

// Q4_0 in the file's layout: byte b of a block holds element b (low nibble)
// and b+16 (high nibble); lane `sub` takes bytes 4·sub..4·sub+3.
template <int TT, int RPW>
__device__ __forceinline__ void dot_q4_0(const MatJob& j, int row0, int nr, const Input& in, int t0, int nt, int lane,
                                         float (&acc)[RPW][TT]) {
    const int nb = (int)(j.cols / QK);
    const int sub = lane & 3;
#pragma unroll 2
    for (int ib = lane >> 2; ib < nb; ib += 8) {
        int lo[RPW], hi[RPW];
        float dw[RPW];
#pragma unroll
        for (int r = 0; r < RPW; r++) {
            lo[r] = hi[r] = 0;
            dw[r] = 0.0f;
            if (r < nr) {
                const unsigned char* blk = j.w + (size_t)(row0 + r) * j.rowBytes + (size_t)ib * Q4_0_BYTES;
                dw[r] = load_half(blk);
                const unsigned raw = (unsigned)load_i32_a2(blk + 2 + sub * 4);
                lo[r] = __vsubss4(raw & 0x0f0f0f0fu, 0x08080808);
                hi[r] = __vsubss4((raw >> 4) & 0x0f0f0f0fu, 0x08080808);
            }
        }
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const signed char* xq = in.q + (t0 + t) * in.qs + ib * QK + sub * 4;
                const int x0 = *reinterpret_cast<const int*>(xq), x1 = *reinterpret_cast<const int*>(xq + 16);
                const float dx = in.d[(t0 + t) * in.ds + ib];
#pragma unroll
                for (int r = 0; r < RPW; r++) {
                    int s = __dp4a(lo[r], x0, 0);
                    s = __dp4a(hi[r], x1, s);
                    acc[r][t] += dw[r] * dx * (float)s;
                }
            }
        }
    }
}

// The repacked Q8_0 (TYPE_Q8_0P): 16 quants (one 16-byte load) per lane, a
// warp covers 512 columns per step; two lanes share a block's scale.
template <int TT, int RPW>
__device__ __forceinline__ void dot_q8p(const MatJob& j, int row0, int nr, const Input& in, int t0, int nt, int lane,
                                        float (&acc)[RPW][TT]) {
    const int cols = (int)j.cols, nb = cols / QK;
    const __half* S = reinterpret_cast<const __half*>(j.w + (size_t)j.rows * (size_t)j.rowBytes);
#pragma unroll 4
    for (int e = lane * 16; e < cols; e += 512) {
        const int b = e >> 5;
        uint4 w[RPW];
        float dw[RPW];
#pragma unroll
        for (int r = 0; r < RPW; r++) {
            w[r] = make_uint4(0, 0, 0, 0);
            dw[r] = 0.0f;
            if (r < nr) {
                w[r] = __ldg(reinterpret_cast<const uint4*>(j.w + (size_t)(row0 + r) * j.rowBytes + e));
                dw[r] = __half2float(__ldg(S + (size_t)(row0 + r) * nb + b));
            }
        }
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const int4 x = *reinterpret_cast<const int4*>(in.q + (t0 + t) * in.qs + e);
                const float dx = in.d[(t0 + t) * in.ds + b];
#pragma unroll
                for (int r = 0; r < RPW; r++) {
                    int s = __dp4a((int)w[r].x, x.x, 0);
                    s = __dp4a((int)w[r].y, x.y, s);
                    s = __dp4a((int)w[r].z, x.z, s);
                    s = __dp4a((int)w[r].w, x.w, s);
                    acc[r][t] += dw[r] * dx * (float)s;
                }
            }
        }
    }
}

// The repacked Q4_0 (TYPE_Q4_0P): one block (16 bytes of nibbles) per lane,
// a warp covers 1024 columns per step.
template <int TT, int RPW>
__device__ __forceinline__ void dot_q4p(const MatJob& j, int row0, int nr, const Input& in, int t0, int nt, int lane,
                                        float (&acc)[RPW][TT]) {
    const int cols = (int)j.cols, nb = cols / QK;
    const __half* S = reinterpret_cast<const __half*>(j.w + (size_t)j.rows * (size_t)j.rowBytes);
#pragma unroll 2
    for (int e = lane * 32; e < cols; e += 1024) {
        const int b = e >> 5;
        int lo[RPW][4], hi[RPW][4];
        float dw[RPW];
#pragma unroll
        for (int r = 0; r < RPW; r++) {
            uint4 w = make_uint4(0x08080808u, 0x08080808u, 0x08080808u, 0x08080808u);
            dw[r] = 0.0f;
            if (r < nr) {
                w = __ldg(reinterpret_cast<const uint4*>(j.w + (size_t)(row0 + r) * j.rowBytes + e / 2));
                dw[r] = __half2float(__ldg(S + (size_t)(row0 + r) * nb + b));
            }
            const unsigned ws[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
            for (int k = 0; k < 4; k++) {
                lo[r][k] = __vsubss4(ws[k] & 0x0f0f0f0fu, 0x08080808);
                hi[r][k] = __vsubss4((ws[k] >> 4) & 0x0f0f0f0fu, 0x08080808);
            }
        }
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                const signed char* xq = in.q + (t0 + t) * in.qs + e;
                const int4 xl = *reinterpret_cast<const int4*>(xq), xh = *reinterpret_cast<const int4*>(xq + 16);
                const float dx = in.d[(t0 + t) * in.ds + b];
#pragma unroll
                for (int r = 0; r < RPW; r++) {
                    int s = __dp4a(lo[r][0], xl.x, 0);
                    s = __dp4a(hi[r][0], xh.x, s);
                    s = __dp4a(lo[r][1], xl.y, s);
                    s = __dp4a(hi[r][1], xh.y, s);
                    s = __dp4a(lo[r][2], xl.z, s);
                    s = __dp4a(hi[r][2], xh.z, s);
                    s = __dp4a(lo[r][3], xl.w, s);
                    s = __dp4a(hi[r][3], xh.w, s);
                    acc[r][t] += dw[r] * dx * (float)s;
                }
            }
        }
    }
}

// load8 reads the 8 float inputs at column c: plain, or the decode lerp.
template <bool LERP>
__device__ __forceinline__ void load8(const Input& in, int t, int c, float* x) {
    if (LERP) {
        const float4* f = reinterpret_cast<const float4*>(in.f + c);
        const float4* d = reinterpret_cast<const float4*>(in.dif + c);
        const float4* m = reinterpret_cast<const float4*>(in.mix + c);
        const float4 f0 = f[0], f1 = f[1], d0 = d[0], d1 = d[1], m0 = m[0], m1 = m[1];
        x[0] = f0.x + d0.x * m0.x;
        x[1] = f0.y + d0.y * m0.y;
        x[2] = f0.z + d0.z * m0.z;
        x[3] = f0.w + d0.w * m0.w;
        x[4] = f1.x + d1.x * m1.x;
        x[5] = f1.y + d1.y * m1.y;
        x[6] = f1.z + d1.z * m1.z;
        x[7] = f1.w + d1.w * m1.w;
    } else {
        const float4* f = reinterpret_cast<const float4*>(in.f + t * in.fs + c);
        const float4 a = f[0], b = f[1];
        x[0] = a.x, x[1] = a.y, x[2] = a.z, x[3] = a.w;
        x[4] = b.x, x[5] = b.y, x[6] = b.z, x[7] = b.w;
    }
}

// F16: 8 halves (16 bytes) per lane, 256 columns per warp step.
template <int TT, int RPW, bool LERP>
__device__ __forceinline__ void dot_f16(const MatJob& j, int row0, int nr, const Input& in, int t0, int nt, int lane,
                                        float (&acc)[RPW][TT]) {
    const int cols = (int)j.cols;
#pragma unroll 2
    for (int c = lane * 8; c < cols; c += 256) {
        float w[RPW][8];
#pragma unroll
        for (int r = 0; r < RPW; r++) {
            uint4 raw = make_uint4(0, 0, 0, 0);
            if (r < nr) raw = __ldg(reinterpret_cast<const uint4*>(j.w + (size_t)(row0 + r) * j.rowBytes + (size_t)c * 2));
            const unsigned u[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
            for (int k = 0; k < 4; k++) {
                const float2 f = halves2(u[k]);
                w[r][2 * k] = f.x;
                w[r][2 * k + 1] = f.y;
            }
        }
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                float x[8];
                load8<LERP>(in, t0 + t, c, x);
#pragma unroll
                for (int r = 0; r < RPW; r++) {
                    float s = w[r][0] * x[0];
#pragma unroll
                    for (int k = 1; k < 8; k++) s += w[r][k] * x[k];
                    acc[r][t] += s;
                }
            }
        }
    }
}

// F32: 4 floats per lane, 128 columns per warp step.
template <int TT, int RPW, bool LERP>
__device__ __forceinline__ void dot_f32(const MatJob& j, int row0, int nr, const Input& in, int t0, int nt, int lane,
                                        float (&acc)[RPW][TT]) {
    const int cols = (int)j.cols;
#pragma unroll 2
    for (int c = lane * 4; c < cols; c += 128) {
        float4 w[RPW];
#pragma unroll
        for (int r = 0; r < RPW; r++) {
            w[r] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (r < nr) w[r] = __ldg(reinterpret_cast<const float4*>(j.w + (size_t)(row0 + r) * j.rowBytes) + c / 4);
        }
#pragma unroll
        for (int t = 0; t < TT; t++) {
            if (t < nt) {
                float4 a;
                if (LERP) {
                    const float4 f = *reinterpret_cast<const float4*>(in.f + c);
                    const float4 d = *reinterpret_cast<const float4*>(in.dif + c);
                    const float4 m = *reinterpret_cast<const float4*>(in.mix + c);
                    a = make_float4(f.x + d.x * m.x, f.y + d.y * m.y, f.z + d.z * m.z, f.w + d.w * m.w);
                } else {
                    a = *reinterpret_cast<const float4*>(in.f + (t0 + t) * in.fs + c);
                }
#pragma unroll
                for (int r = 0; r < RPW; r++) {
                    float s = w[r].x * a.x;
                    s += w[r].y * a.y;
                    s += w[r].z * a.z;
                    s += w[r].w * a.w;
                    acc[r][t] += s;
                }
            }
        }
    }
}

template <int TT, int RPW>
__device__ __forceinline__ void dot_rows(const MatJob& j, int row0, int nr, const Input& in, int t0, int nt, int lane,
                                         float (&acc)[RPW][TT]) {
    const bool lerp = in.mix != nullptr;
    switch (j.type) {
    case TYPE_Q8_0: dot_q8_0<TT, RPW>(j, row0, nr, in, t0, nt, lane, acc); break;
    case TYPE_Q4_0: dot_q4_0<TT, RPW>(j, row0, nr, in, t0, nt, lane, acc); break;
    case TYPE_Q8_0P: dot_q8p<TT, RPW>(j, row0, nr, in, t0, nt, lane, acc); break;
    case TYPE_Q4_0P: dot_q4p<TT, RPW>(j, row0, nr, in, t0, nt, lane, acc); break;
    case TYPE_F16:
        if (lerp) dot_f16<TT, RPW, true>(j, row0, nr, in, t0, nt, lane, acc);
        else dot_f16<TT, RPW, false>(j, row0, nr, in, t0, nt, lane, acc);
        break;
    case TYPE_F32:
        if (lerp) dot_f32<TT, RPW, true>(j, row0, nr, in, t0, nt, lane, acc);
        else dot_f32<TT, RPW, false>(j, row0, nr, in, t0, nt, lane, acc);
        break;
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
    const Input in = {j.xq, j.xd, j.x, nullptr, nullptr, (size_t)j.xs, (size_t)(j.xs / QK), (size_t)j.xs};
    float acc[1][TT];
#pragma unroll
    for (int t = 0; t < TT; t++) acc[0][t] = 0.0f;
    dot_rows<TT, 1>(j, row, 1, in, t0, nt, lane, acc);
#pragma unroll
    for (int t = 0; t < TT; t++) {
        const float v = warp_sum(acc[0][t]);
        if (lane == 0 && t < nt) epilogue(j, t0 + t, row, v);
    }
}

extern "C" __global__ void __launch_bounds__(256) gosling_matvec8(const MatJob* jobs, int njobs, int T) {
    matvec_body<8>(jobs, njobs, T);
}

// job_of finds the job that tile belongs to.
__device__ __forceinline__ int job_of(const MatJob* jobs, int njobs, int tile) {
    int ji = 0;
    while (ji + 1 < njobs && tile >= jobs[ji + 1].blockStart) ji++;
    return ji;
}

// prologue: the layer norm of x (one token), then into shared memory the
// normalised x (cur), prev − cur (dif) and, for each mix the jobs read as
// Q8, its lerp cur + dif·mix[m] as Q8 blocks, in the order of the bits of
// q8mask. The arithmetic is gosling_att_shift's, so decode and prefill agree.
__device__ __forceinline__ void prologue(const ProdArgs* A, float* cur, float* dif, signed char* q8, float* q8d,
                                         float* red) {
    const int D = (int)A->D;
    float v[LN_PER_THREAD], d[LN_PER_THREAD];
    layer_norm(A->x, A->lnw, A->lnb, D, (float)A->eps, v, red);
    const bool keep = A->keep != nullptr && blockIdx.x == 0;
#pragma unroll
    for (int k = 0; k < LN_PER_THREAD; k++) {
        const int c = k * LN_THREADS + threadIdx.x;
        d[k] = 0.0f;
        if (c < D) {
            if (A->prev) d[k] = A->prev[c] - v[k];
            cur[c] = v[k];
            dif[c] = d[k];
            if (keep) A->keep[c] = v[k];
        }
    }
    int slot = 0;
    for (int m = 0; m < 7; m++) {
        if (!((A->q8mask >> m) & 1)) continue;
        const float* mix = m < 6 ? A->mix[m] : nullptr;
        signed char* q = q8 + (size_t)slot * D;
        float* qd = q8d + (size_t)slot * (D / QK);
#pragma unroll
        for (int k = 0; k < LN_PER_THREAD; k++) {
            const int c = k * LN_THREADS + threadIdx.x;
            if (c < D) {  // D is a multiple of 32: whole warps
                const float x = mix ? v[k] + d[k] * mix[c] : v[k];
                warp_quant(x, q + (c & ~31), qd + (c >> 5));
            }
        }
        slot++;
    }
    __syncthreads();
}

// prod_body runs one decode launch (see the file comment). Tiles are dealt
// to the thread blocks round robin; a launch has at most as many blocks as
// fit on the GPU at once, so the prologue runs once per block, not per tile.
template <int RPW>
__device__ __forceinline__ void prod_body(const ProdArgs* A) {
    DYNAMIC_SHARED(dyn);
    __shared__ float red[LN_THREADS / 32];
    __shared__ float tileOut[32];
    constexpr int rowsPerTile = MV_WARPS * RPW;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const MatJob* jobs = A->jobs;
    const int njobs = (int)A->njobs, ntiles = (int)A->ntiles, D = (int)A->D;
    float* cur = reinterpret_cast<float*>(dyn);
    float* dif = cur + D;
    signed char* q8 = reinterpret_cast<signed char*>(dif + D);
    const unsigned mask = (unsigned)A->q8mask;
    float* q8d = reinterpret_cast<float*>(q8 + (size_t)__popc(mask) * D);
    if (A->x) {
        // Start this block's first rows towards L2 while the prologue runs.
        if ((int)blockIdx.x < ntiles) {
            const MatJob& j = jobs[job_of(jobs, njobs, blockIdx.x)];
            const int row0 = ((int)blockIdx.x - (int)j.blockStart) * rowsPerTile + warp * RPW;
            for (int r = 0; r < RPW && row0 + r < j.rows; r++) {
                const unsigned char* p = j.w + (size_t)(row0 + r) * j.rowBytes;
                for (i64 off = lane * 128; off < j.rowBytes; off += 32 * 128) prefetch_l2(p + off);
            }
        }
        prologue(A, cur, dif, q8, q8d, red);
    }
    for (int tile = blockIdx.x; tile < ntiles; tile += gridDim.x) {
        const MatJob& j = jobs[job_of(jobs, njobs, tile)];
        const int tileRow = (tile - (int)j.blockStart) * rowsPerTile;
        const int row0 = tileRow + warp * RPW;
        const int nr = max(0, min(RPW, (int)j.rows - row0));
        Input in = {j.xq, j.xd, j.x, nullptr, nullptr, 0, 0, 0};
        if (j.mix >= 0) {
            const int m = (int)j.mix;
            const int slot = __popc(mask & ((1u << m) - 1u));
            in.q = q8 + (size_t)slot * D;
            in.d = q8d + (size_t)slot * (D / QK);
            in.f = cur;
            if (m < 6 && A->prev) {
                in.dif = dif;
                in.mix = A->mix[m];
            }
        }
        float acc[RPW][1];
#pragma unroll
        for (int r = 0; r < RPW; r++) acc[r][0] = 0.0f;
        if (nr > 0) dot_rows<1, RPW>(j, row0, nr, in, 0, 1, lane, acc);
#pragma unroll
        for (int r = 0; r < RPW; r++) {
            const float v = warp_sum(acc[r][0]);
            if (lane == 0 && r < nr) {
                const float o = epilogue(j, 0, row0 + r, v);
                if (j.oq) tileOut[warp * RPW + r] = o;
            }
        }
        if (j.oq) {  // the same for the whole block: the tile belongs to one job
            __syncthreads();
            if (warp == 0) warp_quant(tileOut[lane], j.oq + tileRow, j.od + tileRow / QK);
            __syncthreads();
        }
    }
    if (A->copySrc && blockIdx.x == 0) {
        for (int c = threadIdx.x; c < (int)A->copyN; c += blockDim.x) A->copyDst[c] = A->copySrc[c];
    }
}

extern "C" __global__ void __launch_bounds__(256, 2) gosling_prod1(const ProdArgs* A) { prod_body<1>(A); }

extern "C" __global__ void __launch_bounds__(256, 2) gosling_prod4(const ProdArgs* A) { prod_body<4>(A); }

// quantize_q8 turns T rows of blocksPerToken·32 floats into Q8 blocks, one
// warp per block.
extern "C" __global__ void __launch_bounds__(256) gosling_quantize_q8(const float* x, signed char* q, float* d, int blocksPerToken, int T) {
    const int blk = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    if (blk >= blocksPerToken * T) return;
    const float v = x[(size_t)blk * QK + (threadIdx.x & 31)];
    warp_quant(v, q + (size_t)blk * QK, d + blk);
}
