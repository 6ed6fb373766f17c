// Package runtime runs RWKV-7 ("Goose") language models from GGUF files:
// it binds the weights to the memory-mapped tensors (no copies), carries the
// recurrent state, and computes one token at a time in constant memory.
//
// The pieces: Model (weights + configuration, immutable, shared), State (the
// per-sequence recurrent state: token-shift vectors and the WKV matrices),
// Context (the scratch buffers of one forward pass; one per goroutine) and
// Pool (the workers that split matrix rows across cores). Kernels live in
// package arm64; file formats in package quant.
package runtime
