//go:build !cuda

package main

import "testing"

// Without the cuda build tag there is no accelerator: --device cuda is a
// usage error that says how to get one, and cpu is the default.
func TestDeviceWithoutCUDA(t *testing.T) {
	wantFailure(t, []string{"info", "--device", "cuda"}, "built without CUDA", "-tags cuda")
	wantFailure(t, []string{"run", "--device", "cuda", "-m", "x.gguf", "hello"}, "built without CUDA")
	wantFailure(t, []string{"chat", "--device", "cuda", "-m", "x.gguf"}, "built without CUDA")
	wantFailure(t, []string{"bench", "--device", "cuda", "-m", "x.gguf"}, "built without CUDA")
	wantFailure(t, []string{"info", "--device", "tpu"}, "unknown device")
	if len(devices) != 0 {
		t.Errorf("default build registers devices %v", devices)
	}
}
