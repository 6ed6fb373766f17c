package eval_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/eval"
)

// hostBackend is a runtime.Backend on the CPU that keeps its own copy of
// each state, as a GPU does: a State is uploaded when the back end has not
// seen it or its Tokens count changed on the host, and reaches the host
// again only through Sync. Its faults are switches, for CheckBackend to
// catch.
type hostBackend struct {
	ctx  *runtime.Context
	dev  map[*runtime.State]*runtime.State
	seen map[*runtime.State]int64

	staleReset bool    // never upload a state it has seen (a host Reset is lost)
	noise      float32 // added to every logit
	nan        bool    // the logits of the third step are NaN
	steps      int
	out        []float32
}

func newHostBackend(m *runtime.Model) *hostBackend {
	return &hostBackend{ctx: m.NewContext(), dev: map[*runtime.State]*runtime.State{}, seen: map[*runtime.State]int64{}}
}

func (b *hostBackend) device(s *runtime.State) *runtime.State {
	d, ok := b.dev[s]
	if !ok {
		d = s.Clone()
		b.dev[s] = d
	} else if b.seen[s] != s.Tokens && !b.staleReset {
		d.CopyFrom(s)
	}
	return d
}

func (b *hostBackend) done(s, d *runtime.State, l []float32, err error) ([]float32, error) {
	if err != nil {
		return nil, err
	}
	s.Tokens, b.seen[s] = d.Tokens, d.Tokens
	b.steps++
	b.out = append(b.out[:0], l...)
	for i := range b.out {
		b.out[i] += b.noise
		if b.nan && b.steps == 3 {
			b.out[i] = float32(math.NaN())
		}
	}
	return b.out, nil
}

func (b *hostBackend) Forward(s *runtime.State, token int) ([]float32, error) {
	d := b.device(s)
	l, err := b.ctx.Forward(d, token)
	return b.done(s, d, l, err)
}

func (b *hostBackend) Prefill(s *runtime.State, tokens []int32) ([]float32, error) {
	if len(tokens) > b.Chunk() {
		return nil, fmt.Errorf("prefill of %d tokens, more than a chunk", len(tokens))
	}
	d := b.device(s)
	l, err := b.ctx.Prefill(d, tokens)
	return b.done(s, d, l, err)
}

// Chunk is small, so that the check's prompts span several chunks.
func (b *hostBackend) Chunk() int { return 8 }

func (b *hostBackend) Sync(s *runtime.State) error {
	if d, ok := b.dev[s]; ok {
		s.CopyFrom(d)
	}
	return nil
}

func (b *hostBackend) Forget(s *runtime.State) { delete(b.dev, s) }
func (b *hostBackend) String() string          { return "host" }
func (b *hostBackend) Close() error            { return nil }

func TestCheckBackend(t *testing.T) {
	m := writeModel(t, quant.TypeQ8_0, nil)
	tokens := eval.SeededTokens(m, 40, 1)
	for _, id := range tokens {
		if id < 1 || int(id) >= m.Vocab {
			t.Fatalf("seeded token %d outside [1, %d)", id, m.Vocab)
		}
	}
	if again := eval.SeededTokens(m, 40, 1); !slices.Equal(again, tokens) {
		t.Error("the same seed gave other tokens")
	}
	if other := eval.SeededTokens(m, 40, 2); slices.Equal(other, tokens) {
		t.Error("another seed gave the same tokens")
	}

	// A faithful back end: decode and the state are the CPU's exactly,
	// prefill within rounding.
	c, err := eval.CheckBackend(m, newHostBackend(m), tokens)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Within(0.02) || c.Decode.MaxAbsDiff != 0 || c.Decode.Tokens != 40 || c.StateMaxAbsDiff != 0 || c.StateMaxAbs == 0 ||
		c.Prefill.Tokens != 1 || c.Mixed.Tokens != 6 || c.Reset.Tokens != 1 || c.DecodeSeconds <= 0 {
		t.Errorf("a faithful back end: %+v", c)
	}
	if cpu, dev, err := c.AgainstReference(m); err != nil || cpu.MaxAbsDiff != 0 || dev.MaxAbsDiff != 0 || cpu.Tokens != 40 || dev.Tokens != 40 {
		t.Errorf("the model as its own reference: %v %+v %+v", err, cpu, dev)
	}
	if s := c.Decode.Summary(); !strings.HasPrefix(s, "max|Δ| 0 (max|logit| ") || !strings.HasSuffix(s, "top-1 40/40") {
		t.Errorf("summary %q", s)
	}

	// Each fault fails the check where it shows.
	stale := newHostBackend(m)
	stale.staleReset = true
	if c, err := eval.CheckBackend(m, stale, tokens); err != nil || c.Within(0.02) || c.Reset.MaxAbsDiff == 0 {
		t.Errorf("a host reset that never reaches the device: %v %+v", err, c)
	}
	noisy := newHostBackend(m)
	noisy.noise = 0.5
	c, err = eval.CheckBackend(m, noisy, tokens)
	if err != nil || c.Within(0.02) || !c.Within(1) || math.Abs(c.Decode.MaxAbsDiff-0.5) > 1e-3 {
		t.Errorf("logits off by 0.5: %v %+v", err, c)
	}
	if cpu, dev, err := c.AgainstReference(m); err != nil || cpu.MaxAbsDiff != 0 || math.Abs(dev.MaxAbsDiff-0.5) > 1e-3 {
		t.Errorf("logits off by 0.5 against the reference: %v %+v %+v", err, cpu, dev)
	}
	broken := newHostBackend(m)
	broken.nan = true
	if c, err := eval.CheckBackend(m, broken, tokens); err != nil || c.Within(1e9) || c.Decode.Infinities != 1 ||
		!strings.Contains(c.Decode.Summary(), "1 steps with non-finite logits") {
		t.Errorf("a NaN step: %v %+v", err, c)
	}

	if _, err := eval.CheckBackend(m, newHostBackend(m), tokens[:1]); err == nil {
		t.Error("one token accepted")
	}
	wide := small
	wide.Vocab = 400
	if _, _, err := c.AgainstReference(writeShape(t, wide, quant.TypeF32, nil)); err == nil {
		t.Error("a reference of another vocabulary accepted")
	}
}
