//go:build !purego

package arm64

// The amd64 float MatMul kernels run the matvec assembly token by token
// over row blocks that stay in cache (matMulByRows), so the weights come
// from memory once per call.

func matMulF32(out []float32, ldOut int, w, x []float32, T int) {
	if !useAVX2 {
		matMulF32Generic(out, ldOut, w, x, T)
		return
	}
	cols, rows := matMulShape("MatMulF32", len(out), ldOut, len(w), len(x), T, f32RowLen)
	if rows == 0 {
		return
	}
	matMulByRows(rows, cols*4, T, func(lo, hi, t int) {
		matVecF32AVX2(&out[t*ldOut+lo], hi-lo, &w[lo*cols], &x[t*cols], cols)
	})
}

func matMulF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	if !useAVX2 {
		matMulF16Generic(out, ldOut, w, x, T)
		return
	}
	cols, rows := matMulShape("MatMulF16", len(out), ldOut, len(w), len(x), T, f32RowLen)
	if rows == 0 {
		return
	}
	matMulByRows(rows, cols*2, T, func(lo, hi, t int) {
		matVecF16AVX2(&out[t*ldOut+lo], hi-lo, &w[lo*cols], &x[t*cols], cols)
	})
}
