package eval_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/eval"
	"github.com/gosling-edge/gosling/tools/synth"
	"github.com/gosling-edge/gosling/tools/synth/synthtest"
)

// near allows for ln 3 rounded to float32 in the inputs.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// Equal logits: nothing differs, and perplexity is that of the shared
// distribution.
func TestIdenticalLogits(t *testing.T) {
	var c eval.Comparison
	// Uniform over 4: every next token has probability 1/4, perplexity 4.
	l := []float32{1, 1, 1, 1}
	for i := 0; i < 3; i++ {
		if i > 0 {
			if err := c.Next(i); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Add(l, l); err != nil {
			t.Fatal(err)
		}
	}
	r := c.Result()
	if r.Tokens != 3 || r.Predicted != 2 || r.MeanKL != 0 || r.MaxKL != 0 || r.Top1 != 1 || r.MaxAbsDiff != 0 {
		t.Errorf("identical logits: %+v", r)
	}
	if !near(r.PPLRef, 4) || !near(r.PPLQuant, 4) {
		t.Errorf("perplexity %v %v, want 4", r.PPLRef, r.PPLQuant)
	}
}

// Two steps computed by hand.
func TestHandComputed(t *testing.T) {
	var c eval.Comparison
	ln3 := float32(math.Log(3))
	// Step 0: p = (1/2, 1/2), q = (3/4, 1/4): KL = ½ln(2/3) + ½ln 2 = ½ln(4/3).
	// Argmax: both 0 (the tie in ref goes to the lowest id).
	if err := c.Add([]float32{0, 0}, []float32{ln3, 0}); err != nil {
		t.Fatal(err)
	}
	// Next token 1: ref gave it 1/2, quant 1/4.
	if err := c.Next(1); err != nil {
		t.Fatal(err)
	}
	// Step 1: p = (1/4, 3/4), q = (1/2, 1/2): KL = ¼ln(1/2) + ¾ln(3/2);
	// argmax 1 vs 0: disagree. |Δ| is on the raw logits: (5, 5−ln3).
	if err := c.Add([]float32{0, ln3}, []float32{5, 5}); err != nil {
		t.Fatal(err)
	}
	r := c.Result()
	kl0 := 0.5 * math.Log(4.0/3)
	kl1 := 0.25*math.Log(0.5) + 0.75*math.Log(1.5)
	if !near(r.MeanKL, (kl0+kl1)/2) {
		t.Errorf("mean KL %v, want %v", r.MeanKL, (kl0+kl1)/2)
	}
	wantMax, wantAt := kl0, 0
	if kl1 > kl0 {
		wantMax, wantAt = kl1, 1
	}
	if !near(r.MaxKL, wantMax) || r.MaxKLAt != wantAt {
		t.Errorf("max KL %v at %d, want %v at %d", r.MaxKL, r.MaxKLAt, wantMax, wantAt)
	}
	if r.Top1Agree != 1 || r.Top1 != 0.5 {
		t.Errorf("top-1 %d (%v), want 1 (0.5)", r.Top1Agree, r.Top1)
	}
	if r.MaxAbsDiff != 5 || r.MaxAbsDiffAt != [2]int{1, 0} {
		t.Errorf("max |Δ| %v at %v, want 5 at [1 0]", r.MaxAbsDiff, r.MaxAbsDiffAt)
	}
	wantMeanDiff := (float64(ln3) + 0 + 5 + (5 - float64(ln3))) / 4
	if !near(r.MeanAbsDiff, wantMeanDiff) {
		t.Errorf("mean |Δ| %v, want %v", r.MeanAbsDiff, wantMeanDiff)
	}
	if r.Predicted != 1 || !near(r.PPLRef, 2) || !near(r.PPLQuant, 4) {
		t.Errorf("perplexity over %d: %v %v, want 2 and 4 over 1", r.Predicted, r.PPLRef, r.PPLQuant)
	}
}

// Very large logits must not overflow the softmax.
func TestLargeLogits(t *testing.T) {
	var c eval.Comparison
	if err := c.Add([]float32{1e30, 0, -1e30}, []float32{1e30, 0, -1e30}); err != nil {
		t.Fatal(err)
	}
	if r := c.Result(); r.MeanKL != 0 || r.Infinities != 0 {
		t.Errorf("%+v", r)
	}
	c = eval.Comparison{}
	c.Add([]float32{0, 1}, []float32{float32(math.NaN()), 1})
	if r := c.Result(); r.Infinities != 1 || !math.IsInf(r.MaxKL, 1) {
		t.Errorf("NaN logit: %+v", r)
	}
}

// A step with a non-finite logit is counted apart: the next token is
// scored with that step's (NaN) log-probabilities for the model that gave
// it, not with the previous step's, and its logits stay out of |Δlogit|.
func TestNonFiniteStep(t *testing.T) {
	ln3 := float32(math.Log(3))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		name       string
		ref, quant []float32 // step 1
		refNaN     bool      // which model's perplexity is lost
	}{
		{"NaN in the reference", []float32{nan, 0}, []float32{0, 0}, true},
		{"+Inf in the quantized model", []float32{0, 0}, []float32{inf, 0}, false},
	} {
		var c eval.Comparison
		// Step 0: both (1/4, 3/4); the next token, 1, had 3/4.
		if err := c.Add([]float32{0, ln3}, []float32{0, ln3}); err != nil {
			t.Fatal(err)
		}
		if err := c.Next(1); err != nil {
			t.Fatal(err)
		}
		// Step 1: the finite model gives (1/2, 1/2); token 1 follows.
		if err := c.Add(tc.ref, tc.quant); err != nil {
			t.Fatal(err)
		}
		if err := c.Next(1); err != nil {
			t.Fatal(err)
		}
		// Step 2: |Δ| = (0, 1).
		if err := c.Add([]float32{0, 0}, []float32{0, 1}); err != nil {
			t.Fatal(err)
		}
		r := c.Result()
		if r.Infinities != 1 || !math.IsInf(r.MaxKL, 1) || r.MaxKLAt != 1 || r.Tokens != 3 || r.Predicted != 2 {
			t.Errorf("%s: %+v", tc.name, r)
		}
		if r.MaxAbsDiff != 1 || r.MaxAbsDiffAt != [2]int{2, 1} || !near(r.MeanAbsDiff, 0.25) {
			t.Errorf("%s: max |Δ| %v at %v, mean %v; want 1 at [2 1], mean 0.25 over the finite steps",
				tc.name, r.MaxAbsDiff, r.MaxAbsDiffAt, r.MeanAbsDiff)
		}
		lost, kept := r.NLLQuant, r.NLLRef
		if tc.refNaN {
			lost, kept = r.NLLRef, r.NLLQuant
		}
		if want := (math.Log(4.0/3) + math.Log(2)) / 2; !math.IsNaN(lost) || !near(kept, want) {
			t.Errorf("%s: NLL of the model with the bad step %v (want NaN), of the other %v (want %v)", tc.name, lost, kept, want)
		}
	}
}

func TestMisuse(t *testing.T) {
	var c eval.Comparison
	if err := c.Next(0); err == nil {
		t.Error("Next before any Add accepted")
	}
	if err := c.Add([]float32{1, 2}, []float32{1}); err == nil {
		t.Error("logits of different lengths accepted")
	}
	c.Add([]float32{1, 2}, []float32{1, 2})
	if err := c.Add([]float32{1, 2, 3}, []float32{1, 2, 3}); err == nil {
		t.Error("a step of another length accepted")
	}
	if err := c.Next(2); err == nil {
		t.Error("next token outside the vocabulary accepted")
	}
	if err := c.Next(1); err != nil {
		t.Error(err)
	}
	if err := c.Next(1); err == nil {
		t.Error("two Next for one step accepted")
	}
	if r := (&eval.Comparison{}).Result(); !math.IsNaN(r.MeanKL) || !math.IsNaN(r.PPLRef) {
		t.Errorf("empty comparison: %+v", r)
	}
}

var small = synth.Shape{Layers: 2, Embd: 64, Vocab: 300, FFN: 128, RankW: 32, RankA: 32, RankV: 32, RankG: 32}

func writeModel(t *testing.T, typ quant.Type, vocab [][]byte) *runtime.Model {
	t.Helper()
	return writeShape(t, small, typ, vocab)
}

func writeShape(t *testing.T, shape synth.Shape, typ quant.Type, vocab [][]byte) *runtime.Model {
	t.Helper()
	p, err := convert.DefaultPolicy(typ)
	if err != nil {
		t.Fatal(err)
	}
	return synthtest.Model(t, shape, 3, convert.Options{Policy: p, Vocab: vocab})
}

func TestRunModels(t *testing.T) {
	ref := writeModel(t, quant.TypeF32, nil)
	q8 := writeModel(t, quant.TypeQ8_0, nil)
	tokens := eval.Tokenize(ref, []byte("The quick brown fox jumps over the lazy dog, again and again."))
	if len(tokens) < 10 {
		t.Fatalf("only %d tokens", len(tokens))
	}
	self, err := eval.Run(ref, ref, tokens, eval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if self.MeanKL != 0 || self.Top1 != 1 || self.MaxAbsDiff != 0 || self.PPLRef != self.PPLQuant || self.Tokens != len(tokens) {
		t.Errorf("a model against itself: %+v", self)
	}
	steps := 0
	r, err := eval.Run(ref, q8, tokens, eval.Options{Progress: func(done, total int) { steps = done }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Q8_0 vs F32 on %d tokens: mean KL %.2e, top-1 %.0f %%, max |Δ| %.3f, ppl %.1f vs %.1f",
		r.Tokens, r.MeanKL, 100*r.Top1, r.MaxAbsDiff, r.PPLRef, r.PPLQuant)
	if steps != len(tokens) {
		t.Errorf("progress reached %d of %d", steps, len(tokens))
	}
	// Q8_0 moves the logits a little, never a lot.
	if r.MeanKL <= 0 || r.MeanKL > 0.01 || r.MaxAbsDiff <= 0 || r.MaxAbsDiff > 0.5 {
		t.Errorf("Q8_0 vs F32: %+v", r)
	}
	if _, err := eval.Run(ref, q8, []int{1, small.Vocab}, eval.Options{}); err == nil {
		t.Error("a token outside the vocabulary accepted")
	}
	if _, err := eval.Run(ref, q8, nil, eval.Options{}); err == nil {
		t.Error("no tokens accepted")
	}
	if bpw := eval.BitsPerWeight(ref); bpw != 32 {
		t.Errorf("F32 model: %v bits per weight", bpw)
	}
}

func TestTokenizerMismatch(t *testing.T) {
	world, err := convert.WorldVocab()
	if err != nil {
		t.Fatal(err)
	}
	other := make([][]byte, len(world))
	copy(other, world)
	other[260] = []byte("xyzzy") // an id past the single bytes
	ref := writeModel(t, quant.TypeF32, nil)
	q := writeModel(t, quant.TypeQ8_0, other)
	_, err = eval.Run(ref, q, []int{1, 2}, eval.Options{})
	if err == nil || !strings.Contains(err.Error(), "260") {
		t.Errorf("different vocabularies: %v", err)
	}
}
