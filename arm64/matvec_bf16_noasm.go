//go:build !(arm64 || amd64) || purego

package arm64

func matVecBF16(out []float32, w []uint16, x []float32) { matVecBF16Generic(out, w, x) }

func matMulBF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	matMulBF16Generic(out, ldOut, w, x, T)
}
