package runtime_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
)

// shadowBackend is a Backend that keeps the state of the sequence it runs
// in its own copy, as a GPU does: the host State's floats change only when
// Sync copies them back, and a State is uploaded only when the backend has
// not seen it or its Tokens count changed. It runs on a CPU Context.
type shadowBackend struct {
	ctx         *runtime.Context
	dev         *runtime.State // the "device" copy
	bound       *runtime.State // the host State dev belongs to
	boundTokens int64
}

func newShadowBackend(m *runtime.Model) *shadowBackend {
	return &shadowBackend{ctx: m.NewContext(), dev: m.NewState()}
}

func (b *shadowBackend) bind(s *runtime.State) {
	if s == b.bound && s.Tokens == b.boundTokens {
		return
	}
	if old := b.bound; old != nil && old != s && old.Tokens == b.boundTokens {
		copy(old.Floats(), b.dev.Floats())
	}
	b.dev.CopyFrom(s)
	b.bound, b.boundTokens = s, s.Tokens
}

func (b *shadowBackend) Forward(s *runtime.State, token int) ([]float32, error) {
	b.bind(s)
	logits, err := b.ctx.Forward(b.dev, token)
	if err != nil {
		b.bound = nil
		return nil, err
	}
	s.Tokens++
	b.boundTokens = s.Tokens
	return logits, nil
}

func (b *shadowBackend) Prefill(s *runtime.State, tokens []int32) ([]float32, error) {
	b.bind(s)
	logits, err := b.ctx.Prefill(b.dev, tokens)
	if err != nil {
		b.bound = nil
		return nil, err
	}
	s.Tokens += int64(len(tokens))
	b.boundTokens = s.Tokens
	return logits, nil
}

func (b *shadowBackend) Chunk() int { return b.ctx.Chunk() }

func (b *shadowBackend) Sync(s *runtime.State) error {
	if s == b.bound && s.Tokens == b.boundTokens {
		copy(s.Floats(), b.dev.Floats())
	}
	return nil
}

func (b *shadowBackend) Forget(s *runtime.State) {
	if s == b.bound {
		b.bound = nil
	}
}

func (b *shadowBackend) String() string { return "shadow (test)" }
func (b *shadowBackend) Close() error   { return nil }

var _ runtime.Backend = (*shadowBackend)(nil)

// A Chat on a Backend that keeps the state off the host behaves as one on
// the CPU: Save writes the state the device holds, a prompt cancelled
// before it is read is undone to the device's state, and SetStart, Load
// and Reset replace the device's state even with the same Tokens count.
func TestChatOnBackendMatchesCPU(t *testing.T) {
	m := chatModel(t)
	opt := runtime.ChatOptions{System: "Be brief.", Sampler: runtime.SamplerOptions{Temperature: 1, TopP: 0.9, Seed: 4}, MaxTokens: 12}
	cpu, dev := m.NewChat(opt), m.NewChat(opt)
	dev.Gen.Backend = newShadowBackend(m)
	dir := t.TempDir()

	// do runs the same action on both chats and compares what it returns.
	do := func(name string, act func(c *runtime.Chat) (string, error)) {
		t.Helper()
		a, err := act(cpu)
		if err != nil {
			t.Fatalf("%s (cpu): %v", name, err)
		}
		b, err := act(dev)
		if err != nil {
			t.Fatalf("%s (backend): %v", name, err)
		}
		if a != b {
			t.Errorf("%s: cpu %q, backend %q", name, a, b)
		}
	}
	// step is do, then compares what the chats hold through a saved state
	// file (which brings the backend's state to the host).
	step := func(name string, act func(c *runtime.Chat) (string, error)) {
		t.Helper()
		do(name, act)
		pa, pb := filepath.Join(dir, "cpu.state"), filepath.Join(dir, "dev.state")
		if err := cpu.Save(pa); err != nil {
			t.Fatal(err)
		}
		if err := dev.Save(pb); err != nil {
			t.Fatal(err)
		}
		sa, la, err := runtime.LoadState(pa, m)
		if err != nil {
			t.Fatal(err)
		}
		sb, lb, err := runtime.LoadState(pb, m)
		if err != nil {
			t.Fatal(err)
		}
		if sa.Tokens != sb.Tokens || !slices.Equal(sa.Floats(), sb.Floats()) || !slices.Equal(la, lb) {
			t.Fatalf("%s: the backend chat saved another state (%d tokens) than the cpu chat (%d tokens)", name, sb.Tokens, sa.Tokens)
		}
	}
	reply := func(ctx context.Context, msg string) func(c *runtime.Chat) (string, error) {
		return func(c *runtime.Chat) (string, error) {
			var out []byte
			st, err := c.Reply(ctx, msg, func(b []byte) error { out = append(out, b...); return nil })
			return string(out) + " [" + st.StopReason + "]", err
		}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	// No Save between these: the undo of the cancelled prompt must not
	// depend on a host copy someone else brought up to date.
	do("first reply", reply(context.Background(), "Hello there"))
	do("prompt cancelled before it is read", reply(cancelled, "Never mind"))
	step("reply after the cancel", reply(context.Background(), "Go on"))

	// Another state with as many tokens as the chat's, so that only
	// Forget tells the backend that its copy is stale.
	sameLength := func(n int64) (*runtime.State, []float32, string) {
		t.Helper()
		s := m.NewState()
		tokens := make([]int32, n)
		for i := range tokens {
			tokens[i] = int32(100 + i%50)
		}
		logits, err := m.NewContext().Prefill(s, tokens)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "other.state")
		if err := runtime.SaveState(path, m, s, logits); err != nil {
			t.Fatal(err)
		}
		return s, slices.Clone(logits), path
	}
	other, otherLogits, _ := sameLength(dev.State().Tokens)
	step("SetStart to a state of the same length", func(c *runtime.Chat) (string, error) { return "", c.SetStart(other, otherLogits) })
	step("reply after SetStart", reply(context.Background(), "And now?"))
	step("Reset", func(c *runtime.Chat) (string, error) { c.Reset(); return "", nil })
	step("reply after Reset", reply(context.Background(), "Once more"))
	_, _, path := sameLength(dev.State().Tokens)
	step("Load a state of the same length", func(c *runtime.Chat) (string, error) { return "", c.Load(path) })
	step("reply after Load", reply(context.Background(), "Last one"))
}
