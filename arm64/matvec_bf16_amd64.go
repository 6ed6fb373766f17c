//go:build !purego

package arm64

//go:noescape
func matVecBF16AVX2(out *float32, rows int, w *uint16, x *float32, n int)

func matVecBF16(out []float32, w []uint16, x []float32) {
	n := len(x)
	if !useAVX2 || len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecBF16Generic(out, w, x)
		return
	}
	matVecBF16AVX2(&out[0], len(out), &w[0], &x[0], n)
}

// matMulBF16 runs the matvec kernel token by token over row blocks that
// stay in cache.
func matMulBF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	if !useAVX2 {
		matMulBF16Generic(out, ldOut, w, x, T)
		return
	}
	cols, rows := matMulShape("MatMulBF16", len(out), ldOut, len(w), len(x), T, f32RowLen)
	matMulByRows(rows, cols*2, T, func(lo, hi, t int) {
		matVecBF16(out[t*ldOut+lo:t*ldOut+hi], w[lo*cols:hi*cols], x[t*cols:(t+1)*cols])
	})
}
