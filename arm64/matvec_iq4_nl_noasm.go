//go:build !(arm64 || amd64) || purego

package arm64

func matVecIQ4_NL(out []float32, w []byte, xq []int8, xd []float32) {
	matVecIQ4_NLGeneric(out, w, xq, xd)
}

func matMulIQ4_NL(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulIQ4_NLGeneric(out, ldOut, w, xq, xd, T)
}
