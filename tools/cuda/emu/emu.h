// emu.h turns gosling's CUDA kernels into host C++ for the CPU emulator
// (libcuda-emu.so, a stand-in for libcuda.so.1 that runs the kernels on the
// CPU; see README.md). It is force-included before the .cu sources, which
// are compiled unchanged but for the few GOSLING_EMU branches in
// common.cuh. Every CUDA thread is a fiber: barriers and warp shuffles
// switch fibers, so __syncthreads and __shfl_xor_sync keep their meaning,
// and a barrier that not every thread reaches is reported as a deadlock.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#define GOSLING_EMU 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))
#define __restrict__

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
extern dim3 threadIdx, blockIdx, blockDim, gridDim;
constexpr int warpSize = 32;

struct alignas(16) uint4 {
    unsigned x, y, z, w;
};
struct alignas(16) int4 {
    int x, y, z, w;
};
struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(8) float2 {
    float x, y;
};
struct alignas(8) uint2 {
    unsigned x, y;
};
static inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
static inline float2 make_float2(float x, float y) { return float2{x, y}; }
static inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return uint4{x, y, z, w}; }
static inline int __popc(unsigned x) { return __builtin_popcount(x); }

using std::max;
using std::min;

// The emulator's side (emu.cpp).
extern "C" void emu_syncthreads();
extern "C" void emu_syncwarp();
extern "C" uint32_t emu_shfl_xor(uint32_t v, int laneMask);
extern "C" unsigned char* emu_dynamic_smem();

static inline void __syncthreads() { emu_syncthreads(); }
static inline void __syncwarp(unsigned = 0xffffffffu) { emu_syncwarp(); }

static inline float __shfl_xor_sync(unsigned, float v, int m) {
    uint32_t u;
    memcpy(&u, &v, 4);
    u = emu_shfl_xor(u, m);
    memcpy(&v, &u, 4);
    return v;
}
static inline int __shfl_xor_sync(unsigned, int v, int m) { return (int)emu_shfl_xor((uint32_t)v, m); }
static inline unsigned __shfl_xor_sync(unsigned, unsigned v, int m) { return emu_shfl_xor(v, m); }

template <typename T>
static inline T __ldg(const T* p) {
    return *p;
}

static inline int __dp4a(int a, int b, int c) {
    for (int i = 0; i < 4; i++) c += (int)(int8_t)(a >> (8 * i)) * (int)(int8_t)(b >> (8 * i));
    return c;
}
static inline int __dp4a(unsigned a, int b, int c) { return __dp4a((int)a, b, c); }

static inline int __vsubss4(int a, int b) {
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        int d = (int)(int8_t)(a >> (8 * i)) - (int)(int8_t)(b >> (8 * i));
        d = d < -128 ? -128 : d > 127 ? 127 : d;
        r |= (uint32_t)(uint8_t)d << (8 * i);
    }
    return (int)r;
}
static inline int __vsubss4(unsigned a, int b) { return __vsubss4((int)a, b); }

static inline unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned shift) {
    const uint64_t v = ((uint64_t)hi << 32) | lo;
    return (unsigned)(v >> (shift & 31));
}
