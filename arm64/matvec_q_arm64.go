//go:build !purego

package arm64

// Assembly in matvec_q8_0_arm64.s. Every wrapper checks the shapes the
// assembly relies on (it reads memory unchecked) and hands anything
// unusual — empty, too short, degenerate — to the generic twin, which
// answers or panics exactly as on any other architecture.

//go:noescape
func matVecQ8_0Dot(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func matVecQ8_0V80(out *float32, rows int, w *byte, rowBytes int, xq *int8, xd *float32, nb int)

//go:noescape
func hasInt8Min(p *int8, n int) bool

// quantArgsOK reports whether out, w, xq, xd describe a complete product
// the assembly can run: at least one row and block, and every operand long
// enough.
func quantArgsOK(out []float32, w []byte, xq []int8, xd []float32, blockBytes int) (nb int, ok bool) {
	nb = len(xq) / QK
	return nb, len(out) > 0 && nb > 0 && len(xd) >= nb && len(w)/blockBytes/nb >= len(out)
}

func matVecQ8_0NEONDot(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ8_0)
	if !ok {
		matVecQ8_0Generic(out, w, xq, xd)
		return
	}
	matVecQ8_0Dot(&out[0], len(out), &w[0], nb*BlockQ8_0, &xq[0], &xd[0], nb)
}

func matVecQ8_0NEON(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ8_0)
	// The int16 pairing of the v8.0 kernel overflows on (−128)·(−128)
	// twice in a lane; QuantizeQ8 never writes −128, so this costs one
	// scan of the activations and never falls back in practice.
	if !ok || hasInt8Min(&xq[0], nb*QK) {
		matVecQ8_0Generic(out, w, xq, xd)
		return
	}
	matVecQ8_0V80(&out[0], len(out), &w[0], nb*BlockQ8_0, &xq[0], &xd[0], nb)
}

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

func matVecQ4_0NEONDot(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ4_0)
	switch {
	case !ok:
		matVecQ4_0Generic(out, w, xq, xd)
	case nb <= q4CorrMax:
		var corr [q4CorrMax]int32
		q8BlockSums8(&xq[0], nb, &corr[0])
		matVecQ4_0DotC(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb, &corr[0])
	default:
		matVecQ4_0Dot(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb)
	}
}

func matVecQ4_0NEON(out []float32, w []byte, xq []int8, xd []float32) {
	nb, ok := quantArgsOK(out, w, xq, xd, BlockQ4_0)
	switch {
	case !ok:
		matVecQ4_0Generic(out, w, xq, xd)
	case nb <= q4CorrMax:
		var corr [q4CorrMax]int32
		q8BlockSums8(&xq[0], nb, &corr[0])
		matVecQ4_0V80C(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb, &corr[0])
	default:
		matVecQ4_0V80(&out[0], len(out), &w[0], nb*BlockQ4_0, &xq[0], &xd[0], nb)
	}
}
