package arm64

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of WKV7 against the generic twin, one step from
// random states (with float64 error bounds per entry) and many steps in a
// row (the state stays close).

type wkvInputs struct{ s, r, w, k, v, kk, a []float32 }

func wkvRandom(r *rand.Rand, n int, stateScale, vecScale float64) wkvInputs {
	kk := randF32(r, n, 1)
	var norm float64
	for _, x := range kk {
		norm += float64(x) * float64(x)
	}
	for i := range kk {
		kk[i] = float32(float64(kk[i]) / math.Sqrt(norm)) // normalised, as the model's kk
	}
	return wkvInputs{
		s: randF32(r, n*n, stateScale),
		r: randF32(r, n, vecScale), w: wkvDecay(r, n), k: randF32(r, n, vecScale),
		v: randF32(r, n, vecScale), kk: kk, a: wkvRate(r, n),
	}
}

func (in wkvInputs) clone() wkvInputs {
	c := func(x []float32) []float32 { return append([]float32(nil), x...) }
	return wkvInputs{c(in.s), c(in.r), c(in.w), c(in.k), c(in.v), c(in.kk), c(in.a)}
}

// wkvBounds returns, for one step from in, the float64 magnitude bounds
// Σ|terms| of every new state entry and every output, including the error
// carried from sa into S and from S into y.
func wkvBounds(in wkvInputs) (sBound, yBound []float64) {
	n := len(in.r)
	sBound, yBound = make([]float64, n*n), make([]float64, n)
	for i := 0; i < n; i++ {
		var sa, saMag float64
		for j := 0; j < n; j++ {
			p := float64(in.s[i*n+j]) * float64(in.kk[j])
			sa -= p
			saMag += math.Abs(p)
		}
		for j := 0; j < n; j++ {
			kka := float64(in.kk[j]) * float64(in.a[j])
			sij := float64(in.s[i*n+j])*float64(in.w[j]) + sa*kka + float64(in.v[i])*float64(in.k[j])
			b := math.Abs(float64(in.s[i*n+j])*float64(in.w[j])) + math.Abs(sa*kka) + math.Abs(float64(in.v[i])*float64(in.k[j])) + saMag*math.Abs(kka)
			sBound[i*n+j] = b
			yBound[i] += math.Abs(sij*float64(in.r[j])) + b*math.Abs(float64(in.r[j]))
		}
	}
	return sBound, yBound
}

func TestWKV7Implementations(t *testing.T) {
	forEachImpl(t, "WKV7", func(t *testing.T, impl string) {
		r := implRand(9)
		cases := []struct {
			name        string
			n           int
			state, vecs float64
			mutate      func(in *wkvInputs)
		}{
			{"typical", 64, 0.5, 1, nil},
			{"zero-state", 64, 0, 1, func(in *wkvInputs) { clear(in.s) }},
			{"zero-vectors", 64, 1, 1, func(in *wkvInputs) { clear(in.k); clear(in.v); clear(in.r) }},
			{"no-decay", 64, 1, 1, func(in *wkvInputs) {
				for i := range in.w {
					in.w[i] = 1
				}
			}},
			{"large", 64, 1e15, 1e10, nil},
			{"tiny", 64, 1e-15, 1e-10, nil},
			{"n32-generic-fallback", 32, 1, 1, nil},
			{"n16-generic-fallback", 16, 1, 1, nil},
		}
		for _, c := range cases {
			for rep := 0; rep < 3; rep++ {
				in := wkvRandom(r, c.n, c.state, c.vecs)
				if c.mutate != nil {
					c.mutate(&in)
				}
				want := in.clone()
				wantY := make([]float32, c.n)
				wkv7Generic(want.s, want.r, want.w, want.k, want.v, want.kk, want.a, wantY)

				got := in.clone()
				s, checkS := guardedCopyF32(t, got.s)
				y, checkY := guardedF32(t, c.n, guardSentinel)
				WKV7(s, got.r, got.w, got.k, got.v, got.kk, got.a, y)
				checkS()
				checkY()
				for name, pair := range map[string][2][]float32{"r": {got.r, in.r}, "w": {got.w, in.w}, "k": {got.k, in.k}, "v": {got.v, in.v}, "kk": {got.kk, in.kk}, "a": {got.a, in.a}} {
					for i := range pair[0] {
						if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
							t.Fatalf("%s: input %s modified", c.name, name)
						}
					}
				}
				sB, yB := wkvBounds(in)
				for i := range s {
					if !implClose(s[i], want.s[i], 1e-5*sB[i]+0x1p-140) {
						t.Fatalf("%s: state[%d][%d] = %g, generic %g (bound %g)", c.name, i/c.n, i%c.n, s[i], want.s[i], sB[i])
					}
				}
				for i := range y {
					if !implClose(y[i], wantY[i], 1e-5*yB[i]+0x1p-140) {
						t.Fatalf("%s: y[%d] = %g, generic %g (bound %g)", c.name, i, y[i], wantY[i], yB[i])
					}
				}
				if c.name == "typical" && wantY[0] == 0 {
					t.Fatal("degenerate test data")
				}
			}
		}
	})
}

// TestWKV7ManySteps runs 64 tokens through one head with each
// implementation; the state is contractive, so the implementations stay
// within a small relative distance of the generic twin.
func TestWKV7ManySteps(t *testing.T) {
	forEachImpl(t, "WKV7", func(t *testing.T, impl string) {
		r := implRand(10)
		const n, steps = 64, 64
		ref := make([]float32, n*n)
		got := make([]float32, n*n)
		yRef, yGot := make([]float32, n), make([]float32, n)
		for step := 0; step < steps; step++ {
			in := wkvRandom(r, n, 0, 1)
			wkv7Generic(ref, in.r, in.w, in.k, in.v, in.kk, in.a, yRef)
			WKV7(got, in.r, in.w, in.k, in.v, in.kk, in.a, yGot)
		}
		var scale float64
		for _, v := range ref {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range ref {
			if math.Abs(float64(got[i])-float64(ref[i])) > 1e-4*scale {
				t.Fatalf("after %d steps state[%d] = %g, generic %g (max |S| %g)", steps, i, got[i], ref[i], scale)
			}
		}
		for i := range yRef {
			if math.Abs(float64(yGot[i])-float64(yRef[i])) > 1e-4*scale*8 {
				t.Fatalf("after %d steps y[%d] = %g, generic %g", steps, i, yGot[i], yRef[i])
			}
		}
	})
}
