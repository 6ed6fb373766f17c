package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
)

func TestChatTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"  hello  ":                "hello",
		"a\r\nb":                   "a\nb",
		"a\n\n\nb\n\nc":            "a\nb\nc",
		"a\r\n\r\n\r\nb":           "a\nb",
		"\n\n  line one\n\n\n":     "line one",
		"tabs\tstay   and  spaces": "tabs\tstay   and  spaces",
	} {
		if got := runtime.CleanChatText(in); got != want {
			t.Errorf("CleanChatText(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := runtime.SystemSegment("Be brief.")+runtime.UserSegment("Hi\r\n\r\nthere", false),
		"System: Be brief.\n\nUser: Hi\nthere\n\nAssistant:"; got != want {
		t.Errorf("system and user segments = %q, want %q", got, want)
	}
	if got, want := runtime.SystemSegment("")+runtime.UserSegment("Why?", true), "User: Why?\n\nAssistant: <think"; got != want {
		t.Errorf("think mode: %q, want %q", got, want)
	}
	for _, generated := range []string{" Hello.", "  Indented.", " "} {
		if got := runtime.ReplySegment(runtime.ReplyText(generated)); got != generated+"\n\n" {
			t.Errorf("reply %q round trip: %q", generated, got)
		}
	}
}

// chatModel is a small model whose vocabulary holds "\n\n" (World id 261).
func chatModel(t *testing.T) *runtime.Model {
	return load(t, synthModel(t, small, quant.TypeF16), 1)
}

// A reply never carries half a character, stops at "\n\n" or MaxTokens,
// and leaves the state at a turn boundary; Reset and Save/Load work on the
// conversation.
func TestChatReply(t *testing.T) {
	m := chatModel(t)
	if m.EndOfReplyID() < 0 {
		t.Fatal("the test model has no \"\\n\\n\" token")
	}
	opt := runtime.ChatOptions{System: "You are terse.", Sampler: runtime.SamplerOptions{Temperature: 1, TopP: 0.9, Seed: 3}, MaxTokens: 40}
	c := m.NewChat(nil, opt)
	var pieces [][]byte
	st, err := c.Reply(context.Background(), "Hello\n\n\nthere", func(b []byte) error {
		pieces = append(pieces, slices.Clone(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	reply := []byte{}
	for _, p := range pieces {
		if !utf8.Valid(p) && utf8.Valid(append(slices.Clone(reply), p...)) {
			t.Errorf("piece %q splits a character", p)
		}
		reply = append(reply, p...)
	}
	if strings.Contains(string(reply), "\n\n") {
		t.Errorf("reply %q contains the end of turn", reply)
	}
	prompt := m.Tokenizer.Encode([]byte(runtime.SystemSegment(opt.System) + runtime.UserSegment("Hello\nthere", false)))
	if st.PromptTokens != len(prompt) {
		t.Errorf("prompt of %d tokens, want %d (system + user)", st.PromptTokens, len(prompt))
	}
	closing := 0
	if st.StopReason != runtime.StopString {
		closing = len(m.Tokenizer.Encode([]byte("\n\n")))
	}
	if want := int64(len(prompt) + st.GeneratedTokens + closing); c.Tokens() != want {
		t.Errorf("state after the reply holds %d tokens, want %d (stop: %s)", c.Tokens(), want, st.StopReason)
	}

	// The second message has no system segment.
	before := c.Tokens()
	st2, err := c.Reply(context.Background(), "More", func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if want := len(m.Tokenizer.Encode([]byte(runtime.UserSegment("More", false)))); st2.PromptTokens != want {
		t.Errorf("second prompt %d tokens, want %d", st2.PromptTokens, want)
	}
	if c.Tokens() <= before {
		t.Error("the second reply did not advance the state")
	}

	// Save, reset, load.
	path := filepath.Join(t.TempDir(), "chat.state")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	c.Reset()
	if c.Tokens() != 0 {
		t.Errorf("after Reset: %d tokens", c.Tokens())
	}
	if err := c.Load(path); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again.state")
	if err := c.Save(again); err != nil {
		t.Fatal(err)
	}
	if a, b := readFile(t, path), readFile(t, again); !bytes.Equal(a, b) {
		t.Error("Load did not restore the saved state")
	}
	if _, err := c.Reply(context.Background(), " \n\n ", nil); !errors.Is(err, runtime.ErrEmptyMessage) {
		t.Errorf("empty message: %v", err)
	}
}

// Cancelling a reply keeps what was said, closes the turn, and the next
// message works; cancelling before the reply starts undoes the prompt.
func TestChatCancel(t *testing.T) {
	m := chatModel(t)
	c := m.NewChat(nil, runtime.ChatOptions{Sampler: runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: 1}})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	st, err := c.Reply(ctx, "Tell me everything.", func(b []byte) error {
		if n++; n == 5 {
			cancel()
		}
		return nil
	})
	if err != nil || st.StopReason != runtime.StopCancelled {
		t.Fatalf("cancelled reply: %v, stop %q", err, st.StopReason)
	}
	if st.GeneratedTokens < 5 {
		t.Errorf("%d tokens before the cancel", st.GeneratedTokens)
	}
	tokens := c.Tokens()
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	st, err = c.Reply(ctx, "Ignored.", nil)
	if err != nil || st.StopReason != runtime.StopCancelled || c.Tokens() != tokens {
		t.Errorf("cancelled before the prompt: %v, %q, state %d tokens, want %d", err, st.StopReason, c.Tokens(), tokens)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
