//go:build !purego

package arm64

//go:noescape
func matVecQ5_KDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

//go:noescape
func matVecQ5_KV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matVecQ5_K reads useDotProd first (it implies useNEON), so that the
// SDOT path reads one flag.
func matVecQ5_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	nb, ok := kArgsOK(out, w, xq, xd, xs, BlockQ5_K)
	dot := useDotProd
	switch {
	case !ok || !dot && !useNEON:
		matVecQ5_KGeneric(out, w, xq, xd, xs)
	case dot:
		matVecQ5_KDot(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	default:
		matVecQ5_KV80(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	}
}

//go:noescape
func matMulQ5_KDot2(out *float32, ldOut, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matMulQ5_K runs two tokens at a time through matMulQ5_KDot2
// (matmul_q5_k_arm64.s) with the dot product; on ARMv8.0 it runs
// matVecQ5_K token by token over row blocks that stay in cache.
func matMulQ5_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	switch {
	case useDotProd:
		matMulKPairs("MatMulQ5_K", out, ldOut, w, xq, xd, xs, T, BlockQ5_K, matMulQ5_KDot2, matVecQ5_K)
	case useNEON:
		matMulKByRows("MatMulQ5_K", out, ldOut, w, xq, xd, xs, T, BlockQ5_K, matVecQ5_K)
	default:
		matMulQ5_KGeneric(out, ldOut, w, xq, xd, xs, T)
	}
}
