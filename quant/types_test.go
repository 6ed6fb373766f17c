package quant

import (
	"strings"
	"testing"
)

func TestParseType(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Type
	}{
		{"q8_0", TypeQ8_0}, {"Q4_0", TypeQ4_0}, {"f16", TypeF16}, {"F32", TypeF32},
		{"bf16", TypeBF16}, {"q4_k", TypeQ4_K}, {"Iq2_Xxs", TypeIQ2_XXS},
	} {
		if got, err := ParseType(c.in); err != nil || got != c.want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "q8", "q8_0 ", "f161", "Q8_00"} {
		if got, err := ParseType(bad); err == nil || !strings.Contains(err.Error(), "unknown tensor type") {
			t.Errorf("ParseType(%q) = %v, %v; want an unknown-type error", bad, got, err)
		}
	}
}

// The sizes gosling computes with, worked out from the layouts: Q8_0 is an
// fp16 scale and 32 int8 codes, Q4_0 an fp16 scale and 32 nibbles.
func TestTypeSizes(t *testing.T) {
	for _, c := range []struct {
		t           Type
		size, bytes int
		row64       int
	}{
		{TypeF32, 1, 4, 256},
		{TypeF16, 1, 2, 128},
		{TypeBF16, 1, 2, 128},
		{TypeQ8_0, 32, 34, 68},
		{TypeQ4_0, 32, 18, 36},
	} {
		if c.t.BlockSize() != c.size || c.t.BlockBytes() != c.bytes {
			t.Errorf("%s: block of %d values in %d bytes, want %d in %d", c.t, c.t.BlockSize(), c.t.BlockBytes(), c.size, c.bytes)
		}
		if n, err := c.t.RowBytes(64); err != nil || n != c.row64 {
			t.Errorf("%s: RowBytes(64) = %d, %v; want %d", c.t, n, err, c.row64)
		}
	}
	if _, err := TypeQ8_0.RowBytes(48); err == nil || !strings.Contains(err.Error(), "not a whole number of 32-value blocks") {
		t.Errorf("Q8_0 RowBytes(48): error %v", err)
	}
}

func TestCanQuantize(t *testing.T) {
	for _, ty := range []Type{TypeF32, TypeF16, TypeBF16, TypeQ8_0, TypeQ4_0, TypeQ4_1, TypeQ5_0, TypeQ5_1,
		TypeQ2_K, TypeQ3_K, TypeQ4_K, TypeQ5_K, TypeQ6_K, TypeIQ4_NL, TypeIQ4_XS} {
		if !ty.CanQuantize() || !ty.CanDequantize() {
			t.Errorf("%s: CanQuantize %v, CanDequantize %v", ty, ty.CanQuantize(), ty.CanDequantize())
		}
	}
	for _, ty := range []Type{TypeQ8_K, TypeIQ2_XXS, TypeIQ1_S, TypeTQ1_0, TypeMXFP4, TypeQ8_1, TypeI8} {
		if ty.CanQuantize() {
			t.Errorf("%s: CanQuantize", ty)
		}
	}
}
