package arm64

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of MatVecF32 and MatVecF16 against the generic twin.

// f32Bound is Σ_j |w_j·x_j| for one row.
func f32Bound(w []float32, x []float32) float64 {
	var m float64
	for j := range x {
		m += math.Abs(float64(w[j]) * float64(x[j]))
	}
	return m
}

var f32Lengths = []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 771}
var f32RowCounts = []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 16}

// halfRow draws half-precision weights: mostly ordinary values, some
// subnormal, some ±65504 and signed zeros.
func halfRow(r *rand.Rand, n int) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		switch r.IntN(16) {
		case 0:
			w[i] = uint16(r.IntN(0x400)) | uint16(r.IntN(2))<<15 // subnormal or zero
		case 1:
			w[i] = 0x7bff | uint16(r.IntN(2))<<15 // ±65504
		default:
			w[i] = randHalf(r, 8, 17)
		}
	}
	return w
}

func TestMatVecF32Implementations(t *testing.T) {
	forEachImpl(t, "MatVecF32", func(t *testing.T, impl string) {
		r := implRand(6)
		for _, n := range f32Lengths {
			for _, rows := range f32RowCounts {
				w, x := randF32(r, rows*n, 1), randF32(r, n, 1)
				if n > 3 {
					x[1] = 0
					w[2] = 0
				}
				want := make([]float32, rows)
				matVecF32Generic(want, w, x)
				got, check := guardedF32(t, rows, guardSentinel)
				MatVecF32(got, w, x)
				check()
				for i := range got {
					if !implClose(got[i], want[i], 1e-5*f32Bound(w[i*n:(i+1)*n], x)) {
						t.Fatalf("n=%d rows=%d: row %d = %g, generic %g", n, rows, i, got[i], want[i])
					}
				}
			}
		}
	})
}

func TestMatVecF16Implementations(t *testing.T) {
	forEachImpl(t, "MatVecF16", func(t *testing.T, impl string) {
		r := implRand(7)
		for _, n := range f32Lengths {
			for _, rows := range f32RowCounts {
				w, x := halfRow(r, rows*n), randF32(r, n, 1)
				want := make([]float32, rows)
				matVecF16Generic(want, w, x)
				got, check := guardedF32(t, rows, guardSentinel)
				MatVecF16(got, w, x)
				check()
				for i := range got {
					wf := make([]float32, n)
					for j := range wf {
						wf[j] = f16ToF32[w[i*n+j]]
					}
					if !implClose(got[i], want[i], 1e-5*f32Bound(wf, x)+0x1p-140) {
						t.Fatalf("n=%d rows=%d: row %d = %g, generic %g", n, rows, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestMatVecF32GroupingInvariant: a row's result does not depend on the
// rows computed with it.
func TestMatVecF32GroupingInvariant(t *testing.T) {
	r := implRand(8)
	const rows, n = 11, 37
	w, x := randF32(r, rows*n, 1), randF32(r, n, 1)
	wh := halfRow(r, rows*n)
	forEachImpl(t, "MatVecF32", func(t *testing.T, impl string) {
		all := make([]float32, rows)
		MatVecF32(all, w, x)
		for i := range all {
			one := make([]float32, 1)
			MatVecF32(one, w[i*n:(i+1)*n], x)
			if math.Float32bits(one[0]) != math.Float32bits(all[i]) {
				t.Fatalf("row %d alone %g, in a batch %g", i, one[0], all[i])
			}
		}
	})
	forEachImpl(t, "MatVecF16", func(t *testing.T, impl string) {
		all := make([]float32, rows)
		MatVecF16(all, wh, x)
		for i := range all {
			one := make([]float32, 1)
			MatVecF16(one, wh[i*n:(i+1)*n], x)
			if math.Float32bits(one[0]) != math.Float32bits(all[i]) {
				t.Fatalf("row %d alone %g, in a batch %g", i, one[0], all[i])
			}
		}
	})
}
