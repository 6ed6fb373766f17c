package arm64_test

import (
	"testing"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/quant"
)

// The blocks of the types beyond Q8_0 and Q4_0, and the IQ4 grid, are
// quant's.
func TestBlockSizesBeyondQ8MatchQuant(t *testing.T) {
	for _, c := range []struct {
		typ        quant.Type
		vals, size int
	}{
		{quant.TypeQ4_1, arm64.QK, arm64.BlockQ4_1},
		{quant.TypeQ5_0, arm64.QK, arm64.BlockQ5_0},
		{quant.TypeQ5_1, arm64.QK, arm64.BlockQ5_1},
		{quant.TypeIQ4_NL, arm64.QK, arm64.BlockIQ4_NL},
		{quant.TypeQ2_K, arm64.QKK, arm64.BlockQ2_K},
		{quant.TypeQ3_K, arm64.QKK, arm64.BlockQ3_K},
		{quant.TypeQ4_K, arm64.QKK, arm64.BlockQ4_K},
		{quant.TypeQ5_K, arm64.QKK, arm64.BlockQ5_K},
		{quant.TypeQ6_K, arm64.QKK, arm64.BlockQ6_K},
		{quant.TypeIQ4_XS, arm64.QKK, arm64.BlockIQ4_XS},
	} {
		if c.typ.BlockSize() != c.vals || c.typ.BlockBytes() != c.size {
			t.Errorf("%s: arm64 has blocks of %d values in %d bytes, quant %d in %d", c.typ, c.vals, c.size, c.typ.BlockSize(), c.typ.BlockBytes())
		}
	}
	if arm64.QKK != quant.QKK {
		t.Errorf("QKK: arm64 %d, quant %d", arm64.QKK, quant.QKK)
	}
}
