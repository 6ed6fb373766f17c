package arm64_test

import (
	"testing"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/quant"
)

// The kernels read the blocks that package quant writes and loads: their
// sizes must be the same.
func TestBlockSizesMatchQuant(t *testing.T) {
	for _, c := range []struct {
		name         string
		arm64, quant int
	}{
		{"QK", arm64.QK, quant.QK},
		{"BlockQ8_0", arm64.BlockQ8_0, quant.BlockQ8_0Bytes},
		{"BlockQ4_0", arm64.BlockQ4_0, quant.BlockQ4_0Bytes},
	} {
		if c.arm64 != c.quant {
			t.Errorf("arm64.%s = %d, quant has %d", c.name, c.arm64, c.quant)
		}
	}
}
