package quant

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// Expected blocks below are worked out by hand from ggml's reference
// quantizers: Q8_0 d = amax/127, q = roundf(x·(1/d)); Q4_0 d = max/−8,
// q = min(15, (int8)(x·(1/d) + 8.5)). Scales are chosen so that 1/d is exact
// and every step can be checked on paper. fp16 bit patterns used:
//
//	+0 0x0000   −0 0x8000   1 0x3C00   −1 0xBC00   2 0x4000
//	8 0x4800 (exponent 3+15 = 18 = 0b10010)   −8 0xC800   +Inf 0x7C00

// q8Block lays out a Q8_0 block: d (little-endian fp16 bits), then the codes.
func q8Block(d uint16, q [QK]int8) []byte {
	b := []byte{byte(d), byte(d >> 8)}
	for _, v := range q {
		b = append(b, byte(v))
	}
	return b
}

// q4Block lays out a Q4_0 block from codes 0…15: byte j = q[j] | q[j+16]<<4.
func q4Block(d uint16, q [QK]uint8) []byte {
	b := []byte{byte(d), byte(d >> 8)}
	for j := 0; j < QK/2; j++ {
		b = append(b, q[j]|q[j+QK/2]<<4)
	}
	return b
}

// q4Codes is a block of code c everywhere except the listed elements.
func q4Codes(c uint8, set map[int]uint8) [QK]uint8 {
	var q [QK]uint8
	for i := range q {
		q[i] = c
	}
	for i, v := range set {
		q[i] = v
	}
	return q
}

// block makes QK values, zero except the listed ones.
func block(set map[int]float32) []float32 {
	x := make([]float32, QK)
	for i, v := range set {
		x[i] = v
	}
	return x
}

func negZero() float32 { return float32(math.Copysign(0, -1)) }

// handBlock is one block of values and the bytes the quantizer must write
// for it, worked out by hand in the comment above each case.
type handBlock struct {
	name string
	x    []float32
	want []byte
}

// checkHandBlocks quantizes each case's block with quantize (name for the
// failures) into a block of blockBytes and compares every byte.
func checkHandBlocks(t *testing.T, name string, blockBytes int, quantize func(dst []byte, src []float32), cases []handBlock) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := make([]byte, blockBytes)
			quantize(got, c.x)
			if !bytes.Equal(got, c.want) {
				t.Fatalf("%s:\n got % x\nwant % x", name, got, c.want)
			}
		})
	}
}

func TestQ8_0HandBlocks(t *testing.T) {
	checkHandBlocks(t, "QuantizeQ8_0", BlockQ8_0Bytes, QuantizeQ8_0, []handBlock{
		// amax = 0 → d = 0/127 = +0 → id = 0, every q = round(0) = 0.
		{"all zeros", block(nil), q8Block(0x0000, [QK]int8{})},
		// |−0| = 0 as well: d = +0 and −0·0 rounds to −0, stored as 0.
		{"negative zeros", fill(QK, negZero()), q8Block(0x0000, [QK]int8{})},
		// amax = 127 → d = 1, id = 1: the codes are the values; ±max → ±127.
		{"plus minus max", block(map[int]float32{0: 127, 1: -127, 31: 127}),
			q8Block(0x3C00, [QK]int8{0: 127, 1: -127, 31: 127})},
		// Outlier 1016 = 127·8 → d = 8, id = 0.125. 1 → 0.125 → 0; 3.9 →
		// 0.4875 → 0; 4 → 0.5 → 1 (half away from zero); −4 → −0.5 → −1;
		// 12 → 1.5 → 2; −20 → −2.5 → −3 (away, not to even); −0 → 0.
		{"one large outlier", block(map[int]float32{5: 1016, 0: 1, 1: 3.9, 2: 4, 3: -4, 4: 12, 6: -20, 7: negZero()}),
			q8Block(0x4800, [QK]int8{5: 127, 2: 1, 3: -1, 4: 2, 6: -3})},
		// The outlier negative: amax = |−1016|, d = +8 all the same (Q8_0's
		// d is never negative).
		{"negative outlier", block(map[int]float32{9: -1016, 10: 20}),
			q8Block(0x4800, [QK]int8{9: -127, 10: 3})},
		// d = 1, id = 1: x·id is exactly k + 0.5, and roundf goes away
		// from zero (banker's rounding would give 0, 2, 2, −2, 126).
		{"halfway cases", block(map[int]float32{0: 127, 1: 0.5, 2: 1.5, 3: 2.5, 4: -2.5, 5: -0.5, 6: 126.5, 7: -126.5}),
			q8Block(0x3C00, [QK]int8{0: 127, 1: 1, 2: 2, 3: 3, 4: -3, 5: -1, 6: 127, 7: -127})},
		// fp16 rounding of d, to nearest even. amax = 127·2049/2048 is exact
		// in float32, so d = 1 + 2⁻¹¹, halfway between fp16 1 (mantissa 0)
		// and 1 + 2⁻¹⁰ (mantissa 1): even → 0x3C00. The codes still use the
		// float32 d: the outlier is 127.
		{"fp16 d tie to even (down)", block(map[int]float32{0: 127 * 2049.0 / 2048}),
			q8Block(0x3C00, [QK]int8{0: 127})},
		// d = 1 + 3·2⁻¹¹, halfway between mantissas 1 and 2: even → 0x3C02.
		{"fp16 d tie to even (up)", block(map[int]float32{0: -127 * 2051.0 / 2048}),
			q8Block(0x3C02, [QK]int8{0: -127})},
		// ggml multiplies by id = 1/d rounded to float32; it does not divide.
		// amax = 2.875: d = 2.875/127 = 0.022637796 (fp16: 1.4488·2⁻⁶,
		// mantissa round(0.4488·1024) = 460 = 0x1CC, exponent 9 → 0x25CC),
		// id = 44.173912. x = 1.4375 = amax/2: x·id rounds to exactly 63.5
		// in float32 → 64, whereas x/d = 63.4999989 would give 63.
		{"x times 1/d, not x/d", block(map[int]float32{0: 2.875, 1: 1.4375}),
			q8Block(0x25CC, [QK]int8{0: 127, 1: 64})},
		// amax = 1e-38 → d ≈ 7.9e-41 (float32 subnormal), 1/d overflows to
		// +Inf, every x·id is ±Inf or NaN (0·Inf): ggml's conversion is then
		// undefined; x86 yields 0 and so do we. d rounds to fp16 +0, so the
		// block decodes to zeros.
		{"tiny values", block(map[int]float32{0: 1e-38, 1: -5e-39}), q8Block(0x0000, [QK]int8{})},
	})
}

func TestQ4_0HandBlocks(t *testing.T) {
	checkHandBlocks(t, "QuantizeQ4_0", BlockQ4_0Bytes, QuantizeQ4_0, []handBlock{
		// No |x| beats amax = 0, so max stays +0 and d = +0/−8 = −0:
		// fp16 0x8000, stored 00 80. id = 0, every code = (int8)(0 + 8.5) = 8,
		// two per byte: 0x88.
		{"all zeros", block(nil), append([]byte{0x00, 0x80}, bytes.Repeat([]byte{0x88}, 16)...)},
		// −0 has |−0| = 0, not above amax: the same block.
		{"negative zeros", fill(QK, negZero()), append([]byte{0x00, 0x80}, bytes.Repeat([]byte{0x88}, 16)...)},
		// max = +8 → d = 8/−8 = −1 (0xBC00), id = −1. x = 8 → −8 + 8.5 = 0.5
		// → 0 (that is −8·d = 8: exact); x = −8 → 8 + 8.5 = 16.5 → 16 → 15
		// (decodes to −7: the clamped edge). x[0] = 8 and x[16] = −8 share
		// byte 0: 0x0 | 0xF<<4 = 0xF0. x[1] = 1 → 7.5 → 7 and x[17] = −1 →
		// 9.5 → 9: byte 1 = 0x97. The rest are 0 → 8: 0x88.
		{"plus minus max, max positive", block(map[int]float32{0: 8, 16: -8, 1: 1, 17: -1}),
			append([]byte{0x00, 0xBC, 0xF0, 0x97}, bytes.Repeat([]byte{0x88}, 14)...)},
		// max = −8 → d = +1 (0x3C00), id = 1: −8 → 0.5 → 0, 8 → 16.5 → 15.
		// The sign of max picks the sign of d, so that max itself lands on
		// code 0.
		{"plus minus max, max negative", block(map[int]float32{0: -8, 16: 8, 1: 1, 17: -1}),
			append([]byte{0x00, 0x3C, 0xF0, 0x79}, bytes.Repeat([]byte{0x88}, 14)...)},
		// Equal magnitudes: the first wins. −8 at index 3 before 8 at index 7
		// → d = +1: x[3] → 0, x[7] → 15.
		{"tie, negative first", block(map[int]float32{3: -8, 7: 8}),
			q4Block(0x3C00, q4Codes(8, map[int]uint8{3: 0, 7: 15}))},
		// 8 first → d = −1: x[3] → 0, x[7] = −8 → 15.
		{"tie, positive first", block(map[int]float32{3: 8, 7: -8}),
			q4Block(0xBC00, q4Codes(8, map[int]uint8{3: 0, 7: 15}))},
		// Outlier 64 → d = −8 (0xC800), id = −0.125: 64 → 0; 1 → 8.375 → 8;
		// −1 → 8.625 → 8; 4 → 8.0 → 8; −4 → 9.0 → 9; 12 → 7.0 → 7;
		// −12 → 10.0 → 10.
		{"one large outlier", block(map[int]float32{20: 64, 0: 1, 1: -1, 2: 4, 3: -4, 4: 12, 5: -12}),
			q4Block(0xC800, q4Codes(8, map[int]uint8{20: 0, 2: 8, 3: 9, 4: 7, 5: 10}))},
		// d = 1 (max = −8): the code is trunc(x + 8.5), i.e. halves round
		// up, not away from zero: 0.5 → 9, −0.5 → 8, −1.5 → 7, 1.5 → 10;
		// just below a half truncates: 0.49 → 8, −0.51 → 7; the top clamps:
		// 6.4 → 14, 6.5 → 15, 7.4 → 15, 7.5 → 16 → 15; −0 → 8.
		{"halfway and truncation", block(map[int]float32{0: -8, 1: 0.5, 2: -0.5, 3: -1.5, 4: 1.5, 5: 0.49, 6: -0.51,
			7: 6.4, 8: 6.5, 9: 7.4, 10: 7.5, 11: negZero()}),
			q4Block(0x3C00, q4Codes(8, map[int]uint8{0: 0, 1: 9, 2: 8, 3: 7, 4: 10, 5: 8, 6: 7, 7: 14, 8: 15, 9: 15, 10: 15}))},
		// fp16 rounding of d: max = −8·2049/2048 → d = 1 + 2⁻¹¹ → tie → 0x3C00.
		{"fp16 d tie to even", block(map[int]float32{0: -8 * 2049.0 / 2048}),
			q4Block(0x3C00, q4Codes(8, map[int]uint8{0: 0}))},
		// x·(1/d), not x/d: max = −14 → d = 1.75 (0x3F00), id = 0.5714286
		// (float32, a little above 4/7). x = −9.625 = −5.5·d: x·id =
		// −5.5000005, + 8.5 = 2.9999995 → 2; x/d = −5.5 exactly would give 3.
		// −14·id = −8.0000004 rounds to −8 → 0.5 → 0.
		{"x times 1/d, not x/d", block(map[int]float32{0: -14, 1: -9.625}),
			q4Block(0x3F00, q4Codes(8, map[int]uint8{0: 0, 1: 2}))},
		// x·id is rounded to float32 before 8.5 is added (no FMA): max = −11
		// → d = 1.375 (0x3D80), id = 0.72727275. x = −8.9375 = −6.5·d: the
		// exact product is −6.50000019, which rounds to −6.5, + 8.5 = 2 → 2.
		// A fused multiply-add would give 1.9999998 → 1.
		{"product rounded before adding 8.5", block(map[int]float32{0: -11, 1: -8.9375}),
			q4Block(0x3D80, q4Codes(8, map[int]uint8{0: 0, 1: 2}))},
		// max = 1e-38 → d ≈ −1.25e-39, 1/d = −Inf: every x·id is ±Inf or
		// NaN, converted as x86 does to code 0; d rounds to fp16 −0, so the
		// block still decodes to zeros.
		{"tiny values", block(map[int]float32{0: 1e-38, 1: -5e-39}), q4Block(0x8000, q4Codes(0, nil))},
	})
}

// TestQ4_0Decode checks the value of every element of two hand-written
// blocks: value = d·(q − 8), element j in the low nibble of byte j, j+16 in
// the high one.
func TestQ4_0Decode(t *testing.T) {
	blk := []byte{0x00, 0x40, // d = 2
		0xF0, 0x1E, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x8F,
		0x55, 0x35, // d = 0x3555 = 0.333251953125
		0x9B, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x07}
	want := make([]float32, 2*QK)
	for j := 3; j < 15; j++ {
		want[j], want[j+16] = -16, -16 // 0x00: −8·2 both
	}
	set := map[int]float32{
		0: -16, 16: 14, // 0xF0: low 0 → −8·2, high 15 → 7·2
		1: 12, 17: -14, // 0x1E: low 14 → 6·2, high 1 → −7·2
		2: 0, 18: 0, // 0x88
		15: 14, 31: 0, // 0x8F
		QK + 0: 0.999755859375, QK + 16: 0.333251953125, // 0x9B: 3·d, 1·d
		QK + 15: -0.333251953125, QK + 31: -2.666015625, // 0x07: −1·d, −8·d
	}
	for i, w := range set {
		want[i] = w
	}
	y := make([]float32, 2*QK)
	DequantizeQ4_0(y, blk)
	for i := range y {
		if y[i] != want[i] {
			t.Errorf("element %d = %g, want %g", i, y[i], want[i])
		}
	}
}

// TestQ8_0Decode checks every element of two hand-written Q8_0 blocks:
// value = d·q.
func TestQ8_0Decode(t *testing.T) {
	blk := make([]byte, 2*BlockQ8_0Bytes)
	blk[0], blk[1] = 0x00, 0xB8 // d = −0.5
	blk[2], blk[3], blk[33] = 0x7F, 0x80, 0xFE
	b2 := blk[BlockQ8_0Bytes:]
	b2[0], b2[1] = 0x55, 0x35 // d = 0.333251953125
	b2[2], b2[7], b2[33] = 3, 0xF9, 1
	want := make([]float32, 2*QK)
	want[0], want[1], want[31] = -63.5, 64, 1                                           // 127, −128, −2 times −0.5
	want[QK], want[QK+5], want[QK+31] = 0.999755859375, -2.332763671875, 0.333251953125 // 3, −7, 1 times d
	y := make([]float32, 2*QK)
	DequantizeQ8_0(y, blk)
	for i := range y {
		if y[i] != want[i] {
			t.Errorf("element %d = %g, want %g", i, y[i], want[i])
		}
	}
}

func fill(n int, v float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = v
	}
	return x
}

// randomRow returns n values: normal noise times scale, with every eighth
// block carrying an outlier 100 times larger and every fifth block holding
// exact ties of ± the same magnitude.
func randomRow(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	for b := 0; b < n/QK; b++ {
		switch b % 8 {
		case 3:
			x[b*QK+r.IntN(QK)] = float32(100 * scale)
		case 5:
			x[b*QK+2] = float32(4 * scale)
			x[b*QK+9] = float32(-4 * scale)
		}
	}
	return x
}

var roundTripScales = []float64{1e-44, 1e-40, 1e-38, 1e-30, 1e-20, 1e-10, 1e-7, 1e-5, 1e-3, 0.02, 1, 30, 1e3, 6e4, 1e5, 1e6, 1e7, 1e10, 1e20, 1e30}

// TestQ8_0RoundTrip: per block, each code is x/d rounded to nearest, and
// |x − d16·q| ≤ d/2 + |q|·|d − d16| (d the float32 scale, d16 its fp16
// rounding; the second term is the cost of storing d in 16 bits, about
// 127·2⁻¹¹·d at most). Where d16 underflows to 0 the block decodes to zeros;
// where it overflows to Inf the block decodes to ±Inf/NaN: that is the
// format's range (ggml does the same), |x| up to about 8.3e6.
func TestQ8_0RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const nb = 64
	for _, s := range roundTripScales {
		x := randomRow(r, nb*QK, s)
		q := make([]byte, nb*BlockQ8_0Bytes)
		QuantizeQ8_0(q, x)
		y := make([]float32, len(x))
		DequantizeQ8_0(y, q)
		for b := 0; b < nb; b++ {
			xb, yb, blk := x[b*QK:(b+1)*QK], y[b*QK:(b+1)*QK], q[b*BlockQ8_0Bytes:(b+1)*BlockQ8_0Bytes]
			var amax float32
			for _, v := range xb {
				amax = max(amax, abs32(v))
			}
			d := float64(amax / 127)
			d16 := float64(getF16(blk))
			for j := range xb {
				qj := float64(int8(blk[2+j]))
				xj := float64(xb[j])
				switch {
				case math.IsInf(d16, 1):
					if !(math.IsInf(float64(yb[j]), 0) || math.IsNaN(float64(yb[j]))) {
						t.Fatalf("scale %g block %d: fp16 d overflowed, yet element %d decodes to %g", s, b, j, yb[j])
					}
					continue
				case d16 == 0:
					if yb[j] != 0 {
						t.Fatalf("scale %g block %d: fp16 d is 0, yet element %d decodes to %g", s, b, j, yb[j])
					}
					continue
				}
				if !math.IsInf(float64(1/float32(d)), 0) { // 1/d finite: the codes mean something
					if math.Abs(xj/d-qj) > 0.5+1e-4 {
						t.Fatalf("scale %g block %d element %d: x/d = %g, code %g", s, b, j, xj/d, qj)
					}
				}
				bound := d/2 + math.Abs(qj)*math.Abs(d-d16) + 1e-6*float64(amax)
				if e := math.Abs(xj - float64(yb[j])); e > bound {
					t.Fatalf("scale %g block %d element %d: x = %g decodes to %g, error %g > %g", s, b, j, xj, yb[j], e, bound)
				}
			}
		}
	}
}

// TestQ4_0RoundTrip: per block, codes are x/d + 8 rounded half up, clamped
// at 15, and |x − d16·(q−8)| ≤ |d|/2 + 8·|d − d16| except for the clamped
// codes (x/d ≥ 7.5, i.e. the far end, around −max), whose error is at most
// |d| + 8·|d − d16|. fp16 range as for Q8_0, |x| up to about 5.2e5.
func TestQ4_0RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const nb = 64
	for _, s := range roundTripScales {
		x := randomRow(r, nb*QK, s)
		q := make([]byte, nb*BlockQ4_0Bytes)
		QuantizeQ4_0(q, x)
		y := make([]float32, len(x))
		DequantizeQ4_0(y, q)
		for b := 0; b < nb; b++ {
			xb, yb, blk := x[b*QK:(b+1)*QK], y[b*QK:(b+1)*QK], q[b*BlockQ4_0Bytes:(b+1)*BlockQ4_0Bytes]
			var amax, peak float32
			for _, v := range xb {
				if abs32(v) > amax {
					amax, peak = abs32(v), v
				}
			}
			d := float64(peak / -8)
			d16 := float64(getF16(blk))
			for j := range xb {
				code := float64(blk[2+j%16] & 15)
				if j >= 16 {
					code = float64(blk[2+j%16] >> 4)
				}
				xj := float64(xb[j])
				switch {
				case math.IsInf(d16, 0):
					if !(math.IsInf(float64(yb[j]), 0) || math.IsNaN(float64(yb[j]))) {
						t.Fatalf("scale %g block %d: fp16 d overflowed, yet element %d decodes to %g", s, b, j, yb[j])
					}
					continue
				case d16 == 0:
					if yb[j] != 0 {
						t.Fatalf("scale %g block %d: fp16 d is 0, yet element %d decodes to %g", s, b, j, yb[j])
					}
					continue
				}
				v := xj / d
				clamped := code == 15 && v >= 7.5-1e-4
				if !math.IsInf(float64(1/float32(d)), 0) && !clamped { // 1/d finite: the codes mean something
					if math.Abs(v-(code-8)) > 0.5+1e-4 {
						t.Fatalf("scale %g block %d element %d: x/d = %g, code %g", s, b, j, v, code)
					}
				}
				bound := math.Abs(d)/2 + 8*math.Abs(d-d16) + 1e-6*float64(amax)
				if clamped {
					bound += math.Abs(d) / 2
				}
				if e := math.Abs(xj - float64(yb[j])); e > bound {
					t.Fatalf("scale %g block %d element %d: x = %g decodes to %g, error %g > %g", s, b, j, xj, yb[j], e, bound)
				}
			}
		}
	}
}

// TestNonFinite documents what NaN and ±Inf inputs do. ggml gives them no
// meaning (its float→int8 conversion is undefined there); we must not panic,
// must not disturb the neighbouring blocks, and give the bytes an x86 build
// of ggml gives, which are:
//
//	Q8_0, +Inf in a block: amax = Inf → d = Inf (0x7C00), id = 1/Inf = 0,
//	  Inf·0 = NaN and finite·0 = 0, all codes 0: the block decodes to NaN.
//	Q8_0, NaN: MAX(amax, NaN) is NaN and MAX(NaN, |x|) is |x|, so a NaN
//	  resets the running max: d comes from the values after the NaN only.
//	  In {127, 0, 0, 0, NaN, 0, …} that is 0: d = 0 and every code is 0,
//	  the 127 is lost. The NaN's own code is (int8)NaN = 0.
//	Q4_0, NaN: skipped by "amax < |x|", its code is (int8)NaN = 0, decoding
//	  to −8·d.
func TestNonFinite(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	special := map[string][]float32{
		"+Inf":     block(map[int]float32{0: 127, 4: inf}),
		"-Inf":     block(map[int]float32{0: 127, 4: -inf}),
		"NaN":      block(map[int]float32{0: 127, 4: nan}),
		"NaN last": block(map[int]float32{0: 127, 31: nan}),
		"all NaN":  fill(QK, nan),
	}
	r := rand.New(rand.NewPCG(5, 6))
	before, after := randomRow(r, QK, 1), randomRow(r, QK, 1)
	for name, mid := range special {
		row := append(append(append([]float32{}, before...), mid...), after...)
		for _, ty := range []Type{TypeQ8_0, TypeQ4_0} {
			t.Run(name+"/"+ty.String(), func(t *testing.T) {
				bb := ty.BlockBytes()
				got := make([]byte, 3*bb)
				if err := Quantize(ty, got, row); err != nil {
					t.Fatal(err)
				}
				y := make([]float32, len(row))
				if err := Dequantize(ty, y, got); err != nil {
					t.Fatal(err)
				}
				alone := make([]byte, bb)
				for i, part := range [][]float32{before, after} {
					Quantize(ty, alone, part)
					blk := got[:bb]
					if i == 1 {
						blk = got[2*bb:]
					}
					if !bytes.Equal(alone, blk) {
						t.Errorf("neighbouring block %d changed by the %s block", 2*i, name)
					}
				}
			})
		}
	}

	q := make([]byte, BlockQ8_0Bytes)
	QuantizeQ8_0(q, special["+Inf"])
	if want := q8Block(0x7C00, [QK]int8{}); !bytes.Equal(q, want) {
		t.Errorf("Q8_0 +Inf block:\n got % x\nwant % x", q, want)
	}
	QuantizeQ8_0(q, special["NaN"])
	if want := q8Block(0x0000, [QK]int8{}); !bytes.Equal(q, want) {
		t.Errorf("Q8_0 NaN block:\n got % x\nwant % x", q, want)
	}
	q4 := make([]byte, BlockQ4_0Bytes)
	QuantizeQ4_0(q4, block(map[int]float32{0: -8, 4: nan}))
	if want := q4Block(0x3C00, q4Codes(8, map[int]uint8{0: 0, 4: 0})); !bytes.Equal(q4, want) {
		t.Errorf("Q4_0 NaN block:\n got % x\nwant % x", q4, want)
	}
}

// TestF16 checks round-to-nearest-even at the edges that matter for scales.
func TestF16(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct {
		x    float32
		bits uint16
		back float32 // the value of bits
	}{
		{1, 0x3C00, 1},
		{1 + 1.0/2048, 0x3C00, 1},            // tie → even mantissa 0
		{1 + 3.0/2048, 0x3C02, 1 + 2.0/1024}, // tie → even mantissa 2
		{65504, 0x7BFF, 65504},               // largest finite
		{65519, 0x7BFF, 65504},               // below the halfway point to 65536
		{65520, 0x7C00, inf},                 // halfway: rounds to even, which is Inf
		{-2, 0xC000, -2},
		{negZero(), 0x8000, negZero()},
		{0x1p-24, 0x0001, 0x1p-24},   // smallest subnormal
		{0x1p-25, 0x0000, 0},         // half of it: tie → even (0)
		{0x1.8p-24, 0x0002, 0x1p-23}, // 1.5 ulp: tie → even (2)
		{0x1p-14, 0x0400, 0x1p-14},   // smallest normal
		{-inf, 0xFC00, -inf},
	}
	src := make([]float32, len(cases))
	for i, c := range cases {
		src[i] = c.x
	}
	b := make([]byte, 2*len(src))
	EncodeF16(b, src)
	back := make([]float32, len(src))
	DecodeF16(back, b)
	for i, c := range cases {
		got := binary.LittleEndian.Uint16(b[2*i:])
		if got != c.bits {
			t.Errorf("EncodeF16(%g) = %#04x, want %#04x", c.x, got, c.bits)
		}
		if math.Float32bits(back[i]) != math.Float32bits(c.back) {
			t.Errorf("DecodeF16(%#04x) = %g, want %g", got, back[i], c.back)
		}
	}
	// Decoding alone: the largest subnormal, a mantissa with many bits set,
	// and a quiet NaN.
	dec := []struct {
		bits uint16
		want float32 // NaN: any NaN
	}{
		{0x03FF, 0x1.ff8p-15},
		{0x3555, 0x1.554p-2},
		{0xFBFF, -65504},
		{0x7E00, float32(math.NaN())},
	}
	for _, c := range dec {
		var got [1]float32
		DecodeF16(got[:], []byte{byte(c.bits), byte(c.bits >> 8)})
		if math.IsNaN(float64(c.want)) {
			if !math.IsNaN(float64(got[0])) {
				t.Errorf("DecodeF16(%#04x) = %g, want NaN", c.bits, got[0])
			}
		} else if math.Float32bits(got[0]) != math.Float32bits(c.want) {
			t.Errorf("DecodeF16(%#04x) = %g, want %g", c.bits, got[0], c.want)
		}
	}
	// Every fp16 value survives decode → encode.
	all := make([]byte, 2<<16)
	for i := 0; i < 1<<16; i++ {
		binary.LittleEndian.PutUint16(all[2*i:], uint16(i))
	}
	f := make([]float32, 1<<16)
	DecodeF16(f, all)
	again := make([]byte, len(all))
	EncodeF16(again, f)
	for i := 0; i < 1<<16; i++ {
		if math.IsNaN(float64(f[i])) {
			continue
		}
		if got := binary.LittleEndian.Uint16(again[2*i:]); got != uint16(i) {
			t.Fatalf("fp16 %#04x → %g → %#04x", i, f[i], got)
		}
	}
}

func TestQuantizeDispatch(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := randomRow(r, 2*QK, 1)
	for _, ty := range []Type{TypeF32, TypeF16, TypeQ8_0, TypeQ4_0} {
		n, _ := ty.RowBytes(len(x))
		b := make([]byte, n)
		if err := Quantize(ty, b, x); err != nil {
			t.Fatalf("%s: %v", ty, err)
		}
		y := make([]float32, len(x))
		if err := Dequantize(ty, y, b); err != nil {
			t.Fatalf("%s: %v", ty, err)
		}
		if ty == TypeF32 {
			for i := range x {
				if x[i] != y[i] {
					t.Fatalf("F32 round trip changed element %d", i)
				}
			}
		}
	}
	// BF16 decodes by widening.
	bf := []byte{0x80, 0x3F, 0x20, 0xC1} // 0x3F80 = 1, 0xC120 = −10
	y := make([]float32, 2)
	if err := Dequantize(TypeBF16, y, bf); err != nil || y[0] != 1 || y[1] != -10 {
		t.Fatalf("BF16: %v %v", y, err)
	}

	errCases := []struct {
		name string
		err  error
		want string
	}{
		{"quantize IQ2_XXS", Quantize(TypeIQ2_XXS, make([]byte, 66), make([]float32, 256)), "unsupported type"},
		{"quantize MXFP4", Quantize(TypeMXFP4, make([]byte, 17), x[:QK]), "unsupported type"},
		{"dequantize IQ1_S", Dequantize(TypeIQ1_S, make([]float32, 256), make([]byte, 50)), "unsupported type"},
		{"partial block", Quantize(TypeQ8_0, make([]byte, 34), x[:33]), "whole number"},
		{"short dst", Quantize(TypeQ8_0, make([]byte, 33), x[:QK]), "34 bytes"},
		{"long src", Dequantize(TypeQ4_0, make([]float32, QK), make([]byte, 19)), "18 bytes"},
		{"f16 short", Dequantize(TypeF16, make([]float32, 3), make([]byte, 5)), "6 bytes"},
		{"unknown type", Quantize(Type(99), nil, nil), "unsupported type"},
	}
	for _, c := range errCases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
}

// The raw block functions panic on lengths that disagree (a programming
// error); the message names the function.
func TestBlockLengthPanics(t *testing.T) {
	cases := map[string]func(){
		"QuantizeQ8_0":   func() { QuantizeQ8_0(make([]byte, 34), make([]float32, 31)) },
		"DequantizeQ8_0": func() { DequantizeQ8_0(make([]float32, 32), make([]byte, 36)) },
		"QuantizeQ4_0":   func() { QuantizeQ4_0(make([]byte, 17), make([]float32, 32)) },
		"DequantizeQ4_0": func() { DequantizeQ4_0(make([]float32, 64), make([]byte, 18)) },
		"EncodeF16":      func() { EncodeF16(make([]byte, 3), make([]float32, 2)) },
		"DecodeF16":      func() { DecodeF16(make([]float32, 2), make([]byte, 2)) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), name) {
					t.Errorf("%s: panic %v, want one naming the function", name, p)
				}
			}()
			f()
		}()
	}
}

// TestMatchesLlamaQuantize quantizes the F16 tensors of a llama.cpp-layout
// model with our quantizers and compares every byte with the same model's
// Q8_0 and Q4_0 files, whose blocks are those llama-quantize writes (see
// testdata/README.md). It also reads all three files with Open, and checks
// that the tensors left unquantized are identical across them.
func TestMatchesLlamaQuantize(t *testing.T) {
	ref, err := Open(filepath.Join("testdata", "rwkv7-tiny-f16.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for _, tc := range []struct {
		file string
		ty   Type
	}{
		{"rwkv7-tiny-q8_0.gguf", TypeQ8_0},
		{"rwkv7-tiny-q4_0.gguf", TypeQ4_0},
	} {
		t.Run(tc.ty.String(), func(t *testing.T) {
			g, err := Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			if len(g.Tensors) != len(ref.Tensors) {
				t.Fatalf("%d tensors, F16 file has %d", len(g.Tensors), len(ref.Tensors))
			}
			quantized := 0
			for i := range g.Tensors {
				ti := &g.Tensors[i]
				src, ok := ref.Tensor(ti.Name)
				if !ok {
					t.Fatalf("tensor %s missing from the F16 file", ti.Name)
				}
				if fmt.Sprint(src.Dims) != fmt.Sprint(ti.Dims) {
					t.Fatalf("tensor %s: dims %v, F16 file %v", ti.Name, ti.Dims, src.Dims)
				}
				if ti.Type != tc.ty {
					if !bytes.Equal(g.Bytes(ti), ref.Bytes(src)) {
						t.Errorf("tensor %s (%s, not quantized) differs from the F16 file's", ti.Name, ti.Type)
					}
					continue
				}
				if src.Type != TypeF16 {
					t.Fatalf("tensor %s: source is %s, want F16", ti.Name, src.Type)
				}
				quantized++
				x := make([]float32, src.Elements())
				if err := Dequantize(TypeF16, x, ref.Bytes(src)); err != nil {
					t.Fatalf("tensor %s: %v", ti.Name, err)
				}
				got := make([]byte, ti.Size)
				if err := Quantize(tc.ty, got, x); err != nil {
					t.Fatalf("tensor %s: %v", ti.Name, err)
				}
				want := g.Bytes(ti)
				if !bytes.Equal(got, want) {
					bb := tc.ty.BlockBytes()
					for o := 0; o < len(got); o += bb {
						if !bytes.Equal(got[o:o+bb], want[o:o+bb]) {
							t.Fatalf("tensor %s block %d:\n got % x\nwant % x\nfrom %v", ti.Name, o/bb,
								got[o:o+bb], want[o:o+bb], x[o/bb*QK:(o/bb+1)*QK])
						}
					}
				}
			}
			// token_embd, output, time_mix key/value/receptance/output,
			// channel_mix key/value of the single layer.
			if quantized != 8 {
				t.Errorf("%d %s tensors, want 8", quantized, tc.ty)
			}
		})
	}
}

// FuzzQuantize feeds arbitrary float32 bit patterns to both quantizers: no
// panic, and every block whose values are all finite and whose fp16 scale is
// finite decodes within the round-trip bound.
func FuzzQuantize(f *testing.F) {
	f.Add(make([]byte, 4*QK))
	f.Add(bytes.Repeat([]byte{0x00, 0x00, 0xC0, 0x7F}, QK)) // NaN
	f.Add(bytes.Repeat([]byte{0x01, 0x00, 0x00, 0x00}, QK)) // smallest subnormal
	f.Fuzz(func(t *testing.T, raw []byte) {
		n := len(raw) / 4 / QK * QK
		if n == 0 {
			return
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		y := make([]float32, n)
		q8 := make([]byte, n/QK*BlockQ8_0Bytes)
		QuantizeQ8_0(q8, x)
		DequantizeQ8_0(y, q8)
		for b := 0; b < n/QK; b++ {
			xb, yb := x[b*QK:(b+1)*QK], y[b*QK:(b+1)*QK]
			var amax float32
			finite := true
			for _, v := range xb {
				finite = finite && !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
				amax = max(amax, abs32(v))
			}
			d16 := float64(getF16(q8[b*BlockQ8_0Bytes:]))
			if !finite || math.IsInf(d16, 0) {
				continue
			}
			// Loose bound: d/2 plus the fp16 error of d, or |x| itself
			// when d16 underflowed.
			d := float64(amax) / 127
			for j := range xb {
				if e := math.Abs(float64(xb[j]) - float64(yb[j])); e > 0.5*d+127*math.Abs(d-d16)+1e-6*float64(amax) {
					t.Fatalf("block %d element %d: %g → %g", b, j, xb[j], yb[j])
				}
			}
		}
		q4 := make([]byte, n/QK*BlockQ4_0Bytes)
		QuantizeQ4_0(q4, x)
		DequantizeQ4_0(y, q4)
	})
}
