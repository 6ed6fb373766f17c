//go:build !purego

package arm64

//go:noescape
func matVecBF16NEON(out *float32, rows int, w *uint16, x *float32, n int)

func matVecBF16(out []float32, w []uint16, x []float32) {
	n := len(x)
	if !useNEON || len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecBF16Generic(out, w, x)
		return
	}
	matVecBF16NEON(&out[0], len(out), &w[0], &x[0], n)
}

// matMulBF16 runs the matvec kernel token by token over row blocks that
// stay in cache (no tiles of its own yet).
func matMulBF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	if !useNEON {
		matMulBF16Generic(out, ldOut, w, x, T)
		return
	}
	cols, rows := matMulShape("MatMulBF16", len(out), ldOut, len(w), len(x), T, f32RowLen)
	matMulByRows(rows, cols*2, T, func(lo, hi, t int) {
		matVecBF16(out[t*ldOut+lo:t*ldOut+hi], w[lo*cols:hi*cols], x[t*cols:(t+1)*cols])
	})
}
