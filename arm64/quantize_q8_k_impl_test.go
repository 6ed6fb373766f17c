package arm64

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of QuantizeQ8_K against the generic twin, bit for
// bit: codes, scales and 16-value sums. The cases cover the peak's sign
// (a positive and a negative value of the same magnitude, in either order:
// the first one sets the sign), all-zero and tiny blocks (zero codes),
// huge and subnormal values, and several blocks per call.
func TestQuantizeQ8_KImplementations(t *testing.T) {
	cases := map[string]func(r *rand.Rand, x []float32){
		"normal": func(r *rand.Rand, x []float32) {
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
		},
		"zero": func(r *rand.Rand, x []float32) { clear(x) },
		"tie-pos-first": func(r *rand.Rand, x []float32) {
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			i, j := r.IntN(128), 128+r.IntN(128)
			x[i], x[j] = 9, -9
		},
		"tie-neg-first": func(r *rand.Rand, x []float32) {
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			i, j := r.IntN(128), 128+r.IntN(128)
			x[i], x[j] = -9, 9
		},
		"negative": func(r *rand.Rand, x []float32) {
			for i := range x {
				x[i] = -float32(math.Abs(r.NormFloat64()))
			}
		},
		"huge": func(r *rand.Rand, x []float32) {
			for i := range x {
				x[i] = float32(r.NormFloat64() * 1e37)
			}
		},
		"tiny": func(r *rand.Rand, x []float32) {
			for i := range x {
				x[i] = float32(r.NormFloat64() * 1e-39)
			}
		},
		"halves": func(r *rand.Rand, x []float32) {
			// x·iscale lands on .5 often: ties to even.
			for i := range x {
				x[i] = float32(r.IntN(255)-127) / 2
			}
			x[0] = 127
		},
		"outlier": func(r *rand.Rand, x []float32) {
			// A lone peak anywhere, of either sign.
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			x[r.IntN(len(x))] = float32(1e4 * (1 - 2*r.IntN(2)))
		},
		"tie-last": func(r *rand.Rand, x []float32) {
			// The peak's two signs in the last two values.
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			s := float32(1 - 2*r.IntN(2))
			x[len(x)-2], x[len(x)-1] = 50*s, -50*s
		},
		"tie-many": func(r *rand.Rand, x []float32) {
			// Only ±1: the first value is the peak.
			for i := range x {
				x[i] = float32(1 - 2*r.IntN(2))
			}
		},
		"negzero": func(r *rand.Rand, x []float32) {
			for i := range x {
				x[i] = float32(math.Copysign(0, -1))
			}
			x[r.IntN(len(x))] = -3
		},
	}
	forEachImpl(t, "QuantizeQ8_K", func(t *testing.T, impl string) {
		r := implRand(31)
		for name, fill := range cases {
			for _, nb := range []int{1, 2, 3, 5} {
				x := make([]float32, nb*QKK)
				for b := 0; b < nb; b++ {
					fill(r, x[b*QKK:(b+1)*QKK])
				}
				wq, wd, ws := make([]int8, nb*QKK), make([]float32, nb), make([]int16, nb*QKK/16)
				quantizeQ8_KGeneric(wq, wd, ws, x)
				gq, gd, gs := make([]int8, nb*QKK+5), make([]float32, nb+3), make([]int16, nb*QKK/16+3)
				for i := range gq {
					gq[i] = 99
				}
				for i := range gd {
					gd[i] = guardSentinel
				}
				for i := range gs {
					gs[i] = 999
				}
				QuantizeQ8_K(gq[:nb*QKK], gd[:nb], gs[:nb*QKK/16], x)
				for i := range wq {
					if gq[i] != wq[i] {
						t.Fatalf("%s nb=%d: q[%d] = %d, generic %d", name, nb, i, gq[i], wq[i])
					}
				}
				for i := range wd {
					if math.Float32bits(gd[i]) != math.Float32bits(wd[i]) {
						t.Fatalf("%s nb=%d: d[%d] = %g, generic %g", name, nb, i, gd[i], wd[i])
					}
				}
				for i := range ws {
					if gs[i] != ws[i] {
						t.Fatalf("%s nb=%d: s[%d] = %d, generic %d", name, nb, i, gs[i], ws[i])
					}
				}
				if gq[nb*QKK] != 99 || gd[nb] != guardSentinel || gs[nb*QKK/16] != 999 {
					t.Fatalf("%s nb=%d: wrote past the outputs", name, nb)
				}
			}
		}
	})
}
