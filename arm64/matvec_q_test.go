package arm64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/x448/float16"
)

// These tests hold the generic Q8_0/Q4_0 twins (and QuantizeQ8) to
// arithmetic: a float64 sum over dequantized weights times dequantized
// activations. The assembly kernels are checked against the twins
// elsewhere; here the twins are checked against math.

// Names in this file start with mvq so they stay clear of other test files
// of the package.

const mvqEps32 = 0x1p-24 // float32 unit roundoff

// mvqF16 returns the fp16 bits of v (round to nearest even).
func mvqF16(v float32) uint16 { return float16.Fromfloat32(v).Bits() }

// mvqF16Value decodes fp16 bits without the kernels' table.
func mvqF16Value(h uint16) float64 { return float64(float16.Frombits(h).Float32()) }

// mvqScale draws an fp16 scale: a random mantissa at an exponent between
// lo and hi (powers of two), random sign if signed. Exponents below −14
// give fp16 subnormals.
func mvqScale(r *rand.Rand, lo, hi int, signed bool) uint16 {
	e := lo + r.IntN(hi-lo+1)
	v := float32(math.Ldexp(1+r.Float64(), e))
	if signed && r.IntN(2) == 0 {
		v = -v
	}
	return mvqF16(v)
}

// mvqWeights makes rows×nb blocks of random weight codes (every code value,
// −128 included, which ggml's quantizer never writes but a file may hold)
// with scales from scale, and returns the bytes and the dequantized matrix.
func mvqWeights(r *rand.Rand, q4 bool, rows, nb int, scale func() uint16) ([]byte, [][]float64) {
	bs := BlockQ8_0
	if q4 {
		bs = BlockQ4_0
	}
	w := make([]byte, rows*nb*bs)
	deq := make([][]float64, rows)
	for i := range deq {
		deq[i] = make([]float64, nb*QK)
		for b := 0; b < nb; b++ {
			blk := w[(i*nb+b)*bs : (i*nb+b+1)*bs]
			h := scale()
			blk[0], blk[1] = byte(h), byte(h>>8)
			d := mvqF16Value(h)
			y := deq[i][b*QK : (b+1)*QK]
			if q4 {
				// byte j: element j in the low nibble, j+16 in the high
				// one; value d·(nibble − 8).
				for j := 0; j < QK/2; j++ {
					lo, hi := r.IntN(16), r.IntN(16)
					blk[2+j] = byte(lo | hi<<4)
					y[j] = d * float64(lo-8)
					y[j+QK/2] = d * float64(hi-8)
				}
			} else {
				for j := 0; j < QK; j++ {
					q := int8(r.IntN(256) - 128)
					blk[2+j] = byte(q)
					y[j] = d * float64(q)
				}
			}
		}
	}
	return w, deq
}

// mvqActivations quantizes random activations of the given scale with the
// generic QuantizeQ8 and returns the codes, scales and dequantized vector.
func mvqActivations(r *rand.Rand, nb int, scale float64) ([]int8, []float32, []float64) {
	x := make([]float32, nb*QK)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	xq := make([]int8, len(x))
	xd := make([]float32, nb)
	quantizeQ8Generic(xq, xd, x)
	deq := make([]float64, len(x))
	for i := range deq {
		deq[i] = float64(xd[i/QK]) * float64(xq[i])
	}
	return xq, xd, deq
}

// mvqReference returns the exact dot product of a dequantized row with the
// dequantized activations, and the tolerance a float32 kernel is allowed:
// each block's term d_w·d_x·acc is rounded about twice and the running sum
// once per block, so (nb+3)·ε·Σ|term|; subnormal products add an absolute
// error of about 2⁻¹⁴⁹·|acc| each.
func mvqReference(row []float64, x []float64, xq []int8, xd []float32, wd []float64) (float64, float64) {
	nb := len(xq) / QK
	var sum, mag, abs float64
	for b := 0; b < nb; b++ {
		var term float64
		var acc float64
		for j := b * QK; j < (b+1)*QK; j++ {
			term += row[j] * x[j]
			if wd[b] != 0 {
				acc += math.Abs(row[j] / wd[b] * float64(xq[j]))
			}
		}
		sum += term
		mag += math.Abs(term)
		abs += (acc + float64(nb) + 2) * 0x1p-149
	}
	return sum, float64(nb+3)*mvqEps32*mag + abs
}

type mvqKernel struct {
	name string
	q4   bool
	fn   func(out []float32, w []byte, xq []int8, xd []float32)
}

var mvqKernels = []mvqKernel{
	{"matVecQ8_0Generic", false, matVecQ8_0Generic},
	{"matVecQ4_0Generic", true, matVecQ4_0Generic},
	{"MatVecQ8_0", false, MatVecQ8_0}, // whatever this CPU dispatches to
	{"MatVecQ4_0", true, MatVecQ4_0},
}

// mvqBlockScales returns the per-block weight scales of w as float64.
func mvqBlockScales(w []byte, q4 bool, rows, nb int) [][]float64 {
	bs := BlockQ8_0
	if q4 {
		bs = BlockQ4_0
	}
	out := make([][]float64, rows)
	for i := range out {
		out[i] = make([]float64, nb)
		for b := range out[i] {
			o := (i*nb + b) * bs
			out[i][b] = mvqF16Value(uint16(w[o]) | uint16(w[o+1])<<8)
		}
	}
	return out
}

const mvqSentinel = float32(-12345.678)

// mvqRun calls k on a copy of out's length inside a larger buffer filled
// with sentinels, checks nothing beyond it was written and that the inputs
// were not modified, and returns the written part.
func mvqRun(t *testing.T, k mvqKernel, rows int, w []byte, xq []int8, xd []float32) []float32 {
	t.Helper()
	const guard = 5
	buf := make([]float32, guard+rows+guard)
	for i := range buf {
		buf[i] = mvqSentinel
	}
	out := buf[guard : guard+rows : guard+rows]
	w0, xq0, xd0 := append([]byte(nil), w...), append([]int8(nil), xq...), append([]float32(nil), xd...)
	k.fn(out, w, xq, xd)
	for i, v := range buf {
		if (i < guard || i >= guard+rows) && v != mvqSentinel {
			t.Fatalf("%s wrote %g at offset %d outside out[0:%d]", k.name, v, i-guard, rows)
		}
	}
	if string(w0) != string(w) || fmt.Sprint(xq0) != fmt.Sprint(xq) || fmt.Sprint(xd0) != fmt.Sprint(xd) {
		t.Fatalf("%s modified its inputs", k.name)
	}
	return out
}

func TestMatVecQuantizedAgainstFloat64(t *testing.T) {
	type scaleCase struct {
		name   string
		wLo    int // weight scale exponents (powers of two)
		wHi    int
		xScale float64
	}
	scales := []scaleCase{
		{"typical", -10, -4, 1},
		{"wide weight scales", -24, 14, 1e-3}, // fp16 subnormal … 65504
		{"fp16 subnormal weights", -24, -15, 1},
		{"largest weights, large x", 13, 14, 1e20},
		{"tiny x", -14, 0, 1e-30},
		{"huge x", -20, -10, 1e30},
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, k := range mvqKernels {
		for _, sc := range scales {
			for _, nb := range []int{1, 3, 7} {
				for _, rows := range []int{1, 5} {
					t.Run(fmt.Sprintf("%s/%s/nb%d/rows%d", k.name, sc.name, nb, rows), func(t *testing.T) {
						w, wdeq := mvqWeights(r, k.q4, rows, nb, func() uint16 { return mvqScale(r, sc.wLo, sc.wHi, true) })
						xq, xd, xdeq := mvqActivations(r, nb, sc.xScale)
						out := mvqRun(t, k, rows, w, xq, xd)
						wd := mvqBlockScales(w, k.q4, rows, nb)
						for i := range out {
							want, tol := mvqReference(wdeq[i], xdeq, xq, xd, wd[i])
							if math.IsInf(want, 0) || math.Abs(want) > math.MaxFloat32 {
								t.Fatalf("test case out of float32 range: %g", want)
							}
							if d := math.Abs(float64(out[i]) - want); !(d <= tol) {
								t.Errorf("row %d: got %.9g, want %.9g (|Δ| %.3g > tol %.3g)", i, out[i], want, d, tol)
							}
						}
					})
				}
			}
		}
	}
}

// TestMatVecQuantizedZeros: zero weights, zero scales or zero activations
// give exactly 0 (no NaN from 0·Inf, no leftovers from a previous call).
func TestMatVecQuantizedZeros(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const rows, nb = 3, 3
	for _, k := range mvqKernels {
		cases := map[string]func() ([]byte, []int8, []float32){
			"zero activations": func() ([]byte, []int8, []float32) {
				w, _ := mvqWeights(r, k.q4, rows, nb, func() uint16 { return mvqScale(r, -8, 0, true) })
				xq, xd, _ := mvqActivations(r, nb, 0)
				return w, xq, xd
			},
			"zero weight scales": func() ([]byte, []int8, []float32) {
				w, _ := mvqWeights(r, k.q4, rows, nb, func() uint16 { return 0 })
				xq, xd, _ := mvqActivations(r, nb, 1)
				return w, xq, xd
			},
			"zero weights": func() ([]byte, []int8, []float32) {
				w, _ := mvqWeights(r, k.q4, rows, nb, func() uint16 { return mvqF16(1) })
				bs := len(w) / (rows * nb)
				for o := 0; o < len(w); o += bs {
					for j := 2; j < bs; j++ {
						w[o+j] = 0
						if k.q4 {
							w[o+j] = 0x88 // code 8 is zero in Q4_0
						}
					}
				}
				xq, xd, _ := mvqActivations(r, nb, 1)
				return w, xq, xd
			},
		}
		for name, mk := range cases {
			w, xq, xd := mk()
			out := mvqRun(t, k, rows, w, xq, xd)
			for i, v := range out {
				if v != 0 {
					t.Errorf("%s, %s: row %d = %g, want 0", k.name, name, i, v)
				}
			}
		}
	}
}

// TestMatVecQuantizedHandBlocks pins the block layouts with sums done by
// hand.
func TestMatVecQuantizedHandBlocks(t *testing.T) {
	// Q8_0: d = 0.5 (fp16 0x3800), codes 1…32; activations all code 1 with
	// scale 2: 0.5·2·(1+…+32) = 528.
	q8 := make([]byte, BlockQ8_0)
	q8[0], q8[1] = 0x00, 0x38
	for j := 0; j < QK; j++ {
		q8[2+j] = byte(j + 1)
	}
	ones := make([]int8, QK)
	for j := range ones {
		ones[j] = 1
	}
	// Q4_0: d = −1 (0xBC00); byte j has low nibble j and high nibble 15−j,
	// so elements 0…15 hold codes 0…15 (values (−8…7)·d) and elements
	// 16…31 hold codes 15…0. Activations 1 on the first half only:
	// −1·Σ(j−8) for j = 0…15 = −1·(120 − 128) = 8. On the second half only:
	// −1·Σ(7−j) = −1·(112 − 120) = 8 as well; activations +1 on the first
	// half and −1 on the second: 8 − 8 = 0; +1 on element 0 only: −1·(0−8)
	// = 8; on element 16 only: −1·(15−8) = −7.
	q4 := make([]byte, BlockQ4_0)
	q4[0], q4[1] = 0x00, 0xBC
	for j := 0; j < QK/2; j++ {
		q4[2+j] = byte(j | (15-j)<<4)
	}
	act := func(set func(j int) int8) []int8 {
		a := make([]int8, QK)
		for j := range a {
			a[j] = set(j)
		}
		return a
	}
	firstHalf := act(func(j int) int8 { return int8(b2i(j < 16)) })
	secondHalf := act(func(j int) int8 { return int8(b2i(j >= 16)) })
	plusMinus := act(func(j int) int8 { return int8(1 - 2*b2i(j >= 16)) })
	only := func(i int) []int8 { return act(func(j int) int8 { return int8(b2i(j == i)) }) }

	cases := []struct {
		k    mvqKernel
		w    []byte
		xq   []int8
		xd   float32
		want float32
	}{
		{mvqKernels[0], q8, ones, 2, 528},
		{mvqKernels[1], q4, firstHalf, 1, 8},
		{mvqKernels[1], q4, secondHalf, 1, 8},
		{mvqKernels[1], q4, plusMinus, 1, 0},
		{mvqKernels[1], q4, only(0), 1, 8},
		{mvqKernels[1], q4, only(16), 1, -7},
		{mvqKernels[1], q4, only(15), 3, -21}, // −1·(15−8)·3
	}
	for i, c := range cases {
		out := mvqRun(t, c.k, 1, c.w, c.xq, []float32{c.xd})
		if out[0] != c.want {
			t.Errorf("case %d (%s): got %g, want %g", i, c.k.name, out[0], c.want)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestQuantizeQ8Generic checks the activation quantizer: d = max|x|/127 in
// float32, codes round(x·(1/d)) half away from zero, within [−127, 127],
// and nothing written beyond the slices' lengths.
func TestQuantizeQ8Generic(t *testing.T) {
	t.Run("hand", func(t *testing.T) {
		// amax = 127 → d = 1, id = 1: halves go away from zero.
		x := []float32{127, -127, 0.5, -0.5, 1.5, 2.5, -2.5, 126.5, 0.49, float32(math.Copysign(0, -1))}
		want := []int8{127, -127, 1, -1, 2, 3, -3, 127, 0, 0}
		x = append(x, make([]float32, QK-len(x))...)
		// Second block: ggml multiplies by id = 1/d rounded to float32:
		// amax = 2.875, d = 0.022637796, id = 44.173912, and 1.4375·id is
		// exactly 63.5 in float32 → 64 (x/d = 63.4999989 would give 63).
		x2 := make([]float32, QK)
		x2[0], x2[1] = 2.875, 1.4375
		// Third block: all zeros → d = 0, codes 0.
		x = append(append(x, x2...), make([]float32, QK)...)
		q := make([]int8, 3*QK)
		d := make([]float32, 3)
		quantizeQ8Generic(q, d, x)
		if d[0] != 1 || d[1] != float32(2.875)/127 || d[2] != 0 {
			t.Fatalf("scales %v", d)
		}
		for j, w := range want {
			if q[j] != w {
				t.Errorf("x = %g: code %d, want %d", x[j], q[j], w)
			}
		}
		if q[QK] != 127 || q[QK+1] != 64 {
			t.Errorf("x·id block: codes %d %d, want 127 64", q[QK], q[QK+1])
		}
		for j := 2 * QK; j < 3*QK; j++ {
			if q[j] != 0 {
				t.Fatalf("zero block: code %d at %d", q[j], j)
			}
		}
	})

	// Below max|x| ≈ 3.7e-37 the float32 1/d overflows to +Inf; x·Inf
	// would be ±Inf or NaN, whose conversion to int8 Go leaves
	// implementation-defined, so the quantizer writes all-zero codes there
	// instead (d·q is far below float32 resolution either way). Scale 1e-38
	// keeps 1/d finite with a subnormal d; 1e-40 overflows it.
	r := rand.New(rand.NewPCG(15, 16))
	for _, scale := range []float64{1e-40, 1e-38, 1e-36, 1e-20, 1e-6, 1, 1e6, 1e20, 1e36} {
		for _, nb := range []int{1, 3, 7} {
			x := make([]float32, nb*QK)
			for i := range x {
				x[i] = float32(r.NormFloat64() * scale)
			}
			x[r.IntN(len(x))] = float32(50 * scale) // an outlier
			const guard = 3
			qbuf := make([]int8, nb*QK+guard)
			dbuf := make([]float32, nb+guard)
			for i := range qbuf {
				qbuf[i] = 99
			}
			for i := range dbuf {
				dbuf[i] = mvqSentinel
			}
			// Slices with room behind them (cap > len), so that a write past
			// the length lands on a sentinel instead of panicking.
			quantizeQ8Generic(qbuf[:nb*QK], dbuf[:nb], x)
			for i := nb * QK; i < len(qbuf); i++ {
				if qbuf[i] != 99 {
					t.Fatalf("scale %g nb %d: code written at %d, beyond %d", scale, nb, i, nb*QK)
				}
			}
			for i := nb; i < len(dbuf); i++ {
				if dbuf[i] != mvqSentinel {
					t.Fatalf("scale %g nb %d: scale written at %d, beyond %d", scale, nb, i, nb)
				}
			}
			for b := 0; b < nb; b++ {
				var amax float32
				for _, v := range x[b*QK : (b+1)*QK] {
					amax = max(amax, float32(math.Abs(float64(v))))
				}
				if dbuf[b] != amax/127 {
					t.Fatalf("scale %g block %d: d = %g, want %g", scale, b, dbuf[b], amax/127)
				}
				d := float64(dbuf[b])
				idInf := math.IsInf(float64(1/dbuf[b]), 0)
				for j := b * QK; j < (b+1)*QK; j++ {
					q := float64(qbuf[j])
					if q < -127 || q > 127 {
						t.Fatalf("scale %g: code %v out of range", scale, q)
					}
					if idInf {
						if q != 0 {
							t.Fatalf("scale %g block %d: 1/d overflows, yet code %v at %d", scale, b, q, j)
						}
						continue
					}
					if e := math.Abs(float64(x[j])/d - q); e > 0.5+1e-4 {
						t.Fatalf("scale %g: x = %g, d = %g: code %v is %g from x/d", scale, x[j], d, q, e)
					}
				}
			}
		}
	}
}
