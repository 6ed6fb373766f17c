package eval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gosling-edge/gosling/runtime"
)

// BackendCheck is how far an accelerator back end is from the CPU path
// on the same tokens (CheckBackend): each comparison has the CPU as its
// reference.
type BackendCheck struct {
	// Decode: one token at a time, every step compared;
	// DecodeSeconds is the back end's time for those steps.
	Decode        Result
	DecodeSeconds float64
	// The final states after Decode: the largest |Δ| and the largest
	// |value| of the CPU's.
	StateMaxAbsDiff, StateMaxAbs float64
	// Prefill: every token as one prompt (Generator.Feed, in the device's
	// chunks), its last logits compared.
	Prefill Result
	// Mixed: prompts of uneven lengths and single steps on one state,
	// compared after each call (the state must carry across calls and
	// chunks).
	Mixed Result
	// Reset: the first token again after State.Reset, which must reach
	// the device.
	Reset Result

	tokens   []int32
	cpu, dev [][]float32 // the decode logits, for AgainstReference
}

// Within reports whether every comparison with the CPU, and the state, is
// within tol (Result.Within).
func (c *BackendCheck) Within(tol float64) bool {
	return c.Decode.Within(tol) && c.Prefill.Within(tol) && c.Mixed.Within(tol) && c.Reset.Within(tol) &&
		c.StateMaxAbsDiff <= tol*max(c.StateMaxAbs, 1e-30)
}

// String is the check as gosling cuda-check prints it, a line for each
// comparison.
func (c *BackendCheck) String() string {
	n := len(c.tokens)
	return fmt.Sprintf("decode:  %d tokens: %s (%.0f tok/s)\n", n, c.Decode.Summary(), float64(n)/c.DecodeSeconds) +
		fmt.Sprintf("state:   max|Δ| %.3g (max|state| %.3g)\n", c.StateMaxAbsDiff, c.StateMaxAbs) +
		fmt.Sprintf("prefill: %d tokens in one call: %s\n", n, c.Prefill.Summary()) +
		fmt.Sprintf("mixed:   prefill pieces and single steps: %s\n", c.Mixed.Summary()) +
		fmt.Sprintf("reset:   first token after State.Reset: %s\n", c.Reset.Summary())
}

// SeededTokens are n token ids drawn from seed in [1, vocabulary), where
// the vocabulary is the smaller of m's output rows and its tokenizer.
func SeededTokens(m *runtime.Model, n int, seed uint64) []int32 {
	vocab := min(m.Vocab, m.Tokenizer.Size())
	r := rand.New(rand.NewPCG(seed, 0x6f736c696e67))
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(1 + r.IntN(max(vocab-1, 1)))
	}
	return ids
}

// CheckBackend feeds tokens to m's CPU path (the reference, one token at a
// time) and to b, which must have been opened for m: one token at a time,
// as one prompt, and as prompts of uneven lengths mixed with single steps,
// then the first token again after a reset.
func CheckBackend(m *runtime.Model, b runtime.Backend, tokens []int32) (*BackendCheck, error) {
	if len(tokens) < 2 {
		return nil, errors.New("eval: a back end check needs at least 2 tokens")
	}
	c := BackendCheck{tokens: tokens}
	sCPU := m.NewState()
	cpu, err := record(m.NewContext(), sCPU, tokens)
	if err != nil {
		return nil, err
	}
	sDev := m.NewState()
	t0 := time.Now()
	dev, err := record(b, sDev, tokens)
	if err != nil {
		return nil, err
	}
	c.DecodeSeconds = time.Since(t0).Seconds()
	c.cpu, c.dev = cpu, dev
	if c.Decode, err = compare(cpu, dev); err != nil {
		return nil, err
	}
	if err := b.Sync(sDev); err != nil {
		return nil, err
	}
	for i, v := range sCPU.Floats() {
		c.StateMaxAbsDiff = max(c.StateMaxAbsDiff, math.Abs(float64(sDev.Floats()[i]-v)))
		c.StateMaxAbs = max(c.StateMaxAbs, math.Abs(float64(v)))
	}

	// Prompts go through a Generator, which cuts them into the device's
	// chunks, as every caller's prompts do.
	g := m.NewGenerator(b, runtime.SamplerOptions{})
	n := len(tokens)
	sPre := m.NewState()
	l, err := g.Feed(context.Background(), sPre, tokens, nil)
	if err != nil {
		return nil, err
	}
	if c.Prefill, err = compare(cpu[n-1:], [][]float32{l}); err != nil {
		return nil, err
	}
	var mixed Comparison
	sMix := m.NewState()
	for pos, steps := 0, 0; pos < n; steps++ {
		step := []int{1, 7, 3, 20, 1, 33}[steps%6]
		end := min(pos+step, n)
		if step == 1 {
			l, err = b.Forward(sMix, int(tokens[pos]))
		} else {
			l, err = g.Feed(context.Background(), sMix, tokens[pos:end], nil)
		}
		if err == nil {
			err = mixed.Add(cpu[end-1], l)
		}
		if err != nil {
			return nil, err
		}
		pos = end
	}
	c.Mixed = mixed.Result()
	if sPre.Tokens != int64(n) || sMix.Tokens != int64(n) {
		return nil, fmt.Errorf("token counts: prefill %d, mixed %d, want %d", sPre.Tokens, sMix.Tokens, n)
	}
	// A reset on the host must reach the device.
	sMix.Reset()
	if l, err = b.Forward(sMix, int(tokens[0])); err != nil {
		return nil, err
	}
	if c.Reset, err = compare(cpu[:1], [][]float32{l}); err != nil {
		return nil, err
	}
	return &c, nil
}

// AgainstReference runs the check's tokens through ref, a more precise
// model of the same vocabulary (e.g. the F32 file), on the CPU and
// compares the CPU's and the back end's decode logits with it: the back
// end should be no further from it than the CPU.
func (c *BackendCheck) AgainstReference(ref *runtime.Model) (cpu, backend Result, err error) {
	if ref.Vocab != len(c.cpu[0]) {
		return cpu, backend, fmt.Errorf("eval: the reference model has %d output rows, the model %d", ref.Vocab, len(c.cpu[0]))
	}
	want, err := record(ref.NewContext(), ref.NewState(), c.tokens)
	if err != nil {
		return cpu, backend, err
	}
	if cpu, err = compare(want, c.cpu); err != nil {
		return cpu, backend, err
	}
	backend, err = compare(want, c.dev)
	return cpu, backend, err
}

// record feeds tokens to step one at a time and returns a copy of the
// logits after each.
func record(step runtime.Stepper, s *runtime.State, tokens []int32) ([][]float32, error) {
	out := make([][]float32, len(tokens))
	for i, id := range tokens {
		l, err := step.Forward(s, int(id))
		if err != nil {
			return nil, err
		}
		out[i] = slices.Clone(l)
	}
	return out, nil
}

// compare compares recorded logits step by step.
func compare(ref, got [][]float32) (Result, error) {
	var c Comparison
	for i := range ref {
		if err := c.Add(ref[i], got[i]); err != nil {
			return Result{}, err
		}
	}
	return c.Result(), nil
}
