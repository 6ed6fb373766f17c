//go:build !purego

package arm64

//go:noescape
func matVecQ5_0AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

// matVecQ5_0 runs the AVX2 kernel, exact in its integer sums for every
// activation (−128 included).
func matVecQ5_0(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ5_0)
	if !ok || !useAVX2 {
		matVecQ5_0Generic(out, w, xq, xd)
		return
	}
	matVecQ5_0AVX2(&out[0], len(out), &w[0], nb*BlockQ5_0, &xq[0], &xd[0], nb)
}

// matMulQ5_0 runs the AVX2 kernel token by token over row blocks that
// stay in cache (matMulByRows). Shapes are checked as the generic twin
// checks them.
func matMulQ5_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if !useAVX2 {
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
