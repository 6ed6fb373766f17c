package quant

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestBF16(t *testing.T) {
	// bfloat16 is the top 16 bits of a float32; encoding rounds the low 16
	// bits half to even.
	cases := []struct {
		in   uint32 // float32 bits
		want uint16
	}{
		{0x3F800000, 0x3F80},                     // 1
		{0x3F808000, 0x3F80},                     // 1 + 2^−8: halfway, 0x3F80 is even → down
		{0x3F818000, 0x3F82},                     // halfway above odd 0x3F81 → up to even
		{0x3F808001, 0x3F81},                     // above halfway → up
		{0x3F807FFF, 0x3F80},                     // below halfway → down
		{0x80000000, 0x8000},                     // −0
		{0x7F7FFFFF, 0x7F80},                     // largest float32 rounds past the largest bfloat16 → +Inf
		{0xFF800000, 0xFF80},                     // −Inf stays
		{0x7F800001, 0x7FC0},                     // signalling NaN → quiet, payload's top bits kept
		{0xFFC12345, 0xFFC1},                     // negative quiet NaN: truncated, not rounded
		{0x00000001, 0x0000},                     // the smallest subnormal rounds to +0
		{0x00008000, 0x0000},                     // halfway to 0x0001, even → 0
		{0x00018000, 0x0002},                     // halfway above odd 1 → 2
		{math.Float32bits(-10), 0xC120},          // exact
		{math.Float32bits(3.14159265), 0x4049},   // 0x40490FDB → below half → 0x4049
		{math.Float32bits(-65504.5), 0xC780 + 0}, // 0xC77FE080 → rounds up into the next binade
	}
	src := make([]float32, len(cases))
	for i, c := range cases {
		src[i] = math.Float32frombits(c.in)
	}
	dst := make([]byte, 2*len(src))
	EncodeBF16(dst, src)
	for i, c := range cases {
		if got := binary.LittleEndian.Uint16(dst[2*i:]); got != c.want {
			t.Errorf("%#08x → %#04x, want %#04x", c.in, got, c.want)
		}
	}
	// Decoding widens exactly, and every non-NaN bfloat16 survives a round
	// trip.
	all := make([]byte, 2<<16)
	for i := 0; i < 1<<16; i++ {
		binary.LittleEndian.PutUint16(all[2*i:], uint16(i))
	}
	f := make([]float32, 1<<16)
	if err := Dequantize(TypeBF16, f, all); err != nil {
		t.Fatal(err)
	}
	again := make([]byte, len(all))
	if err := Quantize(TypeBF16, again, f); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1<<16; i++ {
		if math.Float32bits(f[i]) != uint32(i)<<16 {
			t.Fatalf("%#04x decodes to %#08x", i, math.Float32bits(f[i]))
		}
		if got := binary.LittleEndian.Uint16(again[2*i:]); got != uint16(i) && !math.IsNaN(float64(f[i])) {
			t.Fatalf("%#04x → %g → %#04x", i, f[i], got)
		}
	}
}
