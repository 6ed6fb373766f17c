package runtime_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
)

// Generate from passed-in logits that returns before feeding a token (end
// of text drawn first, or a cancelled context) leaves Logits() at those
// logits, not at the output of an earlier call on another state: callers
// save or cache g.Logits() with the state.
func TestGenerateFromLogitsSetsLogits(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	g := m.NewGenerator(runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: 1})
	// An earlier generation on another state leaves its own logits behind.
	if _, err := g.Generate(context.Background(), m.NewState(), []int32{5, 300, 17}, nil,
		runtime.GenerateOptions{MaxTokens: 3, Sampler: g.Sampler.Opt, BanEndOfText: true}, func([]byte) error { return nil }); err != nil {
		t.Fatal(err)
	}
	earlier := slices.Clone(g.Logits())

	s := m.NewState()
	logits := slices.Clone(feed(t, m.NewContext(), s, 42, 7))
	if slices.Equal(earlier, logits) {
		t.Fatal("the two states give the same logits: the test cannot tell them apart")
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		opt  runtime.GenerateOptions
		want string
	}{
		{"end of text first", context.Background(), runtime.GenerateOptions{MaxTokens: 5, LogitBias: map[int]float32{0: 1000}}, runtime.StopEndOfText},
		{"cancelled", cancelled, runtime.GenerateOptions{MaxTokens: 5}, runtime.StopCancelled},
	} {
		before := s.Tokens
		st, err := g.Generate(c.ctx, s, nil, logits, c.opt, func([]byte) error { return nil })
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if st.StopReason != c.want || st.GeneratedTokens != 0 || s.Tokens != before {
			t.Fatalf("%s: stop %s after %d tokens (state %d → %d tokens), want %s before any", c.name, st.StopReason, st.GeneratedTokens, before, s.Tokens, c.want)
		}
		if !slices.Equal(g.Logits(), logits) {
			t.Errorf("%s: Logits() is not the logits Generate continued from", c.name)
		}
	}
}
