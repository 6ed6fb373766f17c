//go:build !purego

package arm64

// The amd64 quantized MatMul kernels run the matvec assembly token by
// token over row blocks that stay in cache (matMulByRows), so the weights
// come from memory once per call; each token gets exactly what the matvec
// kernel of the same implementation gives it.

func matMulQ8_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if !useAVX2 {
		matMulQ8_0Generic(out, ldOut, w, xq, xd, T)
		return
	}
	cols, rows, nb, rb := matMulQ8Shape("MatMulQ8_0", out, ldOut, w, xq, xd, T, BlockQ8_0)
	if rows == 0 {
		return
	}
	vnni := useAVX512
	// The AVX2 kernel cannot take −128 (see matVecQ8_0): one scan of all
	// the tokens here instead of one per token and row block.
	anyMin := !vnni && hasInt8Min(&xq[0], T*cols)
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		o, x, d := out[t*ldOut+lo:t*ldOut+hi], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb]
		switch {
		case vnni:
			matVecQ8_0VNNI(&o[0], hi-lo, &w[lo*rb], rb, &x[0], &d[0], nb)
		case anyMin && hasInt8Min(&x[0], cols):
			matVecQ8_0Generic(o, w[lo*rb:hi*rb], x, d)
		default:
			matVecQ8_0AVX2(&o[0], hi-lo, &w[lo*rb], rb, &x[0], &d[0], nb)
		}
	})
}

func matMulQ4_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if !useAVX2 {
		matMulQ4_0Generic(out, ldOut, w, xq, xd, T)
		return
	}
	cols, rows, nb, rb := matMulQ8Shape("MatMulQ4_0", out, ldOut, w, xq, xd, T, BlockQ4_0)
	if rows == 0 {
		return
	}
	vnni := useAVX512
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		o, x, d := out[t*ldOut+lo:t*ldOut+hi], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb]
		if vnni {
			matVecQ4_0VNNI(&o[0], hi-lo, &w[lo*rb], rb, &x[0], &d[0], nb)
		} else {
			matVecQ4_0AVX2(&o[0], hi-lo, &w[lo*rb], rb, &x[0], &d[0], nb)
		}
	})
}
