//go:build !purego

package arm64

//go:noescape
func matVecIQ4_XSAVX2(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matVecIQ4_XS runs the AVX2 kernel, exact in its integer sums for every
// activation (−128 included).
func matVecIQ4_XS(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	nb, ok := kArgsOK(out, w, xq, xd, xs, BlockIQ4_XS)
	if !ok || !useAVX2 {
		matVecIQ4_XSGeneric(out, w, xq, xd, xs)
		return
	}
	matVecIQ4_XSAVX2(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
}

// matMulIQ4_XS runs matVecIQ4_XS token by token over row blocks that stay in
// cache.
func matMulIQ4_XS(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	if !useAVX2 {
		matMulIQ4_XSGeneric(out, ldOut, w, xq, xd, xs, T)
		return
	}
	matMulKByRows("MatMulIQ4_XS", out, ldOut, w, xq, xd, xs, T, BlockIQ4_XS, matVecIQ4_XS)
}
