package arm64

// MatVecQ5_0 is MatVecQ8_0 for Q5_0 rows (d, qh holding bit 4 of code j
// at bit j, nibbles as Q4_0; value = d·(q − 16)).
func MatVecQ5_0(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ5_0(out, w, xq, xd)
}

func matVecQ5_0Generic(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ8With(out, w, xq, xd, BlockQ5_0, dotQ5_0)
}

// MatMulQ5_0 is the prefill form of MatVecQ5_0.
func MatMulQ5_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ5_0(out, ldOut, w, xq, xd, T)
}

func matMulQ5_0Generic(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ8With("MatMulQ5_0", out, ldOut, w, xq, xd, T, BlockQ5_0, dotQ5_0)
}
