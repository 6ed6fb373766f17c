package arm64

// MatVecIQ4_NL is MatVecQ8_0 for IQ4_NL rows (d, nibbles as Q4_0 indexing
// the non-linear grid; value = d·grid[q]).
func MatVecIQ4_NL(out []float32, w []byte, xq []int8, xd []float32) {
	matVecIQ4_NL(out, w, xq, xd)
}

func matVecIQ4_NLGeneric(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ8With(out, w, xq, xd, BlockIQ4_NL, dotIQ4_NL)
}

// MatMulIQ4_NL is the prefill form of MatVecIQ4_NL.
func MatMulIQ4_NL(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulIQ4_NL(out, ldOut, w, xq, xd, T)
}

func matMulIQ4_NLGeneric(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ8With("MatMulIQ4_NL", out, ldOut, w, xq, xd, T, BlockIQ4_NL, dotIQ4_NL)
}
