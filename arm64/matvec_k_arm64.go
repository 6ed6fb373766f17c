//go:build !purego

package arm64

// What the arm64 wrappers of the K-type and IQ4_XS kernels share beyond
// matvec_k_asm.go: the two-token prefill form.

// kPairKernel is an assembly kernel that multiplies rows of w with two
// activation vectors at once: the token at xq, xd, xs (results at out) and
// the next one (results at out + ldOut).
type kPairKernel func(out *float32, ldOut, rows int, w *byte, nb int, xq *int8, xd *float32, xs *int16)

// matMulKPairs is matMulKByRows with the tokens taken two at a time by k2
// (which reads each weight block once for both), the last one of an odd
// count by mv.
func matMulKPairs(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T, blockBytes int,
	k2 kPairKernel, mv func(out []float32, w []byte, xq []int8, xd []float32, xs []int16)) {
	cols, rows := matMulShape(kernel, len(out), ldOut, len(w), len(xq), T, func(c int) int { return blockRowLen(c, QKK, blockBytes) })
	nb, rb := cols/QKK, cols/QKK*blockBytes
	_ = xd[T*nb-1]
	_ = xs[T*nb*QKK/16-1]
	const ns = QKK / 16
	const l1 = 24 << 10
	step := max(8, l1/rb&^7)
	for lo := 0; lo < rows; lo += step {
		hi := min(rows, lo+step)
		t := 0
		for ; t+2 <= T; t += 2 {
			k2(&out[t*ldOut+lo], ldOut, hi-lo, &w[lo*rb], nb, &xq[t*cols], &xd[t*nb], &xs[t*nb*ns])
		}
		if t < T {
			mv(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb], xs[t*nb*ns:(t+1)*nb*ns])
		}
	}
}
