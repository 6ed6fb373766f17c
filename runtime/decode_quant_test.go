package runtime_test

import (
	"strconv"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/tools/synth"
)

// BenchmarkDecodeQuant compares decode speed of the 0.1B shape stored as
// F16, Q8_0 and Q4_0 (the default policy of each --type) in one run, so the
// ratios come from the same machine state: tokens/s = 1e9 / ns/op. Run with
// -benchtime=20x; the models (≈ 300, 160 and 120 MB) are written once into
// a temp folder. On amd64 the generic Go kernels run.
func BenchmarkDecodeQuant(b *testing.B) {
	for _, threads := range []int{1, 2} {
		for _, typ := range []quant.Type{quant.TypeF16, quant.TypeQ8_0, quant.TypeQ4_0} {
			b.Run(typ.String()+"/threads="+strconv.Itoa(threads), func(b *testing.B) {
				m := load(b, synthModel(b, synth.Shape01B, typ), threads)
				benchDecode(b, m)
			})
		}
	}
}
