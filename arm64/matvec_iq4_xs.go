package arm64

// MatVecIQ4_XS is MatVecQ2_K for ggml IQ4_XS rows (xs is not read).
func MatVecIQ4_XS(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecIQ4_XS(out, w, xq, xd, xs)
}

func matVecIQ4_XSGeneric(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ8_KWith(out, w, xq, xd, xs, BlockIQ4_XS, dotIQ4_XS)
}

// MatMulIQ4_XS is the prefill form of MatVecIQ4_XS.
func MatMulIQ4_XS(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulIQ4_XS(out, ldOut, w, xq, xd, xs, T)
}

func matMulIQ4_XSGeneric(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ8_KWith("MatMulIQ4_XS", out, ldOut, w, xq, xd, xs, T, BlockIQ4_XS, dotIQ4_XS)
}
