//go:build !(arm64 || amd64) || purego

package arm64

func matVecQ4_1(out []float32, w []byte, xq []int8, xd, xs []float32) {
	matVecQ4_1Generic(out, w, xq, xd, xs)
}

func matMulQ4_1(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int) {
	matMulQ4_1Generic(out, ldOut, w, xq, xd, xs, T)
}
