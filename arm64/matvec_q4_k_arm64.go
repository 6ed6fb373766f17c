//go:build !purego

package arm64

//go:noescape
func matVecQ4_KDot(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

//go:noescape
func matVecQ4_KV80(out *float32, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matVecQ4_K reads useDotProd first (it implies useNEON), so that the
// SDOT path reads one flag.
func matVecQ4_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	nb, ok := kArgsOK(out, w, xq, xd, xs, BlockQ4_K)
	dot := useDotProd
	switch {
	case !ok || !dot && !useNEON:
		matVecQ4_KGeneric(out, w, xq, xd, xs)
	case dot:
		matVecQ4_KDot(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	default:
		matVecQ4_KV80(&out[0], len(out), &w[0], nb, &xq[0], &xd[0], &xs[0])
	}
}

//go:noescape
func matMulQ4_KDot2(out *float32, ldOut, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matMulQ4_K runs two tokens at a time through matMulQ4_KDot2
// (matmul_q4_k_arm64.s) with the dot product; on ARMv8.0 it runs
// matVecQ4_K token by token over row blocks that stay in cache.
func matMulQ4_K(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int) {
	switch {
	case useDotProd:
		matMulKPairs("MatMulQ4_K", out, ldOut, w, xq, xd, xs, T, BlockQ4_K, matMulQ4_KDot2, matVecQ4_K)
	case useNEON:
		matMulKByRows("MatMulQ4_K", out, ldOut, w, xq, xd, xs, T, BlockQ4_K, matVecQ4_K)
	default:
		matMulQ4_KGeneric(out, ldOut, w, xq, xd, xs, T)
	}
}
