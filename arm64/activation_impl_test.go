package arm64

import (
	"math"
	"testing"
)

// Every implementation of Sigmoid and Decay against the generic twin
// (float64 math, rounded once). The NEON exp is a float32 evaluation: the
// results may differ by a few ulps (actUlps), and σ of inputs below −86 is
// clamped to about 1e-38 (actAbs) instead of underflowing.
const (
	actUlps = 4
	actAbs  = 1e-37
)

func actInputs(n int, seed uint64) map[string][]float32 {
	r := implRand(seed)
	in := map[string][]float32{}
	for _, s := range []float64{0.1, 1, 5, 30} {
		in["normal"+string(rune('a'+len(in)))] = randF32(r, n, s)
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 86, -86, 87.5, -87.5, 88, -88, 90, -90, 100, -100, 1000, -1000, 1e-8, -1e-8, 0.5, -0.5, 16.6, -16.6, 0.3465736, -0.3465736}
	sp := make([]float32, n)
	for i := range sp {
		sp[i] = special[i%len(special)]
	}
	in["special"] = sp
	return in
}

func ulpDiff(got, want float32) float64 {
	return math.Abs(float64(got)-float64(want)) / math.Max(math.Abs(float64(want))*0x1p-23, 0x1p-149)
}

func testAct(t *testing.T, kernel string, run, generic func(out, x, bias []float32)) {
	forEachImpl(t, kernel, func(t *testing.T, impl string) {
		worst := 0.0
		for _, c := range []struct{ n, rows int }{{1, 1}, {3, 1}, {4, 1}, {5, 1}, {16, 1}, {17, 1}, {33, 1}, {768, 1}, {5, 3}, {16, 2}, {64, 3}, {768, 2}} {
			for _, withBias := range []bool{false, true} {
				for name, x := range actInputs(c.n*c.rows, uint64(c.n*31+c.rows)) {
					var bias []float32
					if withBias {
						bias = randF32(implRand(uint64(c.n)), c.n, 1)
					}
					want := make([]float32, len(x))
					generic(want, x, bias)
					got, check := guardedF32(t, len(x), guardSentinel)
					run(got, x, bias)
					check()
					inPlace := append([]float32(nil), x...)
					run(inPlace, inPlace, bias)
					for i := range got {
						d := ulpDiff(got[i], want[i])
						if d > actUlps && math.Abs(float64(got[i])-float64(want[i])) > actAbs {
							t.Fatalf("%s n=%d rows=%d bias=%v: %s(%g) = %g, generic %g (%.1f ulps)", name, c.n, c.rows, withBias, kernel, x[i], got[i], want[i], d)
						}
						if math.Abs(float64(got[i])-float64(want[i])) > actAbs {
							worst = math.Max(worst, d)
						}
						if math.Float32bits(inPlace[i]) != math.Float32bits(got[i]) {
							t.Fatalf("%s n=%d: in place %g, out of place %g", name, c.n, inPlace[i], got[i])
						}
					}
				}
			}
		}
		t.Logf("%s %s: worst %.2f ulps", kernel, impl, worst)
	})
}

func TestSigmoidImplementations(t *testing.T) {
	testAct(t, "Sigmoid", Sigmoid, sigmoidGeneric)
}

func TestDecayImplementations(t *testing.T) {
	testAct(t, "Decay", Decay, decayGeneric)
}

func TestActivationBadShapes(t *testing.T) {
	for _, k := range []struct {
		name string
		fn   func(out, x, bias []float32)
	}{{"Sigmoid", Sigmoid}, {"Decay", Decay}} {
		forEachImpl(t, k.name, func(t *testing.T, impl string) {
			for name, call := range map[string]func(){
				"short out":  func() { k.fn(make([]float32, 3), make([]float32, 4), nil) },
				"bias width": func() { k.fn(make([]float32, 6), make([]float32, 6), make([]float32, 4)) },
				"empty bias": func() { k.fn(make([]float32, 6), make([]float32, 6), []float32{}) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s: no panic", name)
						}
					}()
					call()
				}()
			}
		})
	}
}
