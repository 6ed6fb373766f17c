// Package cuda runs the whole RWKV-7 forward pass on an NVIDIA GPU: Jetson
// Orin boards (integrated GPU, weights used in place from the memory map)
// and discrete GPUs (weights copied once to device memory).
//
// It is compiled only with the build tag cuda, and even then needs no cgo:
// the NVIDIA driver library libcuda.so.1 is loaded at run time through
// github.com/ebitengine/purego, and the kernels are PTX generated from the
// .cu sources in the kernels folder and embedded in the binary, so
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags cuda ./cmd/gosling
//
// makes a Jetson binary on any machine. Without the tag this package is
// empty and the default build knows nothing of CUDA.
package cuda
