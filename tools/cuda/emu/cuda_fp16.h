// Host stand-in for cuda_fp16.h: just what gosling's kernels use, for the
// CPU emulator (see emu.h). IEEE binary16 ↔ float conversion, round to
// nearest even.
#pragma once
#include <cstdint>
#include <cstring>

struct __half {
    uint16_t bits;
};
struct __half2 {
    __half x, y;
};

static inline float __half2float(__half h) {
    const uint32_t s = (uint32_t)(h.bits >> 15) << 31;
    uint32_t e = (h.bits >> 10) & 0x1f, m = h.bits & 0x3ff, u;
    if (e == 0) {
        if (m == 0) {
            u = s;
        } else {  // subnormal: normalise
            e = 127 - 15 + 1;
            while (!(m & 0x400)) {
                m <<= 1;
                e--;
            }
            u = s | (e << 23) | ((m & 0x3ff) << 13);
        }
    } else if (e == 31) {
        u = s | 0x7f800000u | (m << 13);
    } else {
        u = s | ((e + 127 - 15) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline __half __float2half(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    const uint32_t s = (u >> 16) & 0x8000;
    int e = (int)((u >> 23) & 0xff) - 127 + 15;
    uint32_t m = u & 0x7fffff;
    __half h;
    if (((u >> 23) & 0xff) == 0xff) {
        h.bits = (uint16_t)(s | 0x7c00 | (m ? 0x200 : 0));
        return h;
    }
    if (e >= 31) {
        h.bits = (uint16_t)(s | 0x7c00);
        return h;
    }
    if (e <= 0) {
        if (e < -10) {
            h.bits = (uint16_t)s;
            return h;
        }
        m |= 0x800000;
        const int shift = 14 - e;
        uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) r++;
        h.bits = (uint16_t)(s | r);
        return h;
    }
    uint32_t r = ((uint32_t)e << 10) | (m >> 13), rem = m & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (r & 1))) r++;
    h.bits = (uint16_t)(s | r);
    return h;
}

// float2 comes from emu.h, which is included first.
static inline float2 __half22float2(__half2 h) { return float2{__half2float(h.x), __half2float(h.y)}; }

static inline __half __ushort_as_half(unsigned short u) { return __half{u}; }
