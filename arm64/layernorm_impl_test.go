package arm64

import (
	"math"
	"testing"
)

// Every implementation of LayerNorm against the generic twin, out of place
// and in place (out = x, as the runtime calls it).
func TestLayerNormImplementations(t *testing.T) {
	forEachImpl(t, "LayerNorm", func(t *testing.T, impl string) {
		r := implRand(11)
		for _, n := range append(f32Lengths, 64, 768) {
			for _, c := range []struct {
				name         string
				scale, shift float64
				eps          float32
			}{
				{"typical", 1, 0, 1e-5},
				{"offset", 0.1, 5, 1e-5},
				{"group-norm-eps", 1, 0, 64e-5},
				{"large", 1e15, 1e15, 1e-5},
				{"tiny", 1e-20, 0, 1e-5},
			} {
				x := randF32(r, n, c.scale)
				for i := range x {
					x[i] += float32(c.shift)
				}
				w, b := randF32(r, n, 1), randF32(r, n, 1)
				want := make([]float32, n)
				layerNormGeneric(want, x, w, b, c.eps)

				// Error bound: the mean and the variance are sums of n
				// terms in another order; their errors move every output
				// by about |inv·w_i|·δmean and |t_i|·δvar/(2(var+eps)).
				var mean, absSum float64
				for _, v := range x {
					mean += float64(v)
					absSum += math.Abs(float64(v))
				}
				mean /= float64(n)
				var variance, varAbs float64
				for _, v := range x {
					d := float64(v) - mean
					variance += d * d
				}
				variance /= float64(n)
				varAbs = variance + math.Abs(mean)*absSum/float64(n)*4
				inv := 1 / math.Sqrt(variance+float64(c.eps))
				tol := func(i int) float64 {
					ti := (float64(x[i]) - mean) * inv * float64(w[i])
					return 1e-5*(math.Abs(ti)+math.Abs(float64(b[i]))) +
						1e-5*math.Abs(inv*float64(w[i]))*absSum/float64(n) +
						1e-5*math.Abs(ti)*varAbs/(variance+float64(c.eps))
				}

				out, check := guardedF32(t, n, guardSentinel)
				LayerNorm(out, x, w, b, c.eps)
				check()
				inPlace, checkIn := guardedCopyF32(t, x)
				LayerNorm(inPlace, inPlace, w, b, c.eps)
				checkIn()
				for i := range out {
					if !implClose(out[i], want[i], tol(i)) {
						t.Fatalf("%s n=%d: out[%d] = %g, generic %g (tol %g)", c.name, n, i, out[i], want[i], tol(i))
					}
					if math.Float32bits(inPlace[i]) != math.Float32bits(out[i]) {
						t.Fatalf("%s n=%d: in place out[%d] = %g, out of place %g", c.name, n, i, inPlace[i], out[i])
					}
				}
			}
		}
	})
}
