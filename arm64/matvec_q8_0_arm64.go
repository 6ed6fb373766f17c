//go:build !purego

package arm64

//go:noescape
func matVecQ8_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecQ8_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func hasInt8Min(p *int8, n int) bool

// matVecQ8_0 tests useDotProd first (it implies useNEON): the SDOT path,
// the common one, then reads one flag.
func matVecQ8_0(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ8_0)
	switch {
	case !ok:
		matVecQ8_0Generic(out, w, xq, xd)
	case useDotProd:
		matVecQ8_0Dot(&out[0], len(out), &w[0], nb*BlockQ8_0, &xq[0], &xd[0], nb)
	case !useNEON || hasInt8Min(&xq[0], nb*QK):
		// The int16 pairing of the v8.0 kernel overflows on (−128)·(−128)
		// twice in a lane; QuantizeQ8 never writes −128, so this costs one
		// scan of the activations and never falls back in practice.
		matVecQ8_0Generic(out, w, xq, xd)
	default:
		matVecQ8_0V80(&out[0], len(out), &w[0], nb*BlockQ8_0, &xq[0], &xd[0], nb)
	}
}
