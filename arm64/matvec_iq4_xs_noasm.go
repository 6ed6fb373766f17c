//go:build !(arm64 || amd64) || purego

package arm64

func matVecIQ4_XS(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecIQ4_XSGeneric(out, w, xq, xd, xs)
}

func matMulIQ4_XS(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulIQ4_XSGeneric(out, ldOut, w, xq, xd, xs, T)
}
