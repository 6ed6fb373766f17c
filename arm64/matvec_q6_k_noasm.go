//go:build !(arm64 || amd64) || purego

package arm64

func matVecQ6_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ6_KGeneric(out, w, xq, xd, xs)
}

func matMulQ6_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ6_KGeneric(out, ldOut, w, xq, xd, xs, T)
}
