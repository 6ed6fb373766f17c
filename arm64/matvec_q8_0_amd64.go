//go:build !purego

package arm64

//go:noescape
func matVecQ8_0VNNI(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecQ8_0AVX2(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

// hasInt8Min reports whether any of the n int8 at p (n a positive multiple
// of 32) is −128.
//
//go:noescape
func hasInt8Min(p *int8, n int) bool

// matVecQ8_0 tests useAVX512 first (it implies useAVX2).
func matVecQ8_0(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ8_0)
	switch {
	case !ok:
		matVecQ8_0Generic(out, w, xq, xd)
	case useAVX512:
		matVecQ8_0VNNI(&out[0], len(out), &w[0], nb*BlockQ8_0, &xq[0], &xd[0], nb)
	case !useAVX2 || hasInt8Min(&xq[0], nb*QK):
		// The AVX2 kernel moves the weights' signs onto the activations
		// (VPSIGNB), and −(−128) does not fit an int8; QuantizeQ8 never
		// writes −128, so this costs one scan and never falls back in
		// practice.
		matVecQ8_0Generic(out, w, xq, xd)
	default:
		matVecQ8_0AVX2(&out[0], len(out), &w[0], nb*BlockQ8_0, &xq[0], &xd[0], nb)
	}
}
