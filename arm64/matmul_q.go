package arm64

// MatMulQ8_0 is the prefill form of MatVecQ8_0 (see matmul.go); xq, xd
// hold T activation vectors quantized by QuantizeQ8 (each quantized on its
// own, or all at once: QuantizeQ8 works block by block).
func MatMulQ8_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ8_0(out, ldOut, w, xq, xd, T)
}

// MatMulQ4_0 is the prefill form of MatVecQ4_0.
func MatMulQ4_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ4_0(out, ldOut, w, xq, xd, T)
}

// The generic twins walk rows outermost so that each weight row is read
// from memory once and then served from cache for the T tokens.

func matMulQ8_0Generic(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ8With("MatMulQ8_0", out, ldOut, w, xq, xd, T, BlockQ8_0, dotQ8_0Generic)
}

func matMulQ4_0Generic(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ8With("MatMulQ4_0", out, ldOut, w, xq, xd, T, BlockQ4_0, dotQ4_0Generic)
}
