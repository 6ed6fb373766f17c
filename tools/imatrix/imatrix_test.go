package imatrix

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

var small = synth.Shape{Layers: 2, Embd: 64, Vocab: 300, FFN: 128, RankW: 32, RankA: 32, RankV: 32, RankG: 32}

func model(t *testing.T) *runtime.Model {
	t.Helper()
	in, err := synth.Input(small, 3)
	if err != nil {
		t.Fatal(err)
	}
	p, err := convert.DefaultPolicy(quant.TypeF32)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.gguf")
	if _, err := convert.Write(in, path, convert.Options{Policy: p}); err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(path, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// recorder keeps a float64 copy of Σ x² and the row count per matrix name,
// computed apart from the Collector.
type recorder struct {
	sums  map[string][]float64
	count map[string]int
	next  runtime.InputObserver
}

func (r *recorder) ObserveInput(w *runtime.Matrix, x []float32, T int) {
	if r.sums[w.Name] == nil {
		r.sums[w.Name] = make([]float64, w.Cols)
	}
	for i, v := range x[:T*w.Cols] {
		r.sums[w.Name][i%w.Cols] += float64(v) * float64(v)
	}
	r.count[w.Name] += T
	r.next.ObserveInput(w, x, T)
}

func tokens(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = (i*37 + 11) % small.Vocab
	}
	return ids
}

// The collector's sums are the squares of every matrix input over every
// token of the whole chunks (the tail is dropped), for the block matrices
// only; the counts are the tokens.
func TestComputeSums(t *testing.T) {
	m := model(t)
	const chunk = 40 // not a multiple of the Context's chunk: a short prefill step per chunk
	ids := tokens(3*chunk + 7)
	col, n, err := Compute(m, ids, Options{Chunk: chunk})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d chunks, want 3", n)
	}
	// The same tokens token by token, each chunk from the zero state.
	rec := &recorder{sums: map[string][]float64{}, count: map[string]int{}, next: NewCollector()}
	ctx := m.NewContext()
	ctx.Observe(rec)
	for c := 0; c < n; c++ {
		s := m.NewState()
		for _, id := range ids[c*chunk : (c+1)*chunk] {
			if _, err := ctx.Forward(s, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	im := col.Imatrix([]string{"x.txt"}, chunk, n)
	// per layer: r k v o, w1 w2 a1 a2 g1 g2, ffn key value; v1 v2 after layer 0
	if want := 12*small.Layers + 2*(small.Layers-1); len(im.Entries) != want {
		t.Errorf("%d entries, want %d", len(im.Entries), want)
	}
	for name, e := range im.Entries {
		if !strings.HasPrefix(name, "blk.") {
			t.Errorf("entry %s is not a block matrix", name)
		}
		if len(e.Counts) != 1 || e.Counts[0] != float32(n*chunk) || rec.count[name] != n*chunk {
			t.Errorf("%s: counts %v (recorded %d), want %d", name, e.Counts, rec.count[name], n*chunk)
		}
		want := rec.sums[name]
		if len(e.Sums) != len(want) || e.Columns != len(want) {
			t.Fatalf("%s: %d sums, want %d", name, len(e.Sums), len(want))
		}
		for j, s := range e.Sums {
			// prefill and single-token kernels sum in different orders
			if d := math.Abs(float64(s) - want[j]); d > 1e-3*want[j]+1e-6 {
				t.Errorf("%s[%d]: %g, want %g", name, j, s, want[j])
				break
			}
		}
	}
	if _, ok := im.Entries["output.weight"]; ok {
		t.Error("the head is collected")
	}

	// What is written is read back unchanged, and compares equal to itself.
	path := filepath.Join(t.TempDir(), "imatrix.gguf")
	if err := im.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := quant.ReadImatrix(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.ChunkCount != 3 || back.ChunkSize != chunk || len(back.Datasets) != 1 {
		t.Errorf("metadata %d chunks of %d, datasets %v", back.ChunkCount, back.ChunkSize, back.Datasets)
	}
	if mx, _, only := RelDiff(im, back); mx != 0 || len(only) != 0 {
		t.Errorf("read back: max relative difference %g, unmatched %v", mx, only)
	}
	// a changed value shows
	for _, e := range back.Entries {
		e.Sums[0] *= 1.5
		break
	}
	if mx, _, _ := RelDiff(im, back); math.Abs(mx-1.0/3) > 1e-6 {
		t.Errorf("one sum ×1.5: max relative difference %g, want 1/3", mx)
	}
}

func TestTooFewTokens(t *testing.T) {
	m := model(t)
	if _, _, err := Compute(m, tokens(10), Options{Chunk: 11}); err == nil {
		t.Error("10 tokens in chunks of 11: no error")
	}
	if _, n, err := Compute(m, tokens(100), Options{Chunk: 10, Chunks: 2}); err != nil || n != 2 {
		t.Errorf("--chunks 2: %d chunks, %v", n, err)
	}
}

// Collecting allocates nothing per token once every matrix has been seen.
func TestCollectDoesNotAllocate(t *testing.T) {
	m := model(t)
	ctx, s := m.NewContext(), m.NewState()
	ctx.Observe(NewCollector())
	if _, err := ctx.Forward(s, 1); err != nil {
		t.Fatal(err)
	}
	tok := 0
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := ctx.Forward(s, tok%small.Vocab); err != nil {
			t.Fatal(err)
		}
		tok += 7
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per token while collecting, want 0", allocs)
	}
}
