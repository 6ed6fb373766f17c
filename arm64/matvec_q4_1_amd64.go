//go:build !purego

package arm64

//go:noescape
func matVecQ4_1AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, xs *float32)

// matVecQ4_1 runs the AVX2 kernel, exact in its integer sums for every
// activation (−128 included).
func matVecQ4_1(out []float32, w []byte, xq []int8, xd, xs []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ4_1)
	if !ok || len(xs) < nb || !useAVX2 {
		matVecQ4_1Generic(out, w, xq, xd, xs)
		return
	}
	matVecQ4_1AVX2(&out[0], len(out), &w[0], nb*BlockQ4_1, &xq[0], &xd[0], nb, &xs[0])
}

// matMulQ4_1 runs the AVX2 kernel token by token over row blocks that stay
// in cache (matMulByRows). Shapes are checked as the generic twin checks
// them.
func matMulQ4_1(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int) {
	if !useAVX2 {
		matMulQ4_1Generic(out, ldOut, w, xq, xd, xs, T)
		return
	}
	cols, rows := matMulShape("MatMulQ4_1", len(out), ldOut, len(w), len(xq), T, func(c int) int { return blockRowLen(c, QK, BlockQ4_1) })
	nb, rb := cols/QK, cols/QK*BlockQ4_1
	_ = xd[T*nb-1]
	_ = xs[T*nb-1]
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		matVecQ4_1(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb], xs[t*nb:(t+1)*nb])
	})
}
