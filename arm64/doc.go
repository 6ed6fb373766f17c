// Package arm64 holds every compute kernel gosling runs on the CPU: matrix ×
// vector products over F32, F16, Q8_0 and Q4_0 weights, the f32 vector
// pieces of a token step (norms, lerps, activations) and the WKV-7
// delta-rule state update.
//
// Each kernel has a pure-Go twin (the *Generic functions). The twins are the
// reference that the NEON versions are tested against and are what every
// architecture other than arm64 runs. Kernels never allocate, never start
// goroutines and hold no state: callers split work by slicing rows.
package arm64
