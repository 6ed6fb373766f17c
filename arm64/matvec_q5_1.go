package arm64

// MatVecQ5_1 is MatVecQ4_1 for Q5_1 rows (d, m, qh holding bit 4 of code j
// at bit j, nibbles as Q4_1).
func MatVecQ5_1(out []float32, w []byte, xq []int8, xd, xs []float32) {
	matVecQ5_1(out, w, xq, xd, xs)
}

func matVecQ5_1Generic(out []float32, w []byte, xq []int8, xd, xs []float32) {
	matVecQ8_1With(out, w, xq, xd, xs, BlockQ5_1, dotQ5_1)
}

// MatMulQ5_1 is the prefill form of MatVecQ5_1.
func MatMulQ5_1(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int) {
	matMulQ5_1(out, ldOut, w, xq, xd, xs, T)
}

func matMulQ5_1Generic(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int) {
	matMulQ8_1With("MatMulQ5_1", out, ldOut, w, xq, xd, xs, T, BlockQ5_1, dotQ5_1)
}
