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
	cols, rows := matMulShape("MatMulQ8_0", len(out), ldOut, len(w), len(xq), T, q8RowLen)
	nb, rb := cols/QK, cols/QK*BlockQ8_0
	_ = xd[T*nb-1]
	for i := 0; i < rows; i++ {
		row := w[i*rb : (i+1)*rb]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dotQ8_0Generic(row, xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
		}
	}
}

func matMulQ4_0Generic(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	cols, rows := matMulShape("MatMulQ4_0", len(out), ldOut, len(w), len(xq), T, q4RowLen)
	nb, rb := cols/QK, cols/QK*BlockQ4_0
	_ = xd[T*nb-1]
	for i := 0; i < rows; i++ {
		row := w[i*rb : (i+1)*rb]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dotQ4_0Generic(row, xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
		}
	}
}
