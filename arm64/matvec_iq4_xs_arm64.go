//go:build !purego

package arm64

//go:noescape
func matVecIQ4_XSDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

//go:noescape
func matVecIQ4_XSV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matVecIQ4_XS reads useDotProd first (it implies useNEON), so that the
// SDOT path reads one flag.
func matVecIQ4_XS(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	nb, ok := kArgsOK(out, w, xq, xd, xs, BlockIQ4_XS)
	dot := useDotProd
	switch {
	case !ok || !dot && !useNEON:
		matVecIQ4_XSGeneric(out, w, xq, xd, xs)
	case dot:
		matVecIQ4_XSDot(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	default:
		matVecIQ4_XSV80(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	}
}

// matMulIQ4_XS runs matVecIQ4_XS (SDOT when useDotProd) token by token over
// row blocks that stay in cache.
func matMulIQ4_XS(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	if !useDotProd && !useNEON {
		matMulIQ4_XSGeneric(out, ldOut, w, xq, xd, xs, T)
		return
	}
	matMulKByRows("MatMulIQ4_XS", out, ldOut, w, xq, xd, xs, T, BlockIQ4_XS, matVecIQ4_XS)
}
