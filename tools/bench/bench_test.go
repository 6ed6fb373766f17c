package bench

import (
	"context"
	"slices"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
	"github.com/gosling-edge/gosling/tools/synth/synthtest"
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
	m := synthtest.Model(t, synth.Shape{Layers: 1, Embd: 64, Vocab: 300, FFN: 128, RankW: 32, RankA: 32, RankV: 32, RankG: 32}, 1, convert.Options{})
	r, err := Run(context.Background(), m, "tiny", Options{DecodeTokens: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.PromptTokens != 0 || r.DecodeTokens != 3 {
		t.Errorf("prompt %d, decode %d tokens; want 0 and 3", r.PromptTokens, r.DecodeTokens)
	}
	if r.PeakRSSWithBufferBytes != 0 {
		t.Errorf("no memory test, yet a peak with its buffer: %d", r.PeakRSSWithBufferBytes)
	}
	// With the memory test: both peaks, the whole run's at least the model's.
	r, err = Run(context.Background(), m, "tiny", Options{DecodeTokens: 1, BandwidthBytes: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if r.PeakRSSBytes <= 0 || r.PeakRSSWithBufferBytes < r.PeakRSSBytes+16<<20 {
		t.Errorf("peak RSS %d running the model, %d with a 32 MiB buffer", r.PeakRSSBytes, r.PeakRSSWithBufferBytes)
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

// TestBandwidthBytesFor: the memory test's buffer is a quarter of the
// memory available, at most 1 GiB, in whole MiB; without a MemAvailable
// line, 1 GiB.
func TestBandwidthBytesFor(t *testing.T) {
	for _, c := range []struct {
		meminfo string
		want    int64
	}{
		{"MemTotal:        1893324 kB\nMemFree:          201000 kB\nMemAvailable:     716800 kB\n", 175 << 20}, // a 2 GB board
		{"MemTotal:       16000000 kB\nMemAvailable:   12000000 kB\n", 1 << 30},
		{"MemTotal:       16000000 kB\n", 1 << 30},
		{"MemAvailable: junk\n", 1 << 30},
	} {
		if got := bandwidthBytesFor(c.meminfo); got != c.want {
			t.Errorf("%q: %d, want %d", c.meminfo, got, c.want)
		}
	}
	if d := DefaultBandwidthBytes(); d <= 0 || d > MaxBandwidthBytes {
		t.Errorf("DefaultBandwidthBytes() = %d", d)
	}
}
