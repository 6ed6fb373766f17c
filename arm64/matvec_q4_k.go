package arm64

// MatVecQ4_K is MatVecQ2_K for ggml Q4_K rows.
func MatVecQ4_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ4_K(out, w, xq, xd, xs)
}

func matVecQ4_KGeneric(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ8_KWith(out, w, xq, xd, xs, BlockQ4_K, dotQ4_K)
}

// MatMulQ4_K is the prefill form of MatVecQ4_K.
func MatMulQ4_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ4_K(out, ldOut, w, xq, xd, xs, T)
}

func matMulQ4_KGeneric(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ8_KWith("MatMulQ4_K", out, ldOut, w, xq, xd, xs, T, BlockQ4_K, dotQ4_K)
}
