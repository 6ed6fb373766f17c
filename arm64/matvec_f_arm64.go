//go:build !purego

package arm64

//go:noescape
func matVecF32NEON(out *float32, rows int, w *float32, x *float32, n int)

//go:noescape
func matVecF16NEON(out *float32, rows int, w *uint16, x *float32, n int)

func matVecF32(out, w, x []float32) {
	n := len(x)
	if !useNEON || len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecF32Generic(out, w, x)
		return
	}
	matVecF32NEON(&out[0], len(out), &w[0], &x[0], n)
}

func matVecF16(out []float32, w []uint16, x []float32) {
	n := len(x)
	if !useNEON || len(out) == 0 || n == 0 || len(w)/n < len(out) {
		matVecF16Generic(out, w, x)
		return
	}
	matVecF16NEON(&out[0], len(out), &w[0], &x[0], n)
}
