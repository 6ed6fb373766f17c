package arm64

// MatVecQ6_K is MatVecQ2_K for ggml Q6_K rows.
func MatVecQ6_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ6_K(out, w, xq, xd, xs)
}

func matVecQ6_KGeneric(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ8_KWith(out, w, xq, xd, xs, BlockQ6_K, dotQ6_K)
}

// MatMulQ6_K is the prefill form of MatVecQ6_K.
func MatMulQ6_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ6_K(out, ldOut, w, xq, xd, xs, T)
}

func matMulQ6_KGeneric(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ8_KWith("MatMulQ6_K", out, ldOut, w, xq, xd, xs, T, BlockQ6_K, dotQ6_K)
}
