package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

// Run with: go test ./runtime/ -run '^$' -fuzz '^FuzzLoadImage$'.
//
// The runtime binds whatever GGUF it is given: shapes, types and metadata
// all come from the file. Mutations of a small valid model must either be
// refused with an error naming the image, or give a model that runs: a
// token and a short prompt go through without error, and the tokenizer
// round-trips text. Weights are checked for NaN/Inf lazily, at a tensor's
// first use, so a loaded model whose mutated scales decode to NaN may
// instead stop its first Forward with a *quant.NonFiniteError; that is the
// one error a loaded model may give.

// tinyShapes are the smallest models the runtime accepts: every byte must
// be a token (257 rows), and Q8_0/Q4_0 rows need 32 values.
var (
	tinyF16 = synth.Shape{Layers: 2, Embd: 8, HeadSize: 4, Vocab: 257, FFN: 8, RankW: 4, RankA: 4, RankV: 4, RankG: 4}
	tinyQ   = synth.Shape{Layers: 2, Embd: 32, HeadSize: 16, Vocab: 257, FFN: 32, RankW: 4, RankA: 4, RankV: 4, RankG: 4}
)

// modelImage converts a synthetic model into a GGUF image in memory.
func modelImage(tb testing.TB, shape synth.Shape, typ quant.Type) []byte {
	tb.Helper()
	in, err := synth.Input(shape, 3)
	if err != nil {
		tb.Fatal(err)
	}
	policy, err := convert.DefaultPolicy(typ)
	if err != nil {
		tb.Fatal(err)
	}
	w, _, err := convert.Build(in, convert.Options{Policy: policy, Name: "fuzz"})
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzLoadImage(f *testing.F) {
	f.Add(modelImage(f, tinyF16, quant.TypeF16))
	f.Add(modelImage(f, tinyQ, quant.TypeQ8_0))
	f.Add(modelImage(f, tinyQ, quant.TypeQ4_0))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := runtime.LoadImage(data, "fuzz.gguf", runtime.Options{Threads: 1})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.gguf: ") {
				t.Fatalf("error %q does not name the image", err)
			}
			return
		}
		defer m.Close()
		runLoaded(t, m)
	})
}

// runLoaded checks that a model LoadImage accepted is consistent and runs.
func runLoaded(t *testing.T, m *runtime.Model) {
	t.Helper()
	c := m.Config
	if c.Layers != len(m.Blocks) || c.Heads*c.HeadSize != c.Embd || c.Embd <= 0 || c.Vocab <= 0 {
		t.Fatalf("inconsistent config %s (%d blocks)", c, len(m.Blocks))
	}
	ctx, s := m.NewContextChunk(4), m.NewState()
	logits, err := ctx.Forward(s, c.Vocab-1)
	var damaged *quant.NonFiniteError
	if errors.As(err, &damaged) {
		return
	}
	if err != nil {
		t.Fatalf("Forward on a model that loaded: %v", err)
	}
	if len(logits) != c.Vocab {
		t.Fatalf("%d logits for %d rows", len(logits), c.Vocab)
	}
	if _, err := m.NewGenerator(ctx, runtime.SamplerOptions{}).Feed(context.Background(), s, []int32{0, 1, int32(c.Vocab - 1), 2, 3}, nil); err != nil {
		t.Fatalf("Prefill on a model that loaded: %v", err)
	}
	if s.Tokens != 6 {
		t.Fatalf("state has %d tokens after 6", s.Tokens)
	}
	text := []byte("hello\n\n\xff")
	if got := m.Tokenizer.Decode(m.Tokenizer.Encode(text)); !bytes.Equal(got, text) {
		t.Fatalf("tokenizer round trip: %q", got)
	}
	for _, id := range m.Tokenizer.Encode(text) {
		if id <= 0 || int(id) >= c.Vocab {
			t.Fatalf("tokenizer produced id %d for %d rows", id, c.Vocab)
		}
	}
}

// The seeds must load, or the fuzzer only explores the error paths.
func TestFuzzSeedsLoad(t *testing.T) {
	for _, img := range [][]byte{modelImage(t, tinyF16, quant.TypeF16), modelImage(t, tinyQ, quant.TypeQ8_0), modelImage(t, tinyQ, quant.TypeQ4_0)} {
		m, err := runtime.LoadImage(img, "seed.gguf", runtime.Options{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		runLoaded(t, m)
		m.Close()
		t.Logf("%s: %d bytes", m.Config, len(img))
	}
}
