package arm64

// MatVecQ4_1 computes out = W·x for ggml Q4_1 rows (d, m, nibbles: byte j
// holds value j low and j+16 high; value = d·q + m) and x quantized by
// QuantizeQ8_1 into xq, xd, xs.
func MatVecQ4_1(out []float32, w []byte, xq []int8, xd, xs []float32) {
	matVecQ4_1(out, w, xq, xd, xs)
}

func matVecQ4_1Generic(out []float32, w []byte, xq []int8, xd, xs []float32) {
	matVecQ8_1With(out, w, xq, xd, xs, BlockQ4_1, dotQ4_1)
}

// MatMulQ4_1 is the prefill form of MatVecQ4_1.
func MatMulQ4_1(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int) {
	matMulQ4_1(out, ldOut, w, xq, xd, xs, T)
}

func matMulQ4_1Generic(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int) {
	matMulQ8_1With("MatMulQ4_1", out, ldOut, w, xq, xd, xs, T, BlockQ4_1, dotQ4_1)
}
