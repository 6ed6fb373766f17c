//go:build !purego

package arm64

//go:noescape
func matVecQ4_0VNNI(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecQ4_0AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

// matVecQ4_0 tests useAVX512 first (it implies useAVX2). Both kernels
// are exact for every activation, −128 included (see the assembly).
func matVecQ4_0(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ4_0)
	switch {
	case !ok || !useAVX2:
		matVecQ4_0Generic(out, w, xq, xd)
	case useAVX512:
		matVecQ4_0VNNI(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb)
	default:
		matVecQ4_0AVX2(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb)
	}
}
