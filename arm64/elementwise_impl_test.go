package arm64

import (
	"math"
	"testing"
)

// The element-wise kernels against their generic twins. Each value is one
// float32 operation in both, so they agree exactly, except Lerp's
// multiply-add, which Go fuses on arm64 but not on every architecture: it
// may differ by an ulp of the larger of its terms.

// ewInputs are rows of random values of several scales and a row of edge
// values (zeros of both signs, infinities, NaN, extremes, subnormals).
func ewInputs(n int, seed uint64) map[string][]float32 {
	r := implRand(seed)
	in := map[string][]float32{}
	for i, s := range []float64{1e-30, 1, 1e3, 1e30} {
		in["scale"+string(rune('a'+i))] = randF32(r, n, s)
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-20, -1e20, 3, -7}
	sp := make([]float32, n)
	for i := range sp {
		sp[i] = special[(i*7+int(seed))%len(special)]
	}
	in["special"] = sp
	nan := append([]float32(nil), sp...)
	nan[(int(seed)*5)%n] = float32(math.NaN())
	in["nan"] = nan
	return in
}

var ewSizes = []int{1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 33, 63, 64, 65, 100, 768, 771}

func sameF32(got, want float32) bool {
	return math.Float32bits(got) == math.Float32bits(want) || got != got && want != want
}

func TestLerpImplementations(t *testing.T) {
	forEachImpl(t, "Lerp", func(t *testing.T, impl string) {
		for _, n := range ewSizes {
			for _, rows := range []int{1, 2, 3} {
				for name, x := range ewInputs(n*rows, uint64(n*3+rows)) {
					d := ewInputs(n*rows, uint64(n*5+rows+1))["scaleb"]
					if name == "nan" || name == "special" {
						d = ewInputs(n*rows, uint64(n+rows))[name]
					}
					mix := randF32(implRand(uint64(n)), n, 1)
					want := make([]float32, len(x))
					lerpGeneric(want, x, d, mix)
					got, check := guardedF32(t, len(x), guardSentinel)
					Lerp(got, x, d, mix)
					check()
					inPlace := append([]float32(nil), x...)
					Lerp(inPlace, inPlace, d, mix)
					for i := range got {
						p := float64(d[i]) * float64(mix[i%n])
						tol := (math.Abs(float64(x[i])) + math.Abs(p)) * 0x1p-23
						if !sameF32(got[i], want[i]) && !(math.Abs(float64(got[i])-float64(want[i])) <= tol) {
							t.Fatalf("%s n=%d rows=%d [%d]: %g + %g·%g = %g, generic %g", name, n, rows, i, x[i], d[i], mix[i%n], got[i], want[i])
						}
						if !sameF32(inPlace[i], got[i]) {
							t.Fatalf("%s n=%d [%d]: in place %g, out of place %g", name, n, i, inPlace[i], got[i])
						}
					}
				}
			}
		}
	})
}

func TestBinaryImplementations(t *testing.T) {
	for _, k := range []struct {
		name        string
		fn, generic func(out, a, b []float32)
	}{{"Add", Add, addGeneric}, {"Sub", Sub, subGeneric}, {"Mul", Mul, mulGeneric}} {
		t.Run(k.name, func(t *testing.T) { testBinary(t, k.name, k.fn, k.generic) })
	}
}

func testBinary(t *testing.T, kernel string, fn, generic func(out, a, b []float32)) {
	{
		forEachImpl(t, kernel, func(t *testing.T, impl string) {
			for _, n := range ewSizes {
				for name, a := range ewInputs(n, uint64(n)) {
					b := ewInputs(n, uint64(n+11))[name]
					want := make([]float32, n)
					generic(want, a, b)
					got, check := guardedF32(t, n, guardSentinel)
					fn(got, a, b)
					check()
					inA := append([]float32(nil), a...)
					fn(inA, inA, b)
					inB := append([]float32(nil), b...)
					fn(inB, a, inB)
					for i := range got {
						if !sameF32(got[i], want[i]) || !sameF32(inA[i], want[i]) || !sameF32(inB[i], want[i]) {
							t.Fatalf("%s %s n=%d [%d]: %g, %g: %g (in place %g, %g), generic %g", kernel, name, n, i, a[i], b[i], got[i], inA[i], inB[i], want[i])
						}
					}
				}
			}
		})
	}
}

func TestIndexImplementations(t *testing.T) {
	forEachImpl(t, "Index", func(t *testing.T, impl string) {
		if i := Index(nil, 0); i != -1 {
			t.Errorf("Index(nil) = %d", i)
		}
		for _, n := range ewSizes {
			for name, x := range ewInputs(n, uint64(n)) {
				// Every value of x, the absent 5e37 and NaN, and a value
				// planted at each position in turn.
				vs := append([]float32{5e37, float32(math.NaN()), 0, float32(math.Copysign(0, -1))}, x...)
				for _, v := range vs {
					if got, want := Index(x, v), indexGeneric(x, v); got != want {
						t.Fatalf("%s n=%d: Index(%g) = %d, generic %d", name, n, v, got, want)
					}
				}
				for at := range n {
					y := append([]float32(nil), x...)
					y[at] = 5e37
					if got, want := Index(y, 5e37), indexGeneric(y, 5e37); got != want || got > at {
						t.Fatalf("%s n=%d: Index of value at %d = %d, generic %d", name, n, at, got, want)
					}
				}
			}
		}
	})
}

func TestReluSquareImplementations(t *testing.T) {
	forEachImpl(t, "ReluSquare", func(t *testing.T, impl string) {
		for _, n := range ewSizes {
			for name, x := range ewInputs(n, uint64(n)) {
				want := make([]float32, n)
				reluSquareGeneric(want, x)
				got, check := guardedF32(t, n, guardSentinel)
				ReluSquare(got, x)
				check()
				inPlace := append([]float32(nil), x...)
				ReluSquare(inPlace, inPlace)
				for i := range got {
					if !sameF32(got[i], want[i]) || !sameF32(inPlace[i], want[i]) {
						t.Fatalf("%s n=%d [%d]: relu²(%g) = %g (in place %g), generic %g", name, n, i, x[i], got[i], inPlace[i], want[i])
					}
				}
			}
		}
	})
}

func TestMaxImplementations(t *testing.T) {
	forEachImpl(t, "Max", func(t *testing.T, impl string) {
		if m := Max(nil); !math.IsInf(float64(m), -1) {
			t.Errorf("Max(nil) = %g, want -Inf", m)
		}
		for _, n := range ewSizes {
			for name, x := range ewInputs(n, uint64(n)) {
				// The largest value at every position in turn, and zeros of
				// both signs (+0 wins).
				for _, at := range []int{0, n / 2, n - 1} {
					y := append([]float32(nil), x...)
					y[at] = 2e38
					for _, v := range [][]float32{x, y} {
						if got, want := Max(v), maxF32Generic(v); !sameF32(got, want) {
							t.Fatalf("%s n=%d at=%d: Max %g, generic %g", name, n, at, got, want)
						}
					}
				}
				z := make([]float32, n)
				for i := range z {
					z[i] = float32(math.Copysign(0, -1))
				}
				if got := Max(z); math.Float32bits(got) != 0x80000000 {
					t.Fatalf("n=%d: Max of −0s = %g (%#x)", n, got, math.Float32bits(got))
				}
				z[n-1] = 0
				if got := Max(z); math.Float32bits(got) != 0 {
					t.Fatalf("n=%d: Max of −0s and +0 = %g (%#x)", n, got, math.Float32bits(got))
				}
				inf := make([]float32, n)
				for i := range inf {
					inf[i] = float32(math.Inf(-1))
				}
				if got := Max(inf); !math.IsInf(float64(got), -1) {
					t.Fatalf("n=%d: Max of −Inf = %g", n, got)
				}
			}
		}
	})
}

func TestElementwiseBadShapes(t *testing.T) {
	for name, call := range map[string]func(){
		"lerp short out": func() { Lerp(make([]float32, 3), make([]float32, 4), make([]float32, 4), make([]float32, 4)) },
		"lerp short d":   func() { Lerp(make([]float32, 4), make([]float32, 4), make([]float32, 3), make([]float32, 4)) },
		"lerp mix width": func() { Lerp(make([]float32, 6), make([]float32, 6), make([]float32, 6), make([]float32, 4)) },
		"lerp no mix":    func() { Lerp(make([]float32, 6), make([]float32, 6), make([]float32, 6), nil) },
		"add short b":    func() { Add(make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"add short out":  func() { Add(make([]float32, 3), make([]float32, 4), make([]float32, 4)) },
		"sub short b":    func() { Sub(make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"mul short out":  func() { Mul(make([]float32, 3), make([]float32, 4), make([]float32, 4)) },
		"relu short out": func() { ReluSquare(make([]float32, 3), make([]float32, 4)) },
	} {
		for _, impl := range implementations("Lerp") {
			func() {
				selectImpl(impl)
				defer resetImpl()
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", impl, name)
					}
				}()
				call()
			}()
		}
	}
}
