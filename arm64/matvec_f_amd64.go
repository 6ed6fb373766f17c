//go:build !purego

package arm64

//go:noescape
func matVecF32AVX2(out *float32, rows int, w *float32, x *float32, n int)

//go:noescape
func matVecF16AVX2(out *float32, rows int, w *uint16, x *float32, n int)

// The AVX-512 matvecs (in matmul_f_amd64.s, beside the MatMul tiles whose
// bits they reproduce) need n to be a multiple of 16.

//go:noescape
func matVecF32AVX512(out *float32, rows int, w *float32, x *float32, n int)

//go:noescape
func matVecF16AVX512(out *float32, rows int, w *uint16, x *float32, n int)

// The matvec and the MatMul take the AVX-512 kernels on the same test
// (useAVX512 and n a multiple of 16), so that a token gets the same bits
// from both.

func matVecF32(out, w, x []float32) {
	n := len(x)
	if !useAVX2 || len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecF32Generic(out, w, x)
		return
	}
	if useAVX512 && n%16 == 0 {
		matVecF32AVX512(&out[0], len(out), &w[0], &x[0], n)
		return
	}
	matVecF32AVX2(&out[0], len(out), &w[0], &x[0], n)
}

func matVecF16(out []float32, w []uint16, x []float32) {
	n := len(x)
	if !useAVX2 || len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecF16Generic(out, w, x)
		return
	}
	if useAVX512 && n%16 == 0 {
		matVecF16AVX512(&out[0], len(out), &w[0], &x[0], n)
		return
	}
	matVecF16AVX2(&out[0], len(out), &w[0], &x[0], n)
}
