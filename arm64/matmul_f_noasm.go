//go:build !(arm64 || amd64) || purego

package arm64

func matMulF32(out []float32, ldOut int, w, x []float32, T int) {
	matMulF32Generic(out, ldOut, w, x, T)
}

func matMulF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	matMulF16Generic(out, ldOut, w, x, T)
}
