package arm64

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of MatVecBF16 and MatMulBF16 against the generic
// twin. Widening is exact in both, so they differ only by summation order:
// 1e-5 of Σ|w·x|.

// bf16Row draws bfloat16 weights: mostly ordinary values, some subnormal
// or zero, some of the largest finite magnitude, and the bits of random
// float32s of any exponent but the top one.
func bf16Row(r *rand.Rand, n int) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		switch r.IntN(16) {
		case 0:
			w[i] = uint16(r.IntN(0x80)) | uint16(r.IntN(2))<<15 // subnormal or zero
		case 1:
			w[i] = 0x7f7f | uint16(r.IntN(2))<<15 // ±3.39e38
		case 2:
			w[i] = uint16(r.IntN(0x7f00)) | uint16(r.IntN(2))<<15
		default:
			w[i] = uint16(math.Float32bits(float32(r.NormFloat64())) >> 16)
		}
	}
	return w
}

func bf16Bound(w []uint16, x []float32) float64 {
	var m float64
	for j := range x {
		m += math.Abs(float64(bf16(w[j])) * float64(x[j]))
	}
	return 1e-5*m + 0x1p-140
}

func TestMatVecBF16Implementations(t *testing.T) {
	forEachImpl(t, "MatVecBF16", func(t *testing.T, impl string) {
		r := implRand(41)
		for _, n := range f32Lengths {
			for _, rows := range f32RowCounts {
				w, x := bf16Row(r, rows*n), randF32(r, n, 1e-3)
				want := make([]float32, rows)
				matVecBF16Generic(want, w, x)
				got, check := guardedF32(t, rows, guardSentinel)
				MatVecBF16(got, w, x)
				check()
				for i := range got {
					if !implClose(got[i], want[i], bf16Bound(w[i*n:(i+1)*n], x)) {
						t.Fatalf("n=%d rows=%d: row %d = %g, generic %g", n, rows, i, got[i], want[i])
					}
				}
			}
		}
	})
}

func TestMatMulBF16Implementations(t *testing.T) {
	forEachImpl(t, "MatMulBF16", func(t *testing.T, impl string) {
		r := implRand(42)
		for _, T := range []int{1, 2, 3, 5, 8} {
			for _, shape := range [][2]int{{1, 1}, {7, 17}, {9, 64}, {4, 33}} {
				rows, n := shape[0], shape[1]
				ld := rows + 2
				w, x := bf16Row(r, rows*n), randF32(r, T*n, 1e-3)
				size := (T-1)*ld + rows
				want := make([]float32, size)
				for i := range want {
					want[i] = guardSentinel
				}
				matMulBF16Generic(want, ld, w, x, T)
				got, check := guardedF32(t, size, guardSentinel)
				MatMulBF16(got, ld, w, x, T)
				check()
				for tok := 0; tok < T; tok++ {
					for i := 0; i < ld && tok*ld+i < size; i++ {
						tol := 0.0
						if i < rows {
							tol = bf16Bound(w[i*n:(i+1)*n], x[tok*n:(tok+1)*n])
						}
						if g, wv := got[tok*ld+i], want[tok*ld+i]; !implClose(g, wv, tol) {
							t.Fatalf("T=%d rows=%d n=%d: out[%d][%d] = %g, generic %g", T, rows, n, tok, i, g, wv)
						}
					}
				}
			}
		}
	})
}
