//go:build !(arm64 || amd64) || purego

package arm64

func matVecQ5_1(out []float32, w []byte, xq []int8, xd, xs []float32) {
	matVecQ5_1Generic(out, w, xq, xd, xs)
}

func matMulQ5_1(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int) {
	matMulQ5_1Generic(out, ldOut, w, xq, xd, xs, T)
}
