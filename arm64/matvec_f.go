package arm64

// MatVecF32 computes out[i] = Σ_j w[i·n+j]·x[j] for i < len(out), n = len(x).
// w holds the rows row-major; pass a row range by slicing out and w.
func MatVecF32(out, w, x []float32) { matVecF32(out, w, x) }

func matVecF32Generic(out, w, x []float32) {
	matVecRows(out, w, len(x), 1, func(row []float32) float32 { return dotF32Generic(row, x) })
}

// matVecRows is the row loop of the generic matrix × vector kernels:
// out[i] = dot(row i) for the len(out) rows of w, nb blocks of blockLen
// elements each (for the float types a block is one element). No rows is
// a no-op and no blocks gives zeros, before w is checked; otherwise w is
// checked to hold every row before the first is computed.
func matVecRows[E any](out []float32, w []E, nb, blockLen int, dot func(row []E) float32) {
	if len(out) == 0 {
		return
	}
	if nb == 0 {
		clear(out)
		return
	}
	rb := nb * blockLen
	_ = w[len(out)*rb-1]
	for i := range out {
		out[i] = dot(w[i*rb : (i+1)*rb])
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
	matVecRows(out, w, len(x), 1, func(row []uint16) float32 { return dotF16Generic(row, x) })
}

// dotF16Generic is one row of MatVecF16: Σ f16(row[j])·x[j] in four
// interleaved sums, as dotF32Generic.
func dotF16Generic(row []uint16, x []float32) float32 {
	x = x[:len(row)]
	t := f16ToF32
	var s0, s1, s2, s3 float32
	j := 0
	for ; j+4 <= len(row); j += 4 {
		s0 += t[row[j]] * x[j]
		s1 += t[row[j+1]] * x[j+1]
		s2 += t[row[j+2]] * x[j+2]
		s3 += t[row[j+3]] * x[j+3]
	}
	for ; j < len(row); j++ {
		s0 += t[row[j]] * x[j]
	}
	return (s0 + s1) + (s2 + s3)
}
