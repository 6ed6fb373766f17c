package quant

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// Decoding tests: blocks built by hand from the layouts in kquants.go's
// comments, with the expected values worked out from value = d·scale·q − …
// For each type: the largest sub-block scale (and min), a zero scale, and
// the first and last value of the super-block, which sit in different
// bit planes.

func TestQ2_KDecode(t *testing.T) {
	b := make([]byte, BlockQ2_KBytes)
	put16(b[80:], 0x3C00) // d = 1
	put16(b[82:], 0x3800) // dmin = 0.5
	b[0] = 0xF3           // sub-block 0: scale 3, min 15
	b[2] = 0x15           // sub-block 2: scale 5, min 1
	b[6] = 0xFF           // sub-block 6: scale 15, min 15 (both at their maximum)
	b[15] = 0x21          // sub-block 15: scale 1, min 2
	// qs byte 0 holds values 0, 32, 64, 96 at bits 0, 2, 4, 6.
	b[16+0] = 0xE4 // codes 0, 1, 2, 3
	// qs byte 63 (second half, byte 31) holds values 159, 191, 223, 255.
	b[16+63] = 0xC0 // value 255: code 3
	y := make([]float32, QKK)
	DequantizeQ2_K(y, b)
	// value = d·scale·q − dmin·min
	expectValues(t, "Q2_K", y, map[int]float32{
		0:   1*3*0 - 0.5*15,
		1:   -7.5,
		32:  1*5*1 - 0.5*1,
		64:  0, // sub-block 4: scale 0, min 0
		96:  1*15*3 - 0.5*15,
		255: 1*1*3 - 0.5*2,
		159: 0, // sub-block 9: scale and min 0
	})
}

func TestQ3_KDecode(t *testing.T) {
	b := make([]byte, BlockQ3_KBytes)
	put16(b[108:], 0x3800) // d = 0.5
	sc := b[96:108]
	// Six-bit scales (stored +32): low nibbles in bytes 0–7 (sub-blocks
	// 0–7) and their high nibbles (8–15); top two bits in bytes 8–11,
	// sub-block j at byte 8 + j%4, bit 2·(j/4).
	sc[0] = 0x0F // sub-block 0 low nibble 15 (sub-block 8: 0)
	sc[8] = 0x03 // sub-block 0 top bits 3 → 63 → 63 − 32 = 31 (the maximum)
	sc[9] = 0x02 // sub-block 1: low 0, top 2 → 32 → multiplier 0
	// Every other sub-block is 0 → −32 (the minimum).
	b[32+0] = 0x03  // value 0: low bits 3
	b[0] = 0x01     // hmask: value 0's third bit set → q = 3
	b[32+63] = 0x80 // value 255 (second half byte 31, shift 6): low bits 2
	b[31] = 0x80    // hmask byte 31 bit 7: value 255 → q = 2
	y := make([]float32, QKK)
	DequantizeQ3_K(y, b)
	// value = d·(scale − 32)·(low | hmask bit<<2 − 4)
	expectValues(t, "Q3_K", y, map[int]float32{
		0:   0.5 * 31 * 3,
		1:   0.5 * 31 * -4, // low 0, hmask clear → −4
		16:  0,             // sub-block 1: multiplier 0
		128: 0.5 * -32 * -4,
		255: 0.5 * -32 * 2,
	})
}

// k4Scales builds the 12 scale bytes of Q4_K/Q5_K for sub-block 0 = (63, 1),
// sub-block 7 = (63, 63), all others (0, 0).
func k4Scales(s []byte) {
	s[0] = 63        // sub-block 0 scale
	s[4] = 1         // sub-block 0 min
	s[11] = 0xFF     // sub-block 7: low nibbles of scale and min
	s[3] |= 0x3 << 6 // sub-block 7 scale's top bits (63 >> 4 = 3)
	s[7] |= 0x3 << 6 // sub-block 7 min's top bits
}

func TestQ4_KDecode(t *testing.T) {
	b := make([]byte, BlockQ4_KBytes)
	put16(b[0:], 0x3C00) // d = 1
	put16(b[2:], 0x4000) // dmin = 2
	k4Scales(b[4:16])
	b[16+0] = 0x0F   // value 0 (sub-block 0, low nibble): 15; value 32 (high): 0
	b[16+127] = 0xA0 // value 255 (sub-block 7, high nibble of byte 96+31): 10
	y := make([]float32, QKK)
	DequantizeQ4_K(y, b)
	expectValues(t, "Q4_K", y, map[int]float32{
		0:   1*63*15 - 2*1,
		32:  0,
		255: 1*63*10 - 2*63,
		224: 1*63*0 - 2*63,
	})
}

func TestQ5_KDecode(t *testing.T) {
	b := make([]byte, BlockQ5_KBytes)
	put16(b[0:], 0x3C00)
	put16(b[2:], 0x4000)
	k4Scales(b[4:16])
	b[48+0] = 0x0F   // value 0: low 15
	b[16+0] = 0x01   // qh byte 0 bit 0 (sub-block 0): value 0 → 31
	b[48+127] = 0xA0 // value 255: low 10
	b[16+31] = 0x80  // qh byte 31 bit 7 (sub-block 7): value 255 → 26
	y := make([]float32, QKK)
	DequantizeQ5_K(y, b)
	expectValues(t, "Q5_K", y, map[int]float32{
		0:   1*63*31 - 2*1,
		32:  0,
		255: 1*63*26 - 2*63,
		224: -2 * 63,
	})
}

func TestQ6_KDecode(t *testing.T) {
	b := make([]byte, BlockQ6_KBytes)
	put16(b[208:], 0x3400) // d = 0.25
	sc := b[192:208]
	sc[0] = 127   // sub-block 0: the largest scale
	sc[15] = 0x80 // sub-block 15: −128, the smallest
	sc[1] = 0xFF  // sub-block 1: −1
	b[0] = 0x0F   // ql byte 0: value 0 low 15 (value 64 high: 0)
	b[128] = 0x03 // qh byte 0: value 0's top bits 3 → q = 63
	y := make([]float32, QKK)
	DequantizeQ6_K(y, b)
	// value = d·scale·(q − 32)
	expectValues(t, "Q6_K", y, map[int]float32{
		0:   0.25 * 127 * 31,
		16:  0.25 * -1 * -32,
		64:  0, // sub-block 4: scale 0
		255: 0.25 * -128 * -32,
	})
}

func TestIQ4Decode(t *testing.T) {
	nl := make([]byte, BlockIQ4_NLBytes)
	put16(nl, 0x3800) // d = 0.5
	nl[2+0] = 0xF0    // value 0: grid 0 (−127), value 16: grid 15 (113)
	nl[2+1] = 0x87    // value 1: grid 7 (−10), value 17: grid 8 (1)
	y := make([]float32, QK)
	DequantizeIQ4_NL(y, nl)
	expectValues(t, "IQ4_NL", y, map[int]float32{0: -63.5, 16: 56.5, 1: -5, 17: 0.5, 2: -63.5})

	xs := make([]byte, BlockIQ4_XSBytes)
	put16(xs, 0x3C00) // d = 1
	// Sub-block 0: scale 63 (low nibble 15 in scales_l[0], top bits 3 at
	// scales_h bits 0–1); sub-block 1: 32 (low 0, top bits 2 at bits 2–3);
	// the others 0.
	put16(xs[2:], 0x000B)
	xs[4] = 0x0F
	xs[8+0] = 0xF0   // values 0 and 16
	xs[8+112] = 0x08 // sub-block 7: value 224 grid 8 (1), value 240 grid 0
	yx := make([]float32, QKK)
	DequantizeIQ4_XS(yx, xs)
	// value = d·(scale − 32)·grid
	expectValues(t, "IQ4_XS", yx, map[int]float32{
		0:   31 * -127,
		16:  31 * 113,
		32:  0,
		224: -32 * 1,
		240: -32 * -127,
		100: -32 * -127, // sub-block 3, scale 0, code 0
	})
}

// Hand-computed quantizations. Inputs lie exactly on each type's grid, so
// the search's first candidate fits them exactly and the expected scales
// follow on paper; see each case.

// gridValues returns 16 values c·l for the codes l, repeated to n.
func gridValues(n int, c float32, l []int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = c * float32(l[i%len(l)])
	}
	return x
}

func quantizeOne(t *testing.T, ty Type, x []float32) []byte {
	t.Helper()
	n, err := ty.RowBytes(len(x))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	if err := Quantize(ty, b, x); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKQuantZeros(t *testing.T) {
	// Every sub-block is empty: scales, mins and codes are 0, and so is d
	// (Q2_K, Q4_K, Q5_K: max scale 0 → d = 0/… = 0; Q3_K: d = fp16(0);
	// Q6_K: the whole block is cleared).
	for _, ty := range []Type{TypeQ2_K, TypeQ3_K, TypeQ4_K, TypeQ5_K, TypeQ6_K} {
		got := quantizeOne(t, ty, make([]float32, QKK))
		if !bytes.Equal(got, make([]byte, len(got))) {
			t.Errorf("%s of zeros: % x", ty, got)
		}
	}
}

func TestQ2_KHand(t *testing.T) {
	// x = 0.5·l − 0.5 with l ∈ {0…3} in every 16: min −0.5, max 1, so the
	// first scale 1.5/3 = 0.5 and min −0.5 fit exactly (error 0, never
	// beaten). Scales and mins are all 0.5 → 4-bit codes 15 (the maximum)
	// against d = dmin = fp16(0.5/15) = 0.033325195 = 0x2844 (2^−5·(1 +
	// 68/1024)). Recomputed codes: (x + 15·dmin)/(15·d) = l·1.000244 −
	// 0.000244 → l.
	l := []int{0, 3, 1, 2, 3, 0, 2, 1, 1, 1, 3, 3, 0, 0, 2, 2}
	x := gridValues(QKK, 0.5, l)
	for i := range x {
		x[i] -= 0.5
	}
	got := quantizeOne(t, TypeQ2_K, x)
	for j := 0; j < 16; j++ {
		if got[j] != 0xFF {
			t.Errorf("scale byte %d = %#x, want 0xff", j, got[j])
		}
	}
	if d, dm := binary.LittleEndian.Uint16(got[80:]), binary.LittleEndian.Uint16(got[82:]); d != 0x2844 || dm != 0x2844 {
		t.Errorf("d, dmin = %#04x, %#04x, want 0x2844 both", d, dm)
	}
	checkCodes(t, "Q2_K", TypeQ2_K, got, func(i int) float32 {
		const dl = float32(1092.0 / 32768 * 15) // fp16 d = 1092/32768, times scale 15
		return float32(dl*float32(l[i%16])) - dl
	})
}

func TestQ3_KHand(t *testing.T) {
	// Sub-blocks of x = c·l, l ∈ [−4, 3] including −4: the first scale c
	// fits exactly and the refinement moves nothing. Sub-block 1 has
	// c = −0.25, sub-block 2 is zero, the rest c = 0.25. The largest
	// |scale| is 0.25 (sub-block 0) → iscale = −32/0.25 = −128, d =
	// fp16(−1/128) = 0xA000; six-bit scales nearest(−128·c) + 32: 0 for
	// c = 0.25, 32 → clamped 31 → 63 for c = −0.25 (the top), 32 for the
	// zero sub-block. Recomputed codes: x/(d·(scale−32)) = l for c = 0.25,
	// −0.25·l/(−0.2421875) = 1.032·l → l for sub-block 1; the zero
	// sub-block keeps its codes 0 (value −4·0).
	l := []int{-4, 3, 0, 1, -1, 2, -2, -3, 3, -4, 1, 0, 2, -1, -3, -2}
	x := gridValues(QKK, 0.25, l)
	for i := 16; i < 32; i++ {
		x[i] = -x[i]
	}
	for i := 32; i < 48; i++ {
		x[i] = 0
	}
	got := quantizeOne(t, TypeQ3_K, x)
	if d := binary.LittleEndian.Uint16(got[108:]); d != 0xA000 {
		t.Errorf("d = %#04x, want 0xa000", d)
	}
	want6 := func(j int) int {
		switch j {
		case 1:
			return 63
		case 2:
			return 32
		}
		return 0
	}
	for j := 0; j < 16; j++ {
		if s := q3Scale6(j, got[96:108]); s != want6(j) {
			t.Errorf("scale %d = %d, want %d", j, s, want6(j))
		}
	}
	checkCodes(t, "Q3_K", TypeQ3_K, got, func(i int) float32 {
		const d = -1.0 / 128
		switch i / 16 {
		case 1:
			return d * 31 * float32(l[i%16])
		case 2:
			return 0
		}
		return d * -32 * float32(l[i%16])
	})
}

func TestQ45_KHand(t *testing.T) {
	// x = 0.25·l − 1 in every 32, with l spanning 0…nmax: the first scale
	// range/nmax = 0.25 and min −1 fit exactly. All eight scales 0.25 and
	// mins 1 → six-bit codes 63 (every scale byte 0xff), d = fp16(0.25/63)
	// = 2^−8·(1 + 16/1024) = 0x1C10, dmin = fp16(1/63) = 2^−6·(1 + 16/1024)
	// = 0x2410. Recomputed codes (x + 63·dmin)/(63·d) = l·1.000244 −
	// 0.000977 → l.
	for _, tc := range []struct {
		ty   Type
		nmax int
	}{{TypeQ4_K, 15}, {TypeQ5_K, 31}} {
		l := make([]int, 32)
		for i := range l {
			l[i] = (i * 7) % (tc.nmax + 1) // 0, 7, 14, …: covers 0 and nmax
		}
		l[5] = tc.nmax
		x := gridValues(QKK, 0.25, l)
		for i := range x {
			x[i]--
		}
		got := quantizeOne(t, tc.ty, x)
		if d, dm := binary.LittleEndian.Uint16(got[0:]), binary.LittleEndian.Uint16(got[2:]); d != 0x1C10 || dm != 0x2410 {
			t.Errorf("%s: d, dmin = %#04x, %#04x, want 0x1c10, 0x2410", tc.ty, d, dm)
		}
		if !bytes.Equal(got[4:16], bytes.Repeat([]byte{0xFF}, 12)) {
			t.Errorf("%s: scales % x, want all 0xff", tc.ty, got[4:16])
		}
		checkCodes(t, tc.ty.String(), tc.ty, got, func(i int) float32 {
			const dl = float32(1040.0 / 262144 * 63) // fp16 d times 63, exact
			const ml = float32(1040.0 / 65536 * 63)  // fp16 dmin times 63
			return float32(dl*float32(l[i%32])) - ml
		})
	}
}

func TestQ6_KHand(t *testing.T) {
	// Sub-blocks of x = c·l, l ∈ [−32, 31] including −32: the first scale c
	// fits exactly (x²-weighted least squares, powers of two), and the 18
	// neighbouring scales change codes and lose. c = 0.25 except sub-block
	// 1 (−0.25), 2 (zero) and 3 (0.125). Largest |scale| 0.25 (sub-block 0)
	// → iscale = −128/0.25 = −512, d = fp16(−1/512) = 0x9800; scales
	// nearest(−512·c): −128 (the bottom), +128 → clamped 127 (the top), 0,
	// −64. Recomputed codes: l unchanged (sub-block 1: 0.25/0.248 = 1.008·l,
	// |l| ≤ 32 moves less than ½).
	l := []int{-32, 31, 0, 1, -1, 5, -7, 12, -15, 20, -25, 30, 2, -3, 9, -16}
	x := gridValues(QKK, 0.25, l)
	for i := 16; i < 32; i++ {
		x[i] = -x[i]
	}
	for i := 32; i < 48; i++ {
		x[i] = 0
	}
	for i := 48; i < 64; i++ {
		x[i] /= 2
	}
	got := quantizeOne(t, TypeQ6_K, x)
	if d := binary.LittleEndian.Uint16(got[208:]); d != 0x9800 {
		t.Errorf("d = %#04x, want 0x9800", d)
	}
	wantSc := []int8{-128, 127, 0, -64}
	for j := 0; j < 16; j++ {
		w := int8(-128)
		if j < 4 {
			w = wantSc[j]
		}
		if s := int8(got[192+j]); s != w {
			t.Errorf("scale %d = %d, want %d", j, s, w)
		}
	}
	checkCodes(t, "Q6_K", TypeQ6_K, got, func(i int) float32 {
		const d = -1.0 / 512
		li := float32(l[i%16])
		switch i / 16 {
		case 1:
			return d * 127 * li
		case 2:
			return 0 // scale 0; its codes stay 0 (value 0·(0 − 32))
		case 3:
			return d * -64 * li
		}
		return d * -128 * li
	})
}

func TestQ8_KHand(t *testing.T) {
	q := make([]byte, BlockQ8_KBytes)
	// Largest magnitude 127 (positive) → iscale = −127/127 = −1, d = −1:
	// codes −x rounded half to even (63.5 → 64), bsums of each 16.
	x := make([]float32, QKK)
	x[0], x[5], x[17], x[255] = 127, -63.5, 2.5, -1
	QuantizeQ8_K(q, x)
	if d := math.Float32frombits(binary.LittleEndian.Uint32(q)); d != -1 {
		t.Errorf("d = %g, want −1", d)
	}
	codes := map[int]int8{0: -127, 5: 64, 17: -2, 255: 1}
	for i := 0; i < QKK; i++ {
		if got := int8(q[4+i]); got != codes[i] {
			t.Errorf("code %d = %d, want %d", i, got, codes[i])
		}
	}
	bs := func(j int) int16 { return int16(binary.LittleEndian.Uint16(q[4+QKK+2*j:])) }
	if bs(0) != -127+64 || bs(1) != -2 || bs(15) != 1 || bs(7) != 0 {
		t.Errorf("bsums %d %d %d %d, want −63 −2 1 0", bs(0), bs(1), bs(15), bs(7))
	}
	// A negative peak: −254 → iscale = −127/−254 = 0.5, d = 2; 1 → 0.5 → 0.
	x = make([]float32, QKK)
	x[3], x[4] = -254, 1
	QuantizeQ8_K(q, x)
	if d := math.Float32frombits(binary.LittleEndian.Uint32(q)); d != 2 || int8(q[4+3]) != -127 || q[4+4] != 0 {
		t.Errorf("negative peak: d %g, codes %d %d", d, int8(q[4+3]), int8(q[4+4]))
	}
	// Zeros: d = 0 and every code and sum 0.
	QuantizeQ8_K(q, make([]float32, QKK))
	if !bytes.Equal(q, make([]byte, BlockQ8_KBytes)) {
		t.Errorf("zeros: % x", q[:16])
	}
	y := make([]float32, QKK)
	x[3], x[4] = -254, 1
	QuantizeQ8_K(q, x)
	DequantizeQ8_K(y, q)
	if y[3] != -254 || y[4] != 0 {
		t.Errorf("decode: %g %g", y[3], y[4])
	}
}

// checkCodes decodes a quantized block and compares each value with want(i),
// the hand-computed d·scale·l of the case.
func checkCodes(t *testing.T, name string, ty Type, b []byte, want func(i int) float32) {
	t.Helper()
	y := make([]float32, ty.BlockSize()*(len(b)/ty.BlockBytes()))
	if err := Dequantize(ty, y, b); err != nil {
		t.Fatal(err)
	}
	for i := range y {
		if w := want(i); y[i] != w {
			t.Errorf("%s value %d = %g, want %g", name, i, y[i], w)
			return
		}
	}
}

func TestIQ4Hand(t *testing.T) {
	// Zeros: the sub-block is empty (scale 0), so d = fp16(0) and every
	// code is the grid index nearest 0: 8 (value 1; −10 is farther).
	if got := quantizeOne(t, TypeIQ4_NL, make([]float32, QK)); !bytes.Equal(got, append([]byte{0, 0}, bytes.Repeat([]byte{0x88}, 16)...)) {
		t.Errorf("IQ4_NL zeros: % x", got)
	}
	// x = 0.5·grid[j%16]: the scale that maps the peak −63.5 onto −127 (the
	// search's itry = 0 candidate) fits every value exactly, with
	// least-squares scale 0.5 (the x²-weighted sums differ by exactly a
	// factor 2); the other candidates change codes and lose or tie. d =
	// fp16(0.5) = 0x3800, codes j%16: byte j = j | j<<4.
	g := make([]int, 16)
	for i, v := range IQ4Values {
		g[i] = int(v)
	}
	nl := quantizeOne(t, TypeIQ4_NL, gridValues(QK, 0.5, g))
	want := []byte{0x00, 0x38}
	for j := 0; j < 16; j++ {
		want = append(want, byte(j|j<<4))
	}
	if !bytes.Equal(nl, want) {
		t.Errorf("IQ4_NL grid:\n got % x\nwant % x", nl, want)
	}
	// IQ4_XS: sub-blocks 0.5·grid, 0.25·grid, zeros, −0.5·grid, then
	// 0.5·grid. Sub-block scales 0.5, 0.25, 0, −0.5, 0.5…; the first 0.5 is
	// the largest → d = −0.5/32 = −2^−6 (0xA400), six-bit scales
	// nearest(−64·s) + 32: 0, 16, 32, and 32+32 = 64 clamped to 63 (the top)
	// for −0.5. Codes: j%16 for every sub-block except the zero one (8):
	// with the stored scale −31/64, x/(−31/64) = 1.032·grid, still nearest
	// its own grid point.
	x := gridValues(QKK, 0.5, g)
	for i := 32; i < 64; i++ {
		x[i] /= 2
	}
	for i := 64; i < 96; i++ {
		x[i] = 0
	}
	for i := 96; i < 128; i++ {
		x[i] = -x[i]
	}
	xs := quantizeOne(t, TypeIQ4_XS, x)
	want = []byte{0x00, 0xA4, 0xE4, 0x00, 0x00, 0xF0, 0x00, 0x00}
	for ib := 0; ib < 8; ib++ {
		for j := 0; j < 16; j++ {
			if ib == 2 {
				want = append(want, 0x88)
			} else {
				want = append(want, byte(j|j<<4))
			}
		}
	}
	if !bytes.Equal(xs, want) {
		t.Errorf("IQ4_XS grid:\n got % x\nwant % x", xs, want)
	}
	for ib, w := range []int{0, 16, 32, 63, 0, 0, 0, 0} {
		if s := IQ4XSScale(xs, ib); s != w {
			t.Errorf("IQ4_XS scale %d = %d, want %d", ib, s, w)
		}
	}
}
