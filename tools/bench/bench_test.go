package bench

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

func TestSum(t *testing.T) {
	for n := range 40 {
		v := make([]uint64, n)
		want := uint64(0)
		for i := range v {
			v[i] = uint64(i*i + 1)
			want += v[i]
		}
		if got := sum(v); got != want {
			t.Errorf("sum of %d values: %d, want %d", n, got, want)
		}
	}
}

func TestMemoryBandwidth(t *testing.T) {
	buf := make([]uint64, 1<<16)
	for _, threads := range []int{1, 3, 8} {
		if bw := MemoryBandwidth(buf, threads, 2); bw <= 0 {
			t.Errorf("%d threads: %v bytes/s", threads, bw)
		}
	}
}

// With no prompt the sampling cost is measured on the decode loop's last
// logits: there are no others (before, Sample got nil and returned at once).
func TestRunWithoutPrompt(t *testing.T) {
	in, err := synth.Input(synth.Shape{Layers: 1, Embd: 64, Vocab: 300, FFN: 128, RankW: 32, RankA: 32, RankV: 32, RankG: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if _, err := convert.Write(in, path, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(path, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r, err := Run(context.Background(), m, "tiny", Options{DecodeTokens: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.PromptTokens != 0 || r.DecodeTokens != 3 {
		t.Errorf("prompt %d, decode %d tokens; want 0 and 3", r.PromptTokens, r.DecodeTokens)
	}
}

// countingStepper returns logits that depend on the step, in one buffer
// it reuses, as runtime.Context does.
type countingStepper struct {
	buf   []float32
	steps int
}

func (c *countingStepper) Forward(_ *runtime.State, token int) ([]float32, error) {
	c.steps++
	clear(c.buf)
	c.buf[(token+1)%len(c.buf)] = float32(c.steps)
	return c.buf, nil
}
func (c *countingStepper) Prefill(*runtime.State, []int32) ([]float32, error) { return nil, nil }
func (c *countingStepper) Chunk() int                                         { return 1 }

func TestDecode(t *testing.T) {
	st := &countingStepper{buf: make([]float32, 5)}
	var done []int
	last, err := decode(context.Background(), st, nil, 0, 3, func(d int) { done = append(done, d) })
	if err != nil {
		t.Fatal(err)
	}
	// Greedy: token 0 → 1 → 2, and the third step's logits have 3 at row 3.
	if want := []float32{0, 0, 0, 3, 0}; !slices.Equal(last, want) || !slices.Equal(done, []int{1, 2, 3}) {
		t.Errorf("last logits %v, progress %v; want %v and [1 2 3]", last, done, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := decode(ctx, st, nil, 0, 3, func(int) {}); err == nil {
		t.Error("cancelled decode: no error")
	}
}

func TestSampleSecondsNeedsLogits(t *testing.T) {
	sm := runtime.NewSampler(4, runtime.DefaultSampler)
	if _, err := sampleSeconds(sm, nil, 20); err == nil {
		t.Error("sampling cost of no logits: no error")
	}
	if _, err := sampleSeconds(sm, []float32{0, 1, 2, 3}, 5); err != nil {
		t.Error(err)
	}
}
