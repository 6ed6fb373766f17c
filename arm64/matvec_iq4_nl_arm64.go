//go:build !purego

package arm64

//go:noescape
func matVecIQ4_NLDot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecIQ4_NLV80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

// matVecIQ4_NL reads useDotProd first (it implies useNEON), so that the
// SDOT path reads one flag.
func matVecIQ4_NL(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockIQ4_NL)
	dot := useDotProd
	switch {
	case !ok || !dot && !useNEON:
		matVecIQ4_NLGeneric(out, w, xq, xd)
	case dot:
		matVecIQ4_NLDot(&out[0], len(out), &w[0], nb*BlockIQ4_NL, &xq[0], &xd[0], nb)
	default:
		matVecIQ4_NLV80(&out[0], len(out), &w[0], nb*BlockIQ4_NL, &xq[0], &xd[0], nb)
	}
}

// matMulIQ4_NL runs matVecIQ4_NL (SDOT when useDotProd) token by token
// over row blocks that stay in cache (matMulByRows), as the prefill of the
// K types does. Shapes are checked as the generic twin checks them.
func matMulIQ4_NL(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if !useDotProd && !useNEON {
		matMulIQ4_NLGeneric(out, ldOut, w, xq, xd, T)
		return
	}
	cols, rows := matMulShape("MatMulIQ4_NL", len(out), ldOut, len(w), len(xq), T, func(c int) int { return blockRowLen(c, QK, BlockIQ4_NL) })
	nb, rb := cols/QK, cols/QK*BlockIQ4_NL
	_ = xd[T*nb-1]
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		matVecIQ4_NL(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	})
}
