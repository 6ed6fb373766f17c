package arm64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of MatVecQ8_0 / MatVecQ4_0 / MatMulQ8_0 /
// MatMulQ4_0 against the generic twin. The integer block sums are exact in
// every implementation, so results may differ only by float rounding: the
// allowed difference is 1e-5 of Σ|term| (term = d_w·d_x·Σ_block q_w·q_x),
// plus a few float32 subnormal steps per block for scales that underflow.

// qWeights returns rows×nb random blocks: every code value (−128 included
// for Q8_0), scales drawn by scale.
func qWeights(r *rand.Rand, q4 bool, rows, nb int, scale func() uint16) []byte {
	bs := BlockQ8_0
	if q4 {
		bs = BlockQ4_0
	}
	w := make([]byte, rows*nb*bs)
	for i := 0; i < rows*nb; i++ {
		blk := w[i*bs : (i+1)*bs]
		h := scale()
		blk[0], blk[1] = byte(h), byte(h>>8)
		for j := 2; j < bs; j++ {
			blk[j] = byte(r.IntN(256))
		}
	}
	return w
}

// qBound returns Σ_b |d_w·d_x·acc_b| and the absolute slack for one row.
func qBound(row []byte, q4 bool, xq []int8, xd []float32) (mag, abs float64) {
	nb := len(xq) / QK
	bs := BlockQ8_0
	if q4 {
		bs = BlockQ4_0
	}
	for b := 0; b < nb; b++ {
		blk := row[b*bs : (b+1)*bs]
		dw := float64(f16ToF32[uint16(blk[0])|uint16(blk[1])<<8])
		var acc int64
		for j := 0; j < QK; j++ {
			var q int64
			if q4 {
				nib := blk[2+j%16]
				if j >= 16 {
					nib >>= 4
				}
				q = int64(nib&15) - 8
			} else {
				q = int64(int8(blk[2+j]))
			}
			acc += q * int64(xq[b*QK+j])
		}
		mag += math.Abs(dw * float64(xd[b]) * float64(acc))
		abs += 4 * (math.Abs(float64(acc)) + 1) * 0x1p-149
	}
	return mag, abs
}

type qCase struct {
	name string
	// weight scale bits and activations
	scale func(r *rand.Rand) uint16
	acts  func(r *rand.Rand, nb int) ([]int8, []float32)
}

// randHalf draws a finite fp16 scale with a random exponent in [lo, hi].
func randHalf(r *rand.Rand, lo, hi int) uint16 {
	e := lo + r.IntN(hi-lo+1) // biased exponent field 1..30 for normals
	m := r.IntN(1 << 10)
	s := r.IntN(2)
	return uint16(s<<15 | e<<10 | m)
}

func quantizedActs(scale float64) func(r *rand.Rand, nb int) ([]int8, []float32) {
	return func(r *rand.Rand, nb int) ([]int8, []float32) {
		x := randF32(r, nb*QK, scale)
		xq := make([]int8, nb*QK)
		xd := make([]float32, nb)
		quantizeQ8Generic(xq, xd, x)
		return xq, xd
	}
}

// rawActs draws codes from pick and positive scales near s.
func rawActs(pick func(r *rand.Rand) int8, s float32) func(r *rand.Rand, nb int) ([]int8, []float32) {
	return func(r *rand.Rand, nb int) ([]int8, []float32) {
		xq := make([]int8, nb*QK)
		for i := range xq {
			xq[i] = pick(r)
		}
		xd := make([]float32, nb)
		for i := range xd {
			xd[i] = s * float32(0.5+r.Float64())
		}
		return xq, xd
	}
}

var qCases = []qCase{
	{"typical", func(r *rand.Rand) uint16 { return randHalf(r, 5, 12) }, quantizedActs(1)},
	{"wide-scales", func(r *rand.Rand) uint16 { return randHalf(r, 1, 30) }, quantizedActs(3)},
	{"fp16-max-scale", func(r *rand.Rand) uint16 { return 0x7bff | uint16(r.IntN(2))<<15 }, quantizedActs(1)},
	{"fp16-subnormal-scales", func(r *rand.Rand) uint16 { return uint16(1+r.IntN(0x3ff)) | uint16(r.IntN(2))<<15 }, quantizedActs(1e-20)},
	{"zero-scales", func(r *rand.Rand) uint16 { return uint16(r.IntN(2)) << 15 }, quantizedActs(1)},
	{"zero-acts", func(r *rand.Rand) uint16 { return randHalf(r, 5, 12) }, rawActs(func(*rand.Rand) int8 { return 0 }, 1)},
	{"acts±127", func(r *rand.Rand) uint16 { return randHalf(r, 5, 12) }, rawActs(func(r *rand.Rand) int8 { return int8(127 - 254*r.IntN(2)) }, 0.01)},
	{"acts-128", func(r *rand.Rand) uint16 { return randHalf(r, 5, 12) }, rawActs(func(*rand.Rand) int8 { return -128 }, 0.01)},
	{"acts-any", func(r *rand.Rand) uint16 { return randHalf(r, 5, 12) }, rawActs(func(r *rand.Rand) int8 { return int8(r.IntN(256)) }, 0.01)},
}

// qExtremeWeights overwrites the codes of w with the most negative value
// (−128 for Q8_0, nibble 0 = −8 for Q4_0), the worst case for int16
// pairing, in every block.
func qExtremeWeights(w []byte, q4 bool) {
	bs := BlockQ8_0
	fill := byte(0x80)
	if q4 {
		bs, fill = BlockQ4_0, 0x00
	}
	for o := 0; o < len(w); o += bs {
		for j := 2; j < bs; j++ {
			w[o+j] = fill
		}
	}
}

var qRowCounts = []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33}
var qBlockCounts = []int{1, 2, 3, 7, 24, 33}

func testMatVecQ(t *testing.T, kernel string, q4 bool, run func(out []float32, w []byte, xq []int8, xd []float32), ref func(out []float32, w []byte, xq []int8, xd []float32)) {
	bs := BlockQ8_0
	if q4 {
		bs = BlockQ4_0
	}
	forEachImpl(t, kernel, func(t *testing.T, impl string) {
		r := implRand(1)
		nonzero := 0
		for _, c := range qCases {
			for _, extreme := range []bool{false, true} {
				for _, nb := range qBlockCounts {
					for _, rows := range qRowCounts {
						w := qWeights(r, q4, rows, nb, func() uint16 { return c.scale(r) })
						if extreme {
							qExtremeWeights(w, q4)
						}
						xq, xd := c.acts(r, nb)
						nonzero += checkMatVecTwin(t, rows, nb*bs, w,
							func(out []float32) { run(out, w, xq, xd) },
							func(out []float32) { ref(out, w, xq, xd) },
							func(row []byte) float64 { mag, abs := qBound(row, q4, xq, xd); return 1e-5*mag + abs },
							func() string { return fmt.Sprintf("%s extreme=%v nb=%d rows=%d", c.name, extreme, nb, rows) })
					}
				}
			}
		}
		if nonzero == 0 {
			t.Fatal("every output was zero: the test data is degenerate")
		}
	})
}

func TestMatVecQ8_0Implementations(t *testing.T) {
	testMatVecQ(t, "MatVecQ8_0", false, MatVecQ8_0, matVecQ8_0Generic)
}

func TestMatVecQ4_0Implementations(t *testing.T) {
	testMatVecQ(t, "MatVecQ4_0", true, MatVecQ4_0, matVecQ4_0Generic)
}

// TestMatVecQGroupingInvariant checks that a row's result does not depend
// on which rows are computed with it (the assembly runs groups of rows and
// a one-row tail with the same arithmetic).
func TestMatVecQGroupingInvariant(t *testing.T) {
	for _, k := range []struct {
		kernel string
		q4     bool
		fn     func(out []float32, w []byte, xq []int8, xd []float32)
	}{
		{"MatVecQ8_0", false, MatVecQ8_0},
		{"MatVecQ4_0", true, MatVecQ4_0},
	} {
		t.Run(k.kernel, func(t *testing.T) {
			forEachImpl(t, k.kernel, func(t *testing.T, impl string) {
				r := implRand(2)
				const rows, nb = 21, 5
				bs := BlockQ8_0
				if k.q4 {
					bs = BlockQ4_0
				}
				w := qWeights(r, k.q4, rows, nb, func() uint16 { return randHalf(r, 5, 12) })
				xq, xd := quantizedActs(1)(r, nb)
				all := make([]float32, rows)
				k.fn(all, w, xq, xd)
				for i := 0; i < rows; i++ {
					one := make([]float32, 1)
					k.fn(one, w[i*nb*bs:(i+1)*nb*bs], xq, xd)
					if math.Float32bits(one[0]) != math.Float32bits(all[i]) {
						t.Fatalf("row %d alone = %g, in a batch of %d = %g", i, one[0], rows, all[i])
					}
				}
			})
		})
	}
}

// TestMatVecQShortOperands: operands shorter than the shapes imply must
// panic (the generic twin's bounds checks), never be read past their end.
func TestMatVecQShortOperands(t *testing.T) {
	for _, k := range []struct {
		kernel string
		q4     bool
		fn     func(out []float32, w []byte, xq []int8, xd []float32)
	}{
		{"MatVecQ8_0", false, MatVecQ8_0},
		{"MatVecQ4_0", true, MatVecQ4_0},
	} {
		forEachImpl(t, k.kernel, func(t *testing.T, impl string) {
			r := implRand(3)
			w := qWeights(r, k.q4, 9, 3, func() uint16 { return randHalf(r, 5, 12) })
			xq, xd := quantizedActs(1)(r, 3)
			for name, call := range map[string]func(){
				"short w":  func() { k.fn(make([]float32, 9), w[:len(w)-1], xq, xd) },
				"short xd": func() { k.fn(make([]float32, 9), w, xq, xd[:2]) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s: %s did not panic", impl, name)
						}
					}()
					call()
				}()
			}
			// A partial trailing block of xq is ignored, as by the generic
			// twin: the product is the one over the whole blocks.
			bs := BlockQ8_0
			ref := make([]float32, 9)
			if k.q4 {
				bs = BlockQ4_0
				matVecQ4_0Generic(ref, w[:9*2*bs], xq[:2*QK], xd)
			} else {
				matVecQ8_0Generic(ref, w[:9*2*bs], xq[:2*QK], xd)
			}
			out := make([]float32, 9)
			k.fn(out, w[:9*2*bs], append(xq[:2*QK:2*QK], 1, 2, 3), xd)
			for i := range out {
				if !implClose(out[i], ref[i], 1e-4*math.Abs(float64(ref[i]))) {
					t.Fatalf("%s: partial block: row %d = %g, want %g", impl, i, out[i], ref[i])
				}
			}
		})
	}
}

// TestMatVecQ4_0WideRows covers rows of more blocks than the corrected
// Q4_0 kernels' table holds (they fall back to signed unpacking).
func TestMatVecQ4_0WideRows(t *testing.T) {
	forEachImpl(t, "MatVecQ4_0", func(t *testing.T, impl string) {
		r := implRand(14)
		for _, nb := range []int{q4CorrMax - 1, q4CorrMax, q4CorrMax + 1} {
			for _, rows := range []int{1, 9} {
				w := qWeights(r, true, rows, nb, func() uint16 { return randHalf(r, 5, 12) })
				xq, xd := quantizedActs(1)(r, nb)
				checkMatVecTwin(t, rows, nb*BlockQ4_0, w,
					func(out []float32) { MatVecQ4_0(out, w, xq, xd) },
					func(out []float32) { matVecQ4_0Generic(out, w, xq, xd) },
					func(row []byte) float64 { mag, abs := qBound(row, true, xq, xd); return 1e-5*mag + abs },
					func() string { return fmt.Sprintf("nb=%d rows=%d", nb, rows) })
			}
		}
	})
}
