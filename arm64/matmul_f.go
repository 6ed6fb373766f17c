package arm64

// MatMulF32 is the prefill form of MatVecF32 (see matmul.go).
func MatMulF32(out []float32, ldOut int, w, x []float32, T int) {
	matMulF32(out, ldOut, w, x, T)
}

// MatMulF16 is the prefill form of MatVecF16.
func MatMulF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	matMulF16(out, ldOut, w, x, T)
}

// The generic twins walk rows outermost so that each weight row is read
// from memory once and then served from cache for the T tokens.

func matMulF32Generic(out []float32, ldOut int, w, x []float32, T int) {
	cols, rows := matMulShape("MatMulF32", len(out), ldOut, len(w), len(x), T, f32RowLen)
	for i := 0; i < rows; i++ {
		row := w[i*cols : (i+1)*cols]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dotF32Generic(row, x[t*cols:(t+1)*cols])
		}
	}
}

func matMulF16Generic(out []float32, ldOut int, w []uint16, x []float32, T int) {
	cols, rows := matMulShape("MatMulF16", len(out), ldOut, len(w), len(x), T, f32RowLen)
	for i := 0; i < rows; i++ {
		row := w[i*cols : (i+1)*cols]
		for t := 0; t < T; t++ {
			matVecF16Generic(out[t*ldOut+i:t*ldOut+i+1], row, x[t*cols:(t+1)*cols])
		}
	}
}
