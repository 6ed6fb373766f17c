//go:build (arm64 || amd64) && !purego

package arm64

// What the wrappers of the K-type and IQ4_XS kernels share on every
// architecture with assembly (matvec_k_arm64.go adds the arm64 two-token
// form).

// kArgsOK reports whether out, w, xq, xd, xs describe a complete product
// over super-blocks of blockBytes that the assembly can run: at least one
// row and super-block, every operand long enough. Anything else goes to
// the generic twin, which answers or panics as on any architecture.
func kArgsOK(out []float32, w []byte, xq []int8, xd []float32, xs []int16, blockBytes int) (nb int, ok bool) {
	nb = len(xq) / QKK
	return nb, len(out) > 0 && nb > 0 && len(xd) >= nb && len(xs) >= nb*QKK/16 && len(w)/blockBytes/nb >= len(out)
}

// matMulKByRows is the prefill form over the matvec kernel mv: mv runs for
// every token over row blocks that fit in L1 (matMulByRows), so each
// weight comes from memory once per call. Shapes are checked as the
// generic twin checks them, so it panics where the twin does.
func matMulKByRows(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T, blockBytes int,
	mv func(out []float32, w []byte, xq []int8, xd []float32, xs []int16)) {
	cols, rows := matMulShape(kernel, len(out), ldOut, len(w), len(xq), T, func(c int) int { return blockRowLen(c, QKK, blockBytes) })
	nb, rb := cols/QKK, cols/QKK*blockBytes
	_ = xd[T*nb-1]
	_ = xs[T*nb*QKK/16-1]
	const ns = QKK / 16
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		mv(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb], xs[t*nb*ns:(t+1)*nb*ns])
	})
}
