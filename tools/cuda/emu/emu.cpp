// libcuda-emu.so: a CPU stand-in for the NVIDIA driver library, for testing
// runtime/cuda on machines without a GPU. It implements the driver calls
// runtime/cuda makes; cuLaunchKernel runs gosling's kernels, compiled for
// the host from the unchanged .cu sources (emu.h), one fiber per CUDA
// thread, block after block. Device memory is host memory (filled with NaN
// bytes when allocated, as real device memory holds garbage), launches are
// synchronous, and graph capture records the launches with their parameter
// values, as the driver does.
//
// Checks a GPU would not report: a barrier that some threads never reach
// (deadlock), dynamic shared memory written past its size, more dynamic
// shared memory than the kernel's limit without cuFuncSetAttribute.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "emu.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define UNPOISON(p, n) __asan_unpoison_memory_region(p, n)
#else
#define UNPOISON(p, n)
#endif

dim3 threadIdx, blockIdx, blockDim, gridDim;

typedef int CUresult;
enum {
    OK = 0,
    ERR_INVALID_VALUE = 1,
    ERR_NOT_FOUND = 500,
    ERR_LAUNCH_FAILED = 719,
};

// ---- kernel registry -------------------------------------------------------

struct Kernel {
    std::string name;
    int nparams;
    std::function<void(void**)> call;
    int maxDynamicShared = 48 * 1024;
};

static std::map<std::string, Kernel*>& registry() {
    static std::map<std::string, Kernel*> r;
    return r;
}

void emu_register(const char* name, int nparams, std::function<void(void**)> call) {
    registry()[name] = new Kernel{name, nparams, call};
}

// ---- fibers ------------------------------------------------------------------

extern "C" void emu_swap(void** save, void* load);
asm(R"(
.text
.globl emu_swap
.type emu_swap,@function
emu_swap:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size emu_swap,.-emu_swap
)");

enum { RUN = 0, WAIT_BLOCK = 1, WAIT_WARP = 2 };

struct Fiber {
    void* sp;
    int wait;
    bool done;
    int phase;  // parity of this thread's shuffles
};

static const size_t kStack = 128 * 1024;
static std::vector<Fiber> fibers;
static std::vector<char*> stacks;
static void* schedSP;
static int cur, nthreads, live, blockArrived;
static std::vector<int> warpLive, warpArrived;
static std::vector<uint32_t> shfl[2];
static Kernel* runKernel;
static void** runParams;
static std::vector<unsigned char> smem;
static size_t smemSize;
static std::string launchError;

static void yield() { emu_swap(&fibers[cur].sp, schedSP); }

static void releaseBlock() {
    if (live > 0 && blockArrived == live) {
        for (auto& f : fibers)
            if (f.wait == WAIT_BLOCK) f.wait = RUN;
        blockArrived = 0;
    }
}

static void releaseWarp(int w) {
    if (warpLive[w] > 0 && warpArrived[w] == warpLive[w]) {
        for (int i = w * 32; i < std::min(nthreads, w * 32 + 32); i++)
            if (fibers[i].wait == WAIT_WARP) fibers[i].wait = RUN;
        warpArrived[w] = 0;
    }
}

extern "C" void emu_syncthreads() {
    fibers[cur].wait = WAIT_BLOCK;
    blockArrived++;
    releaseBlock();
    yield();
}

extern "C" void emu_syncwarp() {
    const int w = cur / 32;
    fibers[cur].wait = WAIT_WARP;
    warpArrived[w]++;
    releaseWarp(w);
    yield();
}

extern "C" uint32_t emu_shfl_xor(uint32_t v, int laneMask) {
    const int me = cur, w = me / 32, lane = me % 32;
    const int ph = fibers[me].phase;
    fibers[me].phase ^= 1;
    shfl[ph][me] = v;
    emu_syncwarp();
    const int src = w * 32 + ((lane ^ laneMask) & 31);
    if (src >= nthreads) return v;
    return shfl[ph][src];
}

extern "C" unsigned char* emu_dynamic_smem() { return smem.data(); }

static void fiberMain() {
    runKernel->call(runParams);
    Fiber& f = fibers[cur];
    f.done = true;
    live--;
    warpLive[cur / 32]--;
    releaseBlock();
    releaseWarp(cur / 32);
    emu_swap(&f.sp, schedSP);
    abort();  // never resumed
}

static void startFiber(int i) {
    UNPOISON(stacks[i], kStack);  // frames of the last kernel, left on the stack
    char* top = stacks[i] + kStack;
    top = (char*)((uintptr_t)top & ~(uintptr_t)15);
    void** a = (void**)(top - 16);  // return address slot, 16-byte aligned
    a[0] = (void*)&fiberMain;
    a[1] = nullptr;
    void** sp = a - 6;  // six callee-saved registers popped by emu_swap
    for (int k = 0; k < 6; k++) sp[k] = nullptr;
    fibers[i] = Fiber{sp, RUN, false, 0};
}

// runBlock runs one thread block to completion; false on a deadlock.
static bool runBlock() {
    while ((int)stacks.size() < nthreads) stacks.push_back((char*)malloc(kStack));
    fibers.assign(nthreads, Fiber{});
    for (int i = 0; i < nthreads; i++) startFiber(i);
    const int nw = (nthreads + 31) / 32;
    warpLive.assign(nw, 0);
    warpArrived.assign(nw, 0);
    for (int i = 0; i < nthreads; i++) warpLive[i / 32]++;
    live = nthreads;
    blockArrived = 0;
    shfl[0].assign(nthreads, 0);
    shfl[1].assign(nthreads, 0);
    while (live > 0) {
        bool ran = false;
        for (int i = 0; i < nthreads; i++) {
            if (fibers[i].done || fibers[i].wait != RUN) continue;
            cur = i;
            threadIdx.x = i % blockDim.x;
            threadIdx.y = (i / blockDim.x) % blockDim.y;
            threadIdx.z = i / (blockDim.x * blockDim.y);
            emu_swap(&schedSP, fibers[i].sp);
            ran = true;
        }
        if (!ran) {
            int blk = 0, wrp = 0;
            for (auto& f : fibers) {
                if (!f.done && f.wait == WAIT_BLOCK) blk++;
                if (!f.done && f.wait == WAIT_WARP) wrp++;
            }
            char buf[256];
            snprintf(buf, sizeof buf, "%s: deadlock in block %u: %d threads live, %d at __syncthreads, %d at a warp barrier",
                     runKernel->name.c_str(), blockIdx.x, live, blk, wrp);
            launchError = buf;
            return false;
        }
    }
    return true;
}

static const size_t kGuard = 256;

static CUresult launch(Kernel* k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                       unsigned shared, void** params) {
    if (!k || gx * gy * gz == 0 || bx * by * bz == 0 || bx * by * bz > 1024) return ERR_INVALID_VALUE;
    if ((int)shared > k->maxDynamicShared) {
        fprintf(stderr, "emu: %s: %u bytes of dynamic shared memory, limit %d (cuFuncSetAttribute)\n", k->name.c_str(),
                shared, k->maxDynamicShared);
        return ERR_INVALID_VALUE;
    }
    runKernel = k;
    runParams = params;
    gridDim = dim3{gx, gy, gz};
    blockDim = dim3{bx, by, bz};
    nthreads = bx * by * bz;
    smemSize = shared;
    for (unsigned z = 0; z < gz; z++)
        for (unsigned y = 0; y < gy; y++)
            for (unsigned x = 0; x < gx; x++) {
                blockIdx = dim3{x, y, z};
                smem.assign(shared + kGuard, 0xff);  // NaN bytes: reading unwritten shared memory shows
                if (!runBlock()) {
                    fprintf(stderr, "emu: %s\n", launchError.c_str());
                    return ERR_LAUNCH_FAILED;
                }
                for (size_t i = shared; i < shared + kGuard; i++)
                    if (smem[i] != 0xff) {
                        fprintf(stderr, "emu: %s: dynamic shared memory written past its %u bytes (block %u)\n",
                                k->name.c_str(), shared, x);
                        return ERR_LAUNCH_FAILED;
                    }
            }
    return OK;
}

// ---- graphs -----------------------------------------------------------------

struct Op {
    int kind;  // 0 launch, 1 copy
    Kernel* k;
    unsigned g[3], b[3], shared;
    std::vector<uint64_t> vals;
    void* dst;
    const void* src;
    size_t n;
};
struct Graph {
    std::vector<Op> ops;
};
static bool capturing;
static Graph* captured;
static CUresult sticky;

static CUresult replay(const Graph* g) {
    for (const Op& op : g->ops) {
        if (op.kind == 1) {
            memcpy(op.dst, op.src, op.n);
            continue;
        }
        std::vector<uint64_t> vals = op.vals;
        std::vector<void*> ptrs(vals.size());
        for (size_t i = 0; i < vals.size(); i++) ptrs[i] = &vals[i];
        CUresult r = launch(op.k, op.g[0], op.g[1], op.g[2], op.b[0], op.b[1], op.b[2], op.shared, ptrs.data());
        if (r) return r;
    }
    return OK;
}

static CUresult copy(void* dst, const void* src, size_t n, bool async) {
    if (async && capturing) {
        Op op{};
        op.kind = 1;
        op.dst = dst;
        op.src = src;
        op.n = n;
        captured->ops.push_back(op);
        return OK;
    }
    memcpy(dst, src, n);
    return OK;
}

// ---- the driver API ----------------------------------------------------------

static int envInt(const char* name, int def) {
    const char* s = getenv(name);
    return s && *s ? atoi(s) : def;
}

extern "C" {
typedef unsigned long long CUdeviceptr;

CUresult cuInit(unsigned) { return OK; }
CUresult cuDriverGetVersion(int* v) {
    *v = 11040;  // the oldest driver gosling supports (JetPack 5)
    return OK;
}
CUresult cuDeviceGetCount(int* n) {
    *n = 1;
    return OK;
}
CUresult cuDeviceGet(int* d, int ordinal) {
    if (ordinal != 0) return ERR_INVALID_VALUE;
    *d = 0;
    return OK;
}
CUresult cuDeviceGetName(char* name, int len, int) {
    snprintf(name, len, "gosling CPU emulator");
    return OK;
}
CUresult cuDeviceGetAttribute(int* v, int attr, int) {
    switch (attr) {
    case 16: *v = envInt("EMU_SMS", 3); return OK;          // multiprocessors
    case 18: *v = envInt("EMU_INTEGRATED", 0); return OK;   // integrated
    case 19: *v = 1; return OK;                             // can map host memory
    case 75: *v = 8; return OK;                             // compute capability 8.7
    case 76: *v = 7; return OK;
    case 97: *v = 163 * 1024; return OK;                    // max shared memory per block, opt-in
    case 113: *v = 1; return OK;                            // read-only host register
    }
    return ERR_INVALID_VALUE;
}
CUresult cuDeviceTotalMem_v2(size_t* n, int) {
    *n = (size_t)16 << 30;
    return OK;
}
static int ctxDummy;
CUresult cuDevicePrimaryCtxRetain(void** ctx, int) {
    *ctx = &ctxDummy;
    return OK;
}
CUresult cuDevicePrimaryCtxRelease_v2(int) { return OK; }
CUresult cuCtxSetCurrent(void*) { return OK; }
static int moduleDummy;
CUresult cuModuleLoadDataEx(void** mod, const void*, unsigned, void*, void*) {
    *mod = &moduleDummy;
    return OK;
}
CUresult cuModuleGetFunction(void** f, void*, const char* name) {
    auto it = registry().find(name);
    if (it == registry().end()) {
        fprintf(stderr, "emu: no kernel %s\n", name);
        return ERR_NOT_FOUND;
    }
    *f = it->second;
    return OK;
}
CUresult cuModuleUnload(void*) { return OK; }
CUresult cuFuncSetAttribute(void* f, int attr, int value) {
    if (attr == 8) {  // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
        if (value > 163 * 1024) return ERR_INVALID_VALUE;
        ((Kernel*)f)->maxDynamicShared = value;
        return OK;
    }
    return ERR_INVALID_VALUE;
}
CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* n, void*, int, size_t) {
    *n = envInt("EMU_OCCUPANCY", 2);
    return OK;
}
CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t n) {
    void* q = aligned_alloc(256, (n + 255) & ~(size_t)255);
    if (!q) return 2;
    memset(q, 0xff, n);
    *p = (CUdeviceptr)q;
    return OK;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
    free((void*)p);
    return OK;
}
CUresult cuMemAllocHost_v2(void** p, size_t n) {
    *p = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);
    memset(*p, 0, n);
    return *p ? OK : 2;
}
CUresult cuMemFreeHost(void* p) {
    free(p);
    return OK;
}
CUresult cuMemHostRegister_v2(void*, size_t, unsigned) { return OK; }
CUresult cuMemHostUnregister(void*) { return OK; }
CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr* d, void* p, unsigned) {
    *d = (CUdeviceptr)p;
    return OK;
}
CUresult cuMemGetInfo_v2(size_t* fr, size_t* total) {
    *fr = *total = (size_t)16 << 30;
    return OK;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void* s, size_t n) { return copy((void*)d, s, n, false); }
CUresult cuMemcpyDtoH_v2(void* d, CUdeviceptr s, size_t n) { return copy(d, (void*)s, n, false); }
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void* s, size_t n, void*) { return copy((void*)d, s, n, true); }
CUresult cuMemcpyDtoHAsync_v2(void* d, CUdeviceptr s, size_t n, void*) { return copy(d, (void*)s, n, true); }
CUresult cuMemsetD8_v2(CUdeviceptr d, unsigned char v, size_t n) {
    memset((void*)d, v, n);
    return OK;
}
static int streamDummy;
CUresult cuStreamCreate(void** s, unsigned) {
    *s = &streamDummy;
    return OK;
}
CUresult cuStreamDestroy_v2(void*) { return OK; }
CUresult cuStreamSynchronize(void*) {
    CUresult r = sticky;
    return r;
}
CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void*, void** params, void** extra) {
    Kernel* k = (Kernel*)f;
    if (extra) return ERR_INVALID_VALUE;
    if (capturing) {
        Op op{};
        op.kind = 0;
        op.k = k;
        op.g[0] = gx, op.g[1] = gy, op.g[2] = gz;
        op.b[0] = bx, op.b[1] = by, op.b[2] = bz;
        op.shared = shared;
        for (int i = 0; i < k->nparams; i++) {
            uint64_t v;
            memcpy(&v, params[i], 8);
            op.vals.push_back(v);
        }
        captured->ops.push_back(op);
        return OK;
    }
    CUresult r = launch(k, gx, gy, gz, bx, by, bz, shared, params);
    if (r && !sticky) sticky = r;
    return r;
}
CUresult cuGetErrorName(CUresult r, const char** s) {
    switch (r) {
    case ERR_INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; break;
    case ERR_NOT_FOUND: *s = "CUDA_ERROR_NOT_FOUND"; break;
    case ERR_LAUNCH_FAILED: *s = "CUDA_ERROR_LAUNCH_FAILED"; break;
    default: *s = "CUDA_ERROR_UNKNOWN";
    }
    return OK;
}
CUresult cuGetErrorString(CUresult r, const char** s) {
    *s = r == ERR_LAUNCH_FAILED ? "kernel failed in the emulator (see its message on stderr)" : "emulator error";
    return OK;
}
CUresult cuStreamBeginCapture_v2(void*, int) {
    if (capturing) return ERR_INVALID_VALUE;
    capturing = true;
    captured = new Graph;
    return OK;
}
CUresult cuStreamEndCapture(void*, void** g) {
    if (!capturing) return ERR_INVALID_VALUE;
    capturing = false;
    *g = captured;
    captured = nullptr;
    return OK;
}
CUresult cuGraphInstantiateWithFlags(void** exec, void* g, unsigned long long) {
    *exec = new Graph(*(Graph*)g);
    return OK;
}
CUresult cuGraphLaunch(void* exec, void*) {
    CUresult r = replay((Graph*)exec);
    if (r && !sticky) sticky = r;
    return r;
}
CUresult cuGraphDestroy(void* g) {
    delete (Graph*)g;
    return OK;
}
CUresult cuGraphExecDestroy(void* g) {
    delete (Graph*)g;
    return OK;
}
}
