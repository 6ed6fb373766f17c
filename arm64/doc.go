// Package arm64 holds every compute kernel gosling runs on the CPU: matrix ×
// vector products over F32, F16, Q8_0 and Q4_0 weights and their matrix ×
// matrix forms for chunked prefill, the f32 vector pieces of a token step
// (activation quantization, norms, activations) and the WKV-7 delta-rule
// state update.
//
// Each kernel has a pure-Go twin (the *Generic functions). The twins are the
// reference that the NEON versions are tested against and are what every
// architecture other than arm64 runs. On arm64 the NEON assembly
// (*_arm64.s, with SDOT paths for ARMv8.2 dot-product cores) is chosen at
// start-up from the CPU features; the purego build tag turns it off. The
// registry (Kernels, Implementations, Current, Use, Path) lists what this
// CPU runs, so that tests and benchmarks can run every implementation.
//
// Kernels never allocate on the heap, never start goroutines and hold no
// state: callers split work by slicing rows.
package arm64
