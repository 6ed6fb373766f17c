package quant

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// FuzzQuantizeTypes feeds arbitrary float32 bit patterns (NaN, ±Inf,
// subnormals, huge values) to every quantizer, unweighted and weighted by
// arbitrary importance values: it must not panic, must be deterministic, and
// its output must decode; a super-block of finite values below 1e4 in
// magnitude (so every scale fits an fp16) must decode to finite values.
func FuzzQuantizeTypes(f *testing.F) {
	f.Add(make([]byte, 4*QKK), false)
	f.Add(bytes.Repeat([]byte{0x00, 0x00, 0xC0, 0x7F}, QKK), true) // NaN
	f.Add(bytes.Repeat([]byte{0x01, 0x00, 0x00, 0x00}, QKK), true) // smallest subnormal
	f.Add(bytes.Repeat([]byte{0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x80, 0xBF}, QKK/2), false)
	f.Fuzz(func(t *testing.T, raw []byte, weighted bool) {
		n := len(raw) / 4 / QKK * QKK
		if n == 0 || n > 4*QKK {
			return
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		var w []float32
		if weighted {
			// Importance values are sums of squares divided by counts:
			// non-negative, but anything the file holds is possible.
			w = make([]float32, n)
			for i := range w {
				w[i] = abs32(x[(i*7+3)%n])
			}
		}
		for ty := range codecs {
			rb, _ := ty.RowBytes(n)
			a, b := make([]byte, rb), make([]byte, rb)
			if err := QuantizeRows(ty, a, x, n, w); err != nil {
				t.Fatalf("%s: %v", ty, err)
			}
			if err := QuantizeRows(ty, b, x, n, w); err != nil || !bytes.Equal(a, b) {
				t.Fatalf("%s: two runs differ", ty)
			}
			y := make([]float32, n)
			if err := Dequantize(ty, y, a); err != nil {
				t.Fatalf("%s: %v", ty, err)
			}
			for s := 0; s < n; s += QKK {
				ok := true
				for _, v := range x[s : s+QKK] {
					ok = ok && abs32(v) < 1e4
				}
				if !ok {
					continue
				}
				for j, v := range y[s : s+QKK] {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%s: value %d of finite input %g decodes to %g", ty, s+j, x[s+j], v)
					}
				}
			}
		}
	})
}
