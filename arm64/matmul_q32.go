package arm64

// The prefill forms (see matmul.go) of the 32-value block kernels of
// matvec_q32.go; xq, xd (and xs) hold T activation vectors quantized by
// QuantizeQ8 (QuantizeQ8_1).

// blockRowLen is the bytes of a row of cols values in blocks of vals values
// and size bytes each, 0 when cols is not a whole number of blocks.
func blockRowLen(cols, vals, size int) int {
	if cols%vals != 0 {
		return 0
	}
	return cols / vals * size
}

func matMulQ8With(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, T, blockBytes int, dot dotQ8Func) {
	cols, rows, nb, rb := matMulQ8Shape(kernel, out, ldOut, w, xq, xd, T, blockBytes)
	for i := 0; i < rows; i++ {
		row := w[i*rb : (i+1)*rb]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dot(row, xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
		}
	}
}

func matMulQ8_1With(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T, blockBytes int, dot dotQ8_1Func) {
	cols, rows, nb, rb := matMulQ8Shape(kernel, out, ldOut, w, xq, xd, T, blockBytes)
	_ = xs[T*nb-1]
	for i := 0; i < rows; i++ {
		row := w[i*rb : (i+1)*rb]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dot(row, xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb], xs[t*nb:(t+1)*nb])
		}
	}
}
