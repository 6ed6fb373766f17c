package arm64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of QuantizeQ8 against the generic twin: codes and
// scales bit for bit.

// guardedI8 is guardedF32 for int8 outputs.
func guardedI8(t *testing.T, n int) ([]int8, func()) {
	const sentinel = int8(0x5a)
	buf := make([]int8, guardLen+n+guardLen)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf[guardLen : guardLen+n : guardLen+n], func() {
		t.Helper()
		for i, v := range buf {
			if (i < guardLen || i >= guardLen+n) && v != sentinel {
				t.Fatalf("wrote %d at index %d outside the output [0,%d)", v, i-guardLen, n)
			}
		}
	}
}

// quantizeInputs are activation vectors that stress QuantizeQ8: ordinary
// noise at several magnitudes, zero blocks, signed zeros, a lone value, the
// maximum on the negative side, and exact rounding ties.
func quantizeInputs(r *rand.Rand, nb int) map[string][]float32 {
	in := map[string][]float32{}
	for _, s := range []float64{1, 1e-3, 1e-30, 1e20, 3e36} {
		in[fmt.Sprintf("noise%g", s)] = randF32(r, nb*QK, s)
	}
	in["zeros"] = make([]float32, nb*QK)
	sz := make([]float32, nb*QK)
	for i := range sz {
		sz[i] = float32(math.Copysign(0, float64(1-2*(i&1))))
	}
	in["signed-zeros"] = sz
	lone := make([]float32, nb*QK)
	for b := 0; b < nb; b++ {
		lone[b*QK+r.IntN(QK)] = float32(r.NormFloat64())
	}
	in["lone"] = lone
	neg := randF32(r, nb*QK, 1)
	for b := 0; b < nb; b++ {
		neg[b*QK+r.IntN(QK)] = -100
	}
	in["negative-max"] = neg
	// amax 127 makes d = 1 and id = 1: halves are exact ties.
	ties := make([]float32, nb*QK)
	for i := range ties {
		ties[i] = float32(r.IntN(254)-127) + 0.5
	}
	for b := 0; b < nb; b++ {
		ties[b*QK] = 127
	}
	in["ties"] = ties
	mixed := randF32(r, nb*QK, 1)
	for b := 0; b < nb; b += 2 {
		clear(mixed[b*QK : (b+1)*QK])
	}
	in["zero-blocks"] = mixed
	// Blocks whose max is so small that 1/d overflows to +Inf: every
	// implementation gives all-zero codes (not x·Inf garbage that differs
	// between architectures), next to ordinary blocks.
	tiny := randF32(r, nb*QK, 1)
	for b := 0; b < nb; b += 2 {
		for j := b * QK; j < (b+1)*QK; j++ {
			tiny[j] *= 1e-38
		}
	}
	in["tiny-blocks"] = tiny
	return in
}

func TestQuantizeQ8Implementations(t *testing.T) {
	forEachImpl(t, "QuantizeQ8", func(t *testing.T, impl string) {
		r := implRand(4)
		nonzero := 0
		for _, nb := range qBlockCounts {
			for name, x := range quantizeInputs(r, nb) {
				for _, extra := range []int{0, 5} { // a partial block is ignored
					xx := append(append([]float32(nil), x...), randF32(r, extra, 1)...)
					wantQ, wantD := make([]int8, nb*QK), make([]float32, nb)
					quantizeQ8Generic(wantQ, wantD, xx)
					q, checkQ := guardedI8(t, nb*QK)
					d, checkD := guardedF32(t, nb, guardSentinel)
					QuantizeQ8(q, d, xx)
					checkQ()
					checkD()
					for b := range d {
						if math.Float32bits(d[b]) != math.Float32bits(wantD[b]) {
							t.Fatalf("%s nb=%d: scale %d = %g, generic %g", name, nb, b, d[b], wantD[b])
						}
					}
					for i := range q {
						if q[i] != wantQ[i] {
							t.Fatalf("%s nb=%d: code %d = %d, generic %d (x %g, d %g)", name, nb, i, q[i], wantQ[i], xx[i], d[i/QK])
						}
						if q[i] != 0 {
							nonzero++
						}
					}
				}
			}
		}
		if nonzero == 0 {
			t.Fatal("all codes zero: degenerate test data")
		}
	})
}
