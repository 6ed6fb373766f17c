package runtime_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/internal/shadow"
)

// A Chat on a Backend that keeps the state off the host behaves as one on
// the CPU: Save writes the state the device holds, a prompt cancelled
// before it is read is undone to the device's state, and SetStart, Load
// and Reset replace the device's state even with the same Tokens count.
func TestChatOnBackendMatchesCPU(t *testing.T) {
	m := chatModel(t)
	opt := runtime.ChatOptions{System: "Be brief.", Sampler: runtime.SamplerOptions{Temperature: 1, TopP: 0.9, Seed: 4}, MaxTokens: 12}
	cpu, dev := m.NewChat(nil, opt), m.NewChat(shadow.New(m), opt)
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
		logits, err := m.NewGenerator(nil, runtime.SamplerOptions{}).Feed(context.Background(), s, tokens, nil)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "other.state")
		if err := runtime.SaveState(path, m, s, logits); err != nil {
			t.Fatal(err)
		}
		return s, slices.Clone(logits), path
	}
	other, otherLogits, _ := sameLength(dev.Tokens())
	step("SetStart to a state of the same length", func(c *runtime.Chat) (string, error) { return "", c.SetStart(other, otherLogits) })
	step("reply after SetStart", reply(context.Background(), "And now?"))
	step("Reset", func(c *runtime.Chat) (string, error) { c.Reset(); return "", nil })
	step("reply after Reset", reply(context.Background(), "Once more"))
	_, _, path := sameLength(dev.Tokens())
	step("Load a state of the same length", func(c *runtime.Chat) (string, error) { return "", c.Load(path) })
	step("reply after Load", reply(context.Background(), "Last one"))
}

// A Generator on a Backend gives what it gives on the CPU: a prompt of
// several chunks goes to the device a chunk a step, and SaveState writes
// the state the device holds, not the stale host copy.
func TestGeneratorOnBackendMatchesCPU(t *testing.T) {
	m := chatModel(t)
	prompt := make([]int32, 2*runtime.DefaultChunk+5)
	for i := range prompt {
		prompt[i] = int32(1 + (i*37)%(m.Vocab-1))
	}
	dir := t.TempDir()
	run := func(step runtime.Stepper, name string) (text string, state []byte) {
		t.Helper()
		g := m.NewGenerator(step, runtime.SamplerOptions{Temperature: 1, TopP: 0.9, Seed: 5})
		s := m.NewState()
		var out []byte
		st, err := g.Generate(context.Background(), s, prompt, nil, runtime.GenerateOptions{MaxTokens: 10, BanEndOfText: true},
			func(b []byte) error { out = append(out, b...); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if st.GeneratedTokens != 10 {
			t.Fatalf("%s: %d tokens generated, want 10", name, st.GeneratedTokens)
		}
		path := filepath.Join(dir, name)
		if err := g.SaveState(path, s, g.Logits()); err != nil {
			t.Fatal(err)
		}
		return string(out), readFile(t, path)
	}
	dev := shadow.New(m)
	textCPU, stateCPU := run(nil, "cpu.state")
	textDev, stateDev := run(dev, "dev.state")
	if textCPU != textDev {
		t.Errorf("text: cpu %q, backend %q", textCPU, textDev)
	}
	if !bytes.Equal(stateCPU, stateDev) {
		t.Error("the backend's generator saved another state than the cpu's")
	}
	if want := (len(prompt) + dev.Chunk() - 1) / dev.Chunk(); dev.Prefills != want {
		t.Errorf("the prompt of %d tokens took %d Prefill calls, want %d (chunks of %d)", len(prompt), dev.Prefills, want, dev.Chunk())
	}
}
