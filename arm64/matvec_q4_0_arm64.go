//go:build !purego

package arm64

//go:noescape
func matVecQ4_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecQ4_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecQ4_0DotC(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, corr *int32)

//go:noescape
func matVecQ4_0V80C(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int, corr *int32)

//go:noescape
func q8BlockSums8(xq *int8, nb int, corr *int32)

// matVecQ4_0 reads useDotProd first (it implies useNEON), so that the
// SDOT path reads one flag.
func matVecQ4_0(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ4_0)
	dot := useDotProd
	switch {
	case !ok || !dot && !useNEON:
		matVecQ4_0Generic(out, w, xq, xd)
	case nb <= q4CorrMax:
		var corr [q4CorrMax]int32
		q8BlockSums8(&xq[0], nb, &corr[0])
		if dot {
			matVecQ4_0DotC(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb, &corr[0])
		} else {
			matVecQ4_0V80C(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb, &corr[0])
		}
	case dot:
		matVecQ4_0Dot(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb)
	default:
		matVecQ4_0V80(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb)
	}
}
