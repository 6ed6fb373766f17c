//go:build !(arm64 || amd64) || purego

package arm64

func matVecQ5_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ5_KGeneric(out, w, xq, xd, xs)
}

func matMulQ5_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ5_KGeneric(out, ldOut, w, xq, xd, xs, T)
}
