package quant

import (
	"bytes"
	"testing"
)

// fp16 bit patterns used by the hand-made blocks of this package's tests:
//
//	0.25 0x3400   0.5 0x3800   1 0x3C00   2 0x4000   −0.5 0xB800   −1 0xBC00
//	−8 0xC800     −2^−6 0xA400 (sign, exponent −6+15 = 9, mantissa 0)
//	−2^−7 0xA000  −2^−9 0x9800

// put16 writes a little-endian uint16.
func put16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }

// expectValues checks selected decoded values (index → value).
func expectValues(t *testing.T, name string, y []float32, want map[int]float32) {
	t.Helper()
	for i, w := range want {
		if y[i] != w {
			t.Errorf("%s: value %d = %g, want %g", name, i, y[i], w)
		}
	}
}

func TestQ4_1Decode(t *testing.T) {
	b := make([]byte, BlockQ4_1Bytes)
	put16(b[0:], 0x4000) // d = 2
	put16(b[2:], 0xBC00) // m = −1
	b[4+0] = 0x5A        // value 0: 10, value 16: 5
	b[4+15] = 0xF0       // value 15: 0, value 31: 15
	y := make([]float32, QK)
	DequantizeQ4_1(y, b)
	// value = d·q + m
	expectValues(t, "Q4_1", y, map[int]float32{0: 19, 16: 9, 15: -1, 31: 29, 1: -1, 17: -1})
}

func TestQ5_0Decode(t *testing.T) {
	b := make([]byte, BlockQ5_0Bytes)
	put16(b[0:], 0x3800)                         // d = 0.5
	copy(b[2:6], []byte{0x01, 0x00, 0x00, 0x80}) // qh: bits 0 and 31
	b[6+0] = 0x3F                                // value 0: low 15, value 16: 3
	b[6+15] = 0xF0                               // value 15: 0, value 31: 15
	y := make([]float32, QK)
	DequantizeQ5_0(y, b)
	// value = d·((nibble | qh bit << 4) − 16)
	expectValues(t, "Q5_0", y, map[int]float32{
		0:  0.5 * (31 - 16), // 15 | 1<<4
		16: 0.5 * (3 - 16),  // bit 16 clear
		15: 0.5 * (0 - 16),
		31: 0.5 * (31 - 16), // bit 31 set
		1:  -8,
	})
}

func TestQ5_1Decode(t *testing.T) {
	b := make([]byte, BlockQ5_1Bytes)
	put16(b[0:], 0x3C00)                         // d = 1
	put16(b[2:], 0x3800)                         // m = 0.5
	copy(b[4:8], []byte{0x00, 0x00, 0x01, 0x00}) // qh: bit 16
	b[8+0] = 0x21
	y := make([]float32, QK)
	DequantizeQ5_1(y, b)
	expectValues(t, "Q5_1", y, map[int]float32{0: 1.5, 16: 18.5, 1: 0.5, 17: 0.5})
}

// Hand-computed reference quantizations (ggml's quantize_row_q4_1_ref etc.).
func TestLegacyHandBlocks(t *testing.T) {
	zeros := make([]float32, QK)
	cases := []struct {
		name string
		ty   Type
		x    []float32
		want func() []byte
	}{
		// min = max = 0 → d = 0, id = 0, m = 0, every code trunc(0 + 0.5) = 0.
		{"Q4_1 zeros", TypeQ4_1, zeros, func() []byte { return make([]byte, BlockQ4_1Bytes) }},
		// min 0, max 15 → d = 15/15 = 1, m = 0; 15 → trunc(15.5) = 15, 0 → 0.
		{"Q4_1 lone outlier", TypeQ4_1, block(map[int]float32{3: 15}), func() []byte {
			b := make([]byte, BlockQ4_1Bytes)
			put16(b[0:], 0x3C00)
			b[4+3] = 0x0F
			return b
		}},
		// min −8, max 7 → d = 1, m = −8. −8 → 0, 7 → 15, 0 → trunc(8.5) = 8.
		{"Q4_1 plus minus max", TypeQ4_1, block(map[int]float32{0: -8, 31: 7}), func() []byte {
			b := make([]byte, BlockQ4_1Bytes)
			put16(b[0:], 0x3C00)
			put16(b[2:], 0xC800)
			for j := range 16 {
				b[4+j] = 0x88
			}
			b[4+0] = 0x80  // value 0 → 0, value 16 → 8
			b[4+15] = 0xF8 // value 15 → 8, value 31 → 15
			return b
		}},
		// max = 0 → d = 0/−16 = −0 (fp16 0x8000), id = 0; codes trunc(16.5) =
		// 16: low nibble 0, fifth bit set for all 32.
		{"Q5_0 zeros", TypeQ5_0, zeros, func() []byte {
			b := make([]byte, BlockQ5_0Bytes)
			put16(b[0:], 0x8000)
			copy(b[2:6], []byte{0xFF, 0xFF, 0xFF, 0xFF})
			return b
		}},
		// max = −32 → d = 2, id = 0.5: −32 → −16 + 16.5 → 0; zeros → 16.
		{"Q5_0 lone outlier", TypeQ5_0, block(map[int]float32{2: -32}), func() []byte {
			b := make([]byte, BlockQ5_0Bytes)
			put16(b[0:], 0x4000)
			copy(b[2:6], []byte{0xFB, 0xFF, 0xFF, 0xFF})
			return b
		}},
		// ±16, first is +16 → d = −1, id = −1: 16 → 0.5 → 0; −16 → 32.5 →
		// 32, clamped to 31 (low 15, fifth bit); zeros → 16.
		{"Q5_0 plus minus max", TypeQ5_0, block(map[int]float32{0: 16, 1: -16}), func() []byte {
			b := make([]byte, BlockQ5_0Bytes)
			put16(b[0:], 0xBC00)
			copy(b[2:6], []byte{0xFE, 0xFF, 0xFF, 0xFF})
			b[6+1] = 0x0F
			return b
		}},
		{"Q5_1 zeros", TypeQ5_1, zeros, func() []byte { return make([]byte, BlockQ5_1Bytes) }},
		// min −1, max 30 → d = 31/31 = 1, m = −1: −1 → 0, 30 → trunc(31.5) =
		// 31, 0 → trunc(1.5) = 1.
		{"Q5_1 plus minus max", TypeQ5_1, block(map[int]float32{0: -1, 31: 30}), func() []byte {
			b := make([]byte, BlockQ5_1Bytes)
			put16(b[0:], 0x3C00)
			put16(b[2:], 0xBC00)
			copy(b[4:8], []byte{0, 0, 0, 0x80})
			for j := range 16 {
				b[8+j] = 0x11
			}
			b[8+0] = 0x10
			b[8+15] = 0xF1
			return b
		}},
	}
	for _, c := range cases {
		n, _ := c.ty.RowBytes(QK)
		got := make([]byte, n)
		if err := Quantize(c.ty, got, c.x); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := c.want(); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got % x\nwant % x", c.name, got, want)
		}
	}
}
