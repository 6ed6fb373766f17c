package arm64

import (
	"math"
	"testing"
)

// Shared checks of a block kernel against its generic twin, used by the
// Q8_0/Q4_0 (matvec_q_impl_test.go), K-type (matvec_k_impl_test.go) and
// 32-value block (matvec_q32_impl_test.go) tests. The callers close over their own operands (the activation sums are
// int16 for one family and float32 for the other), so a kernel call here is
// just "fill out".

// checkMatVecTwin runs mv and its generic twin ref for rows rows of w, rb
// bytes each, into guarded outputs, and fails unless every row is within
// bound(row's bytes) of the twin's. what names the case in a failure. It
// returns how many rows came out nonzero, for the callers that check their
// data is not degenerate.
func checkMatVecTwin(t *testing.T, rows, rb int, w []byte, mv, ref func(out []float32), bound func(row []byte) float64, what func() string) int {
	t.Helper()
	want := make([]float32, rows)
	ref(want)
	got, check := guardedF32(t, rows, guardSentinel)
	mv(got)
	check()
	nonzero := 0
	for i := range got {
		if tol := bound(w[i*rb : (i+1)*rb]); !implClose(got[i], want[i], tol) {
			t.Fatalf("%s: row %d = %g, generic %g (tolerance %g)", what(), i, got[i], want[i], tol)
		}
		if got[i] != 0 {
			nonzero++
		}
	}
	return nonzero
}

// checkMatMulTwin runs the prefill kernel mm and its generic twin ref over T
// tokens of rows results, ld apart, and fails unless every result is within
// bound(row's bytes, token) of the twin's and the gaps between the tokens'
// rows keep the sentinel in both (tolerance 0 there).
func checkMatMulTwin(t *testing.T, T, rows, ld, rb int, w []byte, mm, ref func(out []float32, ld int), bound func(row []byte, tok int) float64, what string) {
	t.Helper()
	n := (T-1)*ld + rows
	want := make([]float32, n)
	for i := range want {
		want[i] = guardSentinel
	}
	ref(want, ld)
	got, check := guardedF32(t, n, guardSentinel)
	mm(got, ld)
	check()
	for tok := 0; tok < T; tok++ {
		for i := 0; i < ld && tok*ld+i < n; i++ {
			g, wv := got[tok*ld+i], want[tok*ld+i]
			tol := 0.0
			if i < rows {
				tol = bound(w[i*rb:(i+1)*rb], tok)
			}
			if !implClose(g, wv, tol) {
				t.Fatalf("%s: out[%d][%d] = %g, generic %g", what, tok, i, g, wv)
			}
		}
	}
}

// expectPanics fails for each call that returns instead of panicking: a
// short operand must trip the generic twin's bounds checks, never be read
// past its end.
func expectPanics(t *testing.T, prefix string, calls map[string]func()) {
	t.Helper()
	for name, call := range calls {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: %s did not panic", prefix, name)
				}
			}()
			call()
		}()
	}
}

// checkMatMulMatchesMatVec fails unless out, the prefill kernel's T tokens
// of rows results packed together, has for each token the bits of mv(one,
// tok), the matvec kernel on that token alone.
func checkMatMulMatchesMatVec(t *testing.T, what string, T, rows int, out []float32, mv func(one []float32, tok int)) {
	t.Helper()
	for tok := 0; tok < T; tok++ {
		one := make([]float32, rows)
		mv(one, tok)
		for i := range one {
			if math.Float32bits(one[i]) != math.Float32bits(out[tok*rows+i]) {
				t.Fatalf("%s: token %d row %d: prefill %g, matvec %g", what, tok, i, out[tok*rows+i], one[i])
			}
		}
	}
}
