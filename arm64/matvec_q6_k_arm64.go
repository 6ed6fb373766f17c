//go:build !purego

package arm64

//go:noescape
func matVecQ6_KDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

//go:noescape
func matVecQ6_KV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matVecQ6_K reads useDotProd first (it implies useNEON), so that the
// SDOT path reads one flag.
func matVecQ6_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	nb, ok := kArgsOK(out, w, xq, xd, xs, BlockQ6_K)
	dot := useDotProd
	switch {
	case !ok || !dot && !useNEON:
		matVecQ6_KGeneric(out, w, xq, xd, xs)
	case dot:
		matVecQ6_KDot(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	default:
		matVecQ6_KV80(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	}
}

//go:noescape
func matMulQ6_KDot2(out *float32, ldOut, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matMulQ6_K runs two tokens at a time through matMulQ6_KDot2
// (matmul_q6_k_arm64.s) with the dot product; on ARMv8.0 it runs
// matVecQ6_K token by token over row blocks that stay in cache.
func matMulQ6_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	switch {
	case useDotProd:
		matMulKPairs("MatMulQ6_K", out, ldOut, w, xq, xd, xs, T, BlockQ6_K, matMulQ6_KDot2, matVecQ6_K)
	case useNEON:
		matMulKByRows("MatMulQ6_K", out, ldOut, w, xq, xd, xs, T, BlockQ6_K, matVecQ6_K)
	default:
		matMulQ6_KGeneric(out, ldOut, w, xq, xd, xs, T)
	}
}
