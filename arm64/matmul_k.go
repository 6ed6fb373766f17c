package arm64

// The prefill forms (see matmul.go) of the kernels of matvec_k.go; xq, xd,
// xs hold T activation vectors quantized by QuantizeQ8_K. Those of the
// types with NEON are beside their matvec (matvec_q4_k.go, …).

// MatMulQ2_K is the prefill form of MatVecQ2_K.
func MatMulQ2_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ2_KGeneric(out, ldOut, w, xq, xd, xs, T)
}

func matMulQ2_KGeneric(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ8_KWith("MatMulQ2_K", out, ldOut, w, xq, xd, xs, T, BlockQ2_K, dotQ2_K)
}

// MatMulQ3_K is the prefill form of MatVecQ3_K.
func MatMulQ3_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ3_KGeneric(out, ldOut, w, xq, xd, xs, T)
}

func matMulQ3_KGeneric(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	matMulQ8_KWith("MatMulQ3_K", out, ldOut, w, xq, xd, xs, T, BlockQ3_K, dotQ3_K)
}

func matMulQ8_KWith(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T, blockBytes int, dot dotQ8_KFunc) {
	cols, rows := matMulShape(kernel, len(out), ldOut, len(w), len(xq), T, func(c int) int { return blockRowLen(c, QKK, blockBytes) })
	nb, rb := cols/QKK, cols/QKK*blockBytes
	_ = xd[T*nb-1]
	_ = xs[T*nb*QKK/16-1]
	for i := 0; i < rows; i++ {
		row := w[i*rb : (i+1)*rb]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dot(row, xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb], xs[t*nb*QKK/16:(t+1)*nb*QKK/16])
		}
	}
}
