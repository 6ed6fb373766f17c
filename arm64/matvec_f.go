package arm64

// MatVecF32 computes out[i] = Σ_j w[i·n+j]·x[j] for i < len(out), n = len(x).
// w holds the rows row-major; pass a row range by slicing out and w.
func MatVecF32(out, w, x []float32) { matVecF32(out, w, x) }

func matVecF32Generic(out, w, x []float32) {
	n := len(x)
	if len(out) == 0 {
		return
	}
	if n == 0 {
		clear(out)
		return
	}
	_ = w[len(out)*n-1]
	for i := range out {
		out[i] = dotF32Generic(w[i*n:(i+1)*n], x)
	}
}

// dotF32Generic is one row of MatVecF32: Σ a[i]·b[i] over len(a) elements
// (b at least as long), in four interleaved sums.
func dotF32Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// MatVecF16 is MatVecF32 over half-precision weights (raw IEEE bits).
func MatVecF16(out []float32, w []uint16, x []float32) { matVecF16(out, w, x) }

func matVecF16Generic(out []float32, w []uint16, x []float32) {
	n := len(x)
	if len(out) == 0 {
		return
	}
	if n == 0 {
		clear(out)
		return
	}
	_ = w[len(out)*n-1]
	t := f16ToF32
	for i := range out {
		row := w[i*n : (i+1)*n]
		var s0, s1, s2, s3 float32
		j := 0
		for ; j+4 <= n; j += 4 {
			s0 += t[row[j]] * x[j]
			s1 += t[row[j+1]] * x[j+1]
			s2 += t[row[j+2]] * x[j+2]
			s3 += t[row[j+3]] * x[j+3]
		}
		for ; j < n; j++ {
			s0 += t[row[j]] * x[j]
		}
		out[i] = (s0 + s1) + (s2 + s3)
	}
}
