//go:build !purego

package arm64

// Assembly in quantize_q8_arm64.s and matvec_f32_arm64.s. As for the
// quantized kernels, the wrappers hand every argument the assembly does not
// expect to the generic twin.

//go:noescape
func quantizeQ8NEON(q *int8, d *float32, x *float32, nb int)

//go:noescape
func matVecF32NEON(out *float32, rows int, w *float32, x *float32, n int)

//go:noescape
func matVecF16NEON(out *float32, rows int, w *uint16, x *float32, n int)

func quantizeQ8NEONGo(q []int8, d []float32, x []float32) {
	nb := len(x) / QK
	if nb == 0 || len(q) < nb*QK || len(d) < nb {
		quantizeQ8Generic(q, d, x)
		return
	}
	quantizeQ8NEON(&q[0], &d[0], &x[0], nb)
}

func dotF32NEON(a, b []float32) float32 {
	n := len(a)
	if n == 0 || len(b) < n {
		return dotF32Generic(a, b)
	}
	var s float32
	matVecF32NEON(&s, 1, &a[0], &b[0], n)
	return s
}

func matVecF32NEONGo(out, w, x []float32) {
	n := len(x)
	if len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecF32Generic(out, w, x)
		return
	}
	matVecF32NEON(&out[0], len(out), &w[0], &x[0], n)
}

func matVecF16NEONGo(out []float32, w []uint16, x []float32) {
	n := len(x)
	if len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecF16Generic(out, w, x)
		return
	}
	matVecF16NEON(&out[0], len(out), &w[0], &x[0], n)
}
