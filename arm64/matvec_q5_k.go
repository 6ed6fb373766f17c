package arm64

// MatVecQ5_K is MatVecQ2_K for ggml Q5_K rows.
func MatVecQ5_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ5_K(out, w, xq, xd, xs)
}

func matVecQ5_KGeneric(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ8_KWith(out, w, xq, xd, xs, BlockQ5_K, dotQ5_K)
}

// MatMulQ5_K is the prefill form of MatVecQ5_K.
func MatMulQ5_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ5_K(out, ldOut, w, xq, xd, xs, T)
}

func matMulQ5_KGeneric(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ8_KWith("MatMulQ5_K", out, ldOut, w, xq, xd, xs, T, BlockQ5_K, dotQ5_K)
}
