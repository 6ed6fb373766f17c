//go:build !purego

package arm64

//go:noescape
func matVecQ5_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecQ5_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

// matVecQ5_0 reads useDotProd first (it implies useNEON), so that the
// SDOT path reads one flag.
func matVecQ5_0(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ5_0)
	dot := useDotProd
	switch {
	case !ok || !dot && !useNEON:
		matVecQ5_0Generic(out, w, xq, xd)
	case dot:
		matVecQ5_0Dot(&out[0], len(out), &w[0], nb*BlockQ5_0, &xq[0], &xd[0], nb)
	default:
		matVecQ5_0V80(&out[0], len(out), &w[0], nb*BlockQ5_0, &xq[0], &xd[0], nb)
	}
}

// matMulQ5_0 runs matVecQ5_0 (SDOT when useDotProd) token by token
// over row blocks that stay in cache (matMulByRows), as the prefill of the
// K types does. Shapes are checked as the generic twin checks them.
func matMulQ5_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if !useDotProd && !useNEON {
		matMulQ5_0Generic(out, ldOut, w, xq, xd, T)
		return
	}
	cols, rows := matMulShape("MatMulQ5_0", len(out), ldOut, len(w), len(xq), T, func(c int) int { return blockRowLen(c, QK, BlockQ5_0) })
	nb, rb := cols/QK, cols/QK*BlockQ5_0
	_ = xd[T*nb-1]
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		matVecQ5_0(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	})
}
