// Package arm64 holds every compute kernel gosling runs on the CPU: matrix ×
// vector products over F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
// IQ4_NL, Q2_K…Q6_K and IQ4_XS weights and their matrix × matrix forms for
// chunked prefill, the f32 vector pieces of a token step (activation
// quantization, norms, activations) and the WKV-7 delta-rule state update.
//
// The quantized kernels read ggml's blocks as stored and multiply their
// integer codes with activations quantized the way ggml pairs with each
// type (quantize_q8_k.go): Q8_0-style blocks, with block sums for the types
// with an offset, and 256-value Q8_K blocks for the K types and IQ4_XS.
// BF16, Q4_K, Q5_K, Q6_K, IQ4_XS, IQ4_NL, Q5_0, Q4_1, Q5_1 and
// QuantizeQ8_K have NEON kernels (SDOT and ARMv8.0 paths for the quantized
// ones; their prefill forms run the matvec kernel over cache-sized row
// blocks); Q2_K and Q3_K have no assembly yet (impl_generic_test.go lists
// them).
//
// Each kernel has a pure-Go twin (the *Generic functions). The twins are the
// reference that the NEON and x86-64 versions are tested against and are
// what every other architecture runs. A kernel k lives in k.go (the exported
// function, which calls the unexported dispatcher, and the twin), k_arm64.go
// and k_arm64.s (the dispatcher and the assembly) and k_noasm.go (a
// dispatcher that calls the twin; the purego build tag selects it on arm64
// too); what the kernels of a family share is in files named for it
// (matmul.go, matmul_asm.go, matvec_q_asm.go). Dispatch is the standard
// library's: two feature flags, useNEON and useDotProd (cpu_arm64.go), are
// read from the CPU once at start-up, and each dispatcher checks them and
// calls the assembly (with SDOT paths for ARMv8.2 dot-product cores) or the
// twin directly, with no function variables in between. Path names what they
// select. The tests keep their own registry of every kernel's
// implementations and set the flags to run each of them.
//
// Kernels never allocate on the heap, never start goroutines and hold no
// state: callers split work by slicing rows.
//
// The assembly targets ARMv8.0 with Advanced SIMD (the Cortex-A72 of the
// Raspberry Pi 4, which has no dot product) and ARMv8.2 with the dot
// product (SDOT: the Cortex-A76 of the Pi 5, the A78AE of the Jetson Orin);
// instructions the Go assembler lacks are encoded as WORD directives
// (neon_arm64.h). Tests run every implementation this CPU has against the
// generic twin, on random inputs, odd lengths and guard bands around every
// output, and CI runs them under qemu-aarch64 on both kinds of CPU.
//
// On x86-64 (the *_amd64 files, flags useAVX2 and useAVX512 in cpu_amd64.go)
// the quantizers (QuantizeQ8, QuantizeQ8_K), the
// F32/F16/BF16/Q8_0/Q4_0/Q5_0/Q4_1/Q5_1/IQ4_NL/Q4_K/Q5_K/Q6_K/IQ4_XS matrix
// × vector products and their MatMul forms have assembly: AVX2 with FMA and
// F16C (x86-64-v3, Haswell on) and, where cpuid reports AVX-512 F/BW/VL and
// VNNI, VPDPBUSD for the Q8_0 and Q4_0 products. Kernels without amd64
// assembly run their twins there. CI tests the AVX2 path under qemu-x86_64
// -cpu Haswell beside the native run. The package keeps its name: the
// repository's top level is fixed.
package arm64
