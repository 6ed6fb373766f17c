//go:build !(arm64 || amd64) || purego

package arm64

func matVecQ4_0(out []float32, w []byte, xq []int8, xd []float32) { matVecQ4_0Generic(out, w, xq, xd) }
