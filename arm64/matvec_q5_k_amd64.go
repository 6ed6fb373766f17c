//go:build !purego

package arm64

//go:noescape
func matVecQ5_KAVX2(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matVecQ5_K runs the AVX2 kernel, exact in its integer sums for every
// activation (−128 included).
func matVecQ5_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	nb, ok := kArgsOK(out, w, xq, xd, xs, BlockQ5_K)
	if !ok || !useAVX2 {
		matVecQ5_KGeneric(out, w, xq, xd, xs)
		return
	}
	matVecQ5_KAVX2(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
}

// matMulQ5_K runs matVecQ5_K token by token over row blocks that stay in
// cache.
func matMulQ5_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	if !useAVX2 {
		matMulQ5_KGeneric(out, ldOut, w, xq, xd, xs, T)
		return
	}
	matMulKByRows("MatMulQ5_K", out, ldOut, w, xq, xd, xs, T, BlockQ5_K, matVecQ5_K)
}
