//go:build !(arm64 || amd64) || purego

package arm64

func matVecQ4_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ4_KGeneric(out, w, xq, xd, xs)
}

func matMulQ4_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ4_KGeneric(out, ldOut, w, xq, xd, xs, T)
}
