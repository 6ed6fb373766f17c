//go:build !purego

package arm64

//go:noescape
func matVecIQ4_NLAVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

// matVecIQ4_NL runs the AVX2 kernel, exact in its integer sums for every
// activation (−128 included).
func matVecIQ4_NL(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockIQ4_NL)
	if !ok || !useAVX2 {
		matVecIQ4_NLGeneric(out, w, xq, xd)
		return
	}
	matVecIQ4_NLAVX2(&out[0], len(out), &w[0], nb*BlockIQ4_NL, &xq[0], &xd[0], nb)
}

// matMulIQ4_NL runs the AVX2 kernel token by token over row blocks that
// stay in cache (matMulByRows). Shapes are checked as the generic twin
// checks them.
func matMulIQ4_NL(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if !useAVX2 {
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
