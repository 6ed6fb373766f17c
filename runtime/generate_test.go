package runtime_test

import (
	"context"
	"errors"
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
	g := m.NewGenerator(nil, runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: 1})
	// An earlier generation on another state leaves its own logits behind.
	if _, err := g.Generate(context.Background(), m.NewState(), []int32{5, 300, 17}, nil,
		runtime.GenerateOptions{MaxTokens: 3, BanEndOfText: true}, func([]byte) error { return nil }); err != nil {
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
	g.SetSampler(runtime.SamplerOptions{}) // greedy
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

// A Feed cancelled between chunks leaves Logits() the output after the
// chunks it read, which a caller saves with the state; a Feed that cannot
// be cancelled skips the head of every chunk but the last, and gives the
// same logits at its end.
func TestFeedCancelledKeepsLogits(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	prompt := make([]int32, 2*runtime.DefaultChunk+3)
	for i := range prompt {
		prompt[i] = int32(1 + i*7%(m.Vocab-1))
	}
	g := m.NewGenerator(nil, runtime.SamplerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := m.NewState()
	_, err := g.Feed(ctx, s, prompt, func(done, total int) {
		if done == runtime.DefaultChunk {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || s.Tokens != runtime.DefaultChunk {
		t.Fatalf("Feed cancelled after the first chunk: %v, state at %d tokens, want %d", err, s.Tokens, runtime.DefaultChunk)
	}
	want, err := m.NewGenerator(nil, runtime.SamplerOptions{}).Feed(context.Background(), m.NewState(), prompt[:runtime.DefaultChunk], nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Logits(), want) {
		t.Error("after a cancelled Feed, Logits() is not the output after the chunk it read")
	}
}

// A Generate cancelled while it reads the prompt reports what it read and
// how long it took (gosling run --stats after Ctrl-C), not the whole
// prompt, nor nothing.
func TestGenerateCancelledInPromptCountsWhatWasRead(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	prompt := make([]int32, 2*runtime.DefaultChunk+3)
	for i := range prompt {
		prompt[i] = int32(1 + i*7%(m.Vocab-1))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := runtime.GenerateOptions{MaxTokens: 5, Progress: func(done, total int) {
		if done == runtime.DefaultChunk {
			cancel()
		}
	}}
	st, err := m.NewGenerator(nil, runtime.SamplerOptions{}).Generate(ctx, m.NewState(), prompt, nil, opt, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.StopReason != runtime.StopCancelled || st.PromptTokens != runtime.DefaultChunk || st.PromptTime <= 0 {
		t.Errorf("stop %s, prompt %d tokens in %v; want cancelled after %d tokens in a positive time",
			st.StopReason, st.PromptTokens, st.PromptTime, runtime.DefaultChunk)
	}
}
