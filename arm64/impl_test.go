package arm64

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// Helpers shared by the tests that pit every registered implementation of a
// kernel against its generic twin. Names start with "impl"/"guard" to stay
// clear of other test files of the package.

// forEachImpl runs f once per implementation of kernel that this CPU can
// run, with that implementation installed, and restores the one in use
// before. It fails the test if the kernel is unknown.
func forEachImpl(t *testing.T, kernel string, f func(t *testing.T, impl string)) {
	t.Helper()
	impls := Implementations(kernel)
	if len(impls) == 0 {
		t.Fatalf("kernel %s: no implementations registered", kernel)
	}
	prev := Current(kernel)
	defer func() {
		if err := Use(kernel, prev); err != nil {
			t.Fatal(err)
		}
	}()
	for _, impl := range impls {
		if err := Use(kernel, impl); err != nil {
			t.Fatal(err)
		}
		t.Run(impl, func(t *testing.T) { f(t, impl) })
	}
}

// guardSentinel is written around every output buffer; no kernel computes
// this exact value from the test data.
const guardSentinel = float32(-98765.4321)

const guardLen = 7 // sentinels on each side

// guardedF32 returns a slice of n values (filled with fill) that sits
// between guardLen sentinels on either side, and a function that fails the
// test if any sentinel changed.
func guardedF32(t *testing.T, n int, fill float32) ([]float32, func()) {
	buf := make([]float32, guardLen+n+guardLen)
	for i := range buf {
		buf[i] = guardSentinel
	}
	s := buf[guardLen : guardLen+n : guardLen+n]
	for i := range s {
		s[i] = fill
	}
	return s, func() {
		t.Helper()
		for i, v := range buf {
			if (i < guardLen || i >= guardLen+n) && math.Float32bits(v) != math.Float32bits(guardSentinel) {
				t.Fatalf("wrote %g at index %d outside the output [0,%d)", v, i-guardLen, n)
			}
		}
	}
}

// guardedCopyF32 is guardedF32 holding a copy of src.
func guardedCopyF32(t *testing.T, src []float32) ([]float32, func()) {
	s, check := guardedF32(t, len(src), 0)
	copy(s, src)
	return s, check
}

// implClose reports whether got equals want within tol, treating equal
// infinities and NaN pairs as equal.
func implClose(got, want float32, tol float64) bool {
	if got == want || (got != got && want != want) {
		return true
	}
	return math.Abs(float64(got)-float64(want)) <= tol
}

func implRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// randF32 fills n values with normal noise of the given scale.
func randF32(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// qemuCPU is the CPU model qemu-user emulates ("" when not under qemu or
// not set); qemu passes its environment to the guest.
func qemuCPU() string { return os.Getenv("QEMU_CPU") }

// wkvDecay draws per-channel decays w = exp(−0.606531·sigmoid(z)) as the
// model computes them: in (0.54, 1).
func wkvDecay(r *rand.Rand, n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		z := r.NormFloat64() * 2
		w[i] = float32(math.Exp(-0.606531 / (1 + math.Exp(-z))))
	}
	return w
}

// wkvRate draws in-context learning rates a = sigmoid(z) in (0, 1).
func wkvRate(r *rand.Rand, n int) []float32 {
	a := make([]float32, n)
	for i := range a {
		a[i] = float32(1 / (1 + math.Exp(-r.NormFloat64()*2)))
	}
	return a
}
