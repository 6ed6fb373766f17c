package runtime_test

import (
	"strconv"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/synth"
)

// benchShape is a mid-size model (≈ 29 M weights) for the cost of the
// first-use NaN/Inf check: big enough that the scan shows, small enough to
// write quickly.
var benchShape = synth.Shape{Layers: 4, Embd: 512, Vocab: 16384, FFN: 2048, RankW: 32, RankA: 32, RankV: 32, RankG: 64}

// BenchmarkFirstToken is the latency of a fresh model's first token, the
// file already in the page cache: load, one Forward, close. It includes
// the one-time scan of every matrix for NaN and Inf; BenchmarkNextToken
// is a later token, which pays only an atomic load per product.
func BenchmarkFirstToken(b *testing.B) {
	for _, typ := range []quant.Type{quant.TypeF16, quant.TypeQ8_0} {
		for _, threads := range []int{1, 2} {
			b.Run(typ.String()+"/threads="+strconv.Itoa(threads), func(b *testing.B) {
				path := synthModel(b, benchShape, typ)
				for b.Loop() {
					m, err := runtime.Load(path, runtime.Options{Threads: threads})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := m.NewContext().Forward(m.NewState(), 1); err != nil {
						b.Fatal(err)
					}
					m.Close()
				}
			})
		}
	}
}

func BenchmarkNextToken(b *testing.B) {
	for _, typ := range []quant.Type{quant.TypeF16, quant.TypeQ8_0} {
		for _, threads := range []int{1, 2} {
			b.Run(typ.String()+"/threads="+strconv.Itoa(threads), func(b *testing.B) {
				benchDecode(b, load(b, synthModel(b, benchShape, typ), threads))
			})
		}
	}
}
