package arm64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of QuantizeQ8, DotF32, MatVecF32 and MatVecF16
// against the generic twin.

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
	forEachImpl(t, KernelQuantizeQ8, func(t *testing.T, impl string) {
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

func TestDotF32Implementations(t *testing.T) {
	forEachImpl(t, KernelDotF32, func(t *testing.T, impl string) {
		r := implRand(5)
		for _, n := range append(f32Lengths, 0, 3072) {
			a, b := randF32(r, n, 1), randF32(r, n+3, 1) // b may be longer
			got, want := DotF32(a, b), dotF32Generic(a, b)
			if !implClose(got, want, 1e-5*f32Bound(b, a)) {
				t.Fatalf("n=%d: %g, generic %g", n, got, want)
			}
			if n > 0 && got == 0 {
				t.Fatalf("n=%d: zero", n)
			}
		}
	})
}

func TestMatVecF32Implementations(t *testing.T) {
	forEachImpl(t, KernelMatVecF32, func(t *testing.T, impl string) {
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
	forEachImpl(t, KernelMatVecF16, func(t *testing.T, impl string) {
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
// rows computed with it, and DotF32 equals a one-row MatVecF32.
func TestMatVecF32GroupingInvariant(t *testing.T) {
	r := implRand(8)
	const rows, n = 11, 37
	w, x := randF32(r, rows*n, 1), randF32(r, n, 1)
	wh := halfRow(r, rows*n)
	forEachImpl(t, KernelMatVecF32, func(t *testing.T, impl string) {
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
	forEachImpl(t, KernelMatVecF16, func(t *testing.T, impl string) {
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
