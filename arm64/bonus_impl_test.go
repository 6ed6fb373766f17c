package arm64

import (
	"math"
	"testing"
)

// Bonus against its generic twin: the same lane sums in the same order;
// whether Go fuses the multiply-adds depends on the architecture, so they
// agree within the rounding of the sum's terms.
func TestBonusImplementations(t *testing.T) {
	forEachImpl(t, "Bonus", func(t *testing.T, impl string) {
		for _, n := range []int{1, 3, 4, 8, 12, 16, 20, 32, 48, 60, 64, 68, 128} {
			for name, r := range ewInputs(n, uint64(n)) {
				in := ewInputs(n, uint64(n+1))
				k, rk, v := in["scaleb"], randF32(implRand(uint64(n+2)), n, 1), in[name]
				y0 := randF32(implRand(uint64(n+3)), n, 1)
				want := append([]float32(nil), y0...)
				bonusGeneric(want, r, k, rk, v)
				got, check := guardedCopyF32(t, y0)
				Bonus(got, r, k, rk, v)
				check()
				var mag float64
				for i := range n {
					mag += math.Abs(float64(r[i]) * float64(k[i]) * float64(rk[i]))
				}
				for j := range got {
					tol := 1e-6 * (math.Abs(float64(y0[j])) + mag*math.Abs(float64(v[j])))
					if !sameF32(got[j], want[j]) && !(math.Abs(float64(got[j])-float64(want[j])) <= tol) {
						t.Fatalf("%s n=%d [%d]: %g, generic %g", name, n, j, got[j], want[j])
					}
				}
			}
		}
		defer func() {
			if recover() == nil {
				t.Errorf("short v: no panic")
			}
		}()
		Bonus(make([]float32, 8), make([]float32, 8), make([]float32, 8), make([]float32, 8), make([]float32, 4))
	})
}
