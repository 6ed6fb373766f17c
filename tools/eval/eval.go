// Package eval measures what quantization costs: it runs a quantized model
// and a reference model (normally the F32 or F16 file of the same
// checkpoint) token by token over the same tokens and compares their
// next-token distributions. `gosling eval` prints its Result; the default
// quantization policy of `gosling convert` was chosen with it.
//
// The same Comparison judges an accelerator back end against the CPU path
// (CheckBackend, which `gosling cuda-check` runs), and WriteLogits and
// WriteState write what `gosling logits` gives other implementations to
// compare with, in the reference fixtures' layout.
//
// What is computed, for a sequence of n tokens t_0 … t_{n−1} fed one at a
// time from the zero state (no token is prepended):
//
//   - Step i (0 ≤ i < n) gives logits ℓ_ref and ℓ_q (all V rows of the
//     output matrix, padding rows included), turned into distributions
//     p = softmax(ℓ_ref), q = softmax(ℓ_q) in float64.
//   - KL(ref‖quant) at step i = Σ_v p_v (log p_v − log q_v), in nats; the
//     Result has its mean, maximum (and where), median and 99th percentile
//     over the n steps. This is what llama.cpp's `llama-perplexity
//     --kl-divergence` reports as "KLD".
//   - Top-1 agreement: the share of steps where argmax ℓ_ref = argmax ℓ_q
//     (ties go to the lowest id).
//   - max |Δlogit| = max over steps and rows of |ℓ_ref − ℓ_q|; mean |Δlogit|
//     is the mean over the same n·V values.
//   - Perplexity of each model = exp(−(1/(n−1)) Σ_{i<n−1} log p(t_{i+1})),
//     the probability each model gave the token that actually came next;
//     steps 0 … n−2 count, the last step has no next token. With fewer than
//     two tokens there is no perplexity (NaN).
//   - A step where either model gives a NaN or infinite logit is counted
//     apart (Result.Infinities): its KL is +Inf, its logits stay out of
//     both |Δlogit| statistics (the mean is over the finite steps' values),
//     and the model that gave it has no perplexity (NaN) if the step's next
//     token is scored.
package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
)

// Result is the comparison of a quantized model with its reference. Its
// JSON form (MarshalJSON) has the keys the field comments name, and null
// where a value is NaN or infinite.
type Result struct {
	Tokens int // tokens: steps compared (next-token distributions)
	Vocab  int // vocab: rows of each distribution

	MeanKL   float64 // mean_kl: nats
	MaxKL    float64 // max_kl: nats
	MaxKLAt  int     // max_kl_at: step of the maximum
	MedianKL float64 // median_kl
	P99KL    float64 // p99_kl

	Top1Agree int     // top1_agree: steps where both argmaxes are equal
	Top1      float64 // top1: Top1Agree / Tokens

	MaxAbsDiff   float64 // max_abs_dlogit
	MaxAbsDiffAt [2]int  // max_abs_dlogit_at: step, row
	MeanAbsDiff  float64 // mean_abs_dlogit
	// MaxAbsRef is the largest |logit| of the reference over the finite
	// steps: the scale MaxAbsDiff is judged against (Within). Not in the
	// JSON form.
	MaxAbsRef float64

	Predicted  int     // predicted: steps with a known next token (Tokens−1)
	PPLRef     float64 // ppl_ref
	PPLQuant   float64 // ppl_quant
	NLLRef     float64 // nll_ref: mean negative log-likelihood, nats per token
	NLLQuant   float64 // nll_quant
	Infinities int     // nonfinite_steps: steps where a model gave a non-finite logit
}

// MarshalJSON writes r with NaN and infinities (no perplexity for one
// token, infinite KL for a broken model), which JSON cannot hold, as null.
func (r Result) MarshalJSON() ([]byte, error) {
	m := map[string]any{"tokens": r.Tokens, "vocab": r.Vocab, "top1_agree": r.Top1Agree, "predicted": r.Predicted,
		"max_kl_at": r.MaxKLAt, "max_abs_dlogit_at": r.MaxAbsDiffAt, "nonfinite_steps": r.Infinities}
	for name, v := range map[string]float64{"mean_kl": r.MeanKL, "max_kl": r.MaxKL, "median_kl": r.MedianKL,
		"p99_kl": r.P99KL, "top1": r.Top1, "max_abs_dlogit": r.MaxAbsDiff, "mean_abs_dlogit": r.MeanAbsDiff,
		"ppl_ref": r.PPLRef, "ppl_quant": r.PPLQuant, "nll_ref": r.NLLRef, "nll_quant": r.NLLQuant} {
		m[name] = v
		if math.IsNaN(v) || math.IsInf(v, 0) {
			m[name] = nil
		}
	}
	return json.Marshal(m)
}

// Summary is the |Δlogit| and top-1 part of r on one line, the form
// `gosling cuda-check` prints for each of its comparisons.
func (r Result) Summary() string {
	s := fmt.Sprintf("max|Δ| %.3g (max|logit| %.3g, relative %.2g), top-1 %d/%d",
		r.MaxAbsDiff, r.MaxAbsRef, r.MaxAbsDiff/max(r.MaxAbsRef, 1e-30), r.Top1Agree, r.Tokens)
	if r.Infinities > 0 {
		s += fmt.Sprintf(", %d steps with non-finite logits", r.Infinities)
	}
	return s
}

// Within reports whether the compared logits stay close to the reference:
// every step finite, max |Δlogit| at most tol × the reference's largest
// |logit|, and the same top-1 token on at least 90% of the steps.
func (r Result) Within(tol float64) bool {
	return r.Infinities == 0 && r.MaxAbsDiff <= tol*max(r.MaxAbsRef, 1e-30) && r.Top1Agree*10 >= r.Tokens*9
}

// Comparison accumulates the statistics step by step. The zero value is
// ready to use; Add the logits of each step, then read Result.
type Comparison struct {
	kl           []float64
	agree        int
	maxDiff      float64
	maxDiffAt    [2]int
	maxRef       float64
	sumDiff      float64
	values       int // logits in sumDiff: those of the finite steps
	nllRef, nllQ float64
	predicted    int
	vocab        int
	nonFinite    int
	// lpRef and lpQ are the last step's log-softmax, kept until Next knows
	// which token came after it (all NaN after a non-finite step).
	lpRef, lpQ []float64
	pending    bool
}

// Add compares the logits of one step. The two slices must have the same
// length, and every step of a Comparison the same length.
func (c *Comparison) Add(ref, quant []float32) error {
	if len(ref) != len(quant) || len(ref) == 0 {
		return fmt.Errorf("eval: logits of %d and %d values", len(ref), len(quant))
	}
	if c.vocab == 0 {
		c.vocab = len(ref)
		c.lpRef, c.lpQ = make([]float64, len(ref)), make([]float64, len(ref))
	} else if len(ref) != c.vocab {
		return fmt.Errorf("eval: step %d has %d logits, earlier steps %d", len(c.kl), len(ref), c.vocab)
	}
	// Both are computed whatever the other gives: a non-finite step must
	// leave NaN in both, not the previous step's values, for Next to see.
	finiteRef := logSoftmax(c.lpRef, ref)
	finiteQ := logSoftmax(c.lpQ, quant)
	step := len(c.kl)
	if runtime.Argmax(ref) == runtime.Argmax(quant) {
		c.agree++
	}
	if !finiteRef || !finiteQ {
		// Counted apart: its KL is +Inf, and its logits stay out of the
		// |Δlogit| statistics, which a NaN or an infinity would swamp.
		c.nonFinite++
		c.kl = append(c.kl, math.Inf(1))
		c.pending = true
		return nil
	}
	var kl float64
	for v, lp := range c.lpRef {
		if p := math.Exp(lp); p > 0 {
			kl += p * (lp - c.lpQ[v])
		}
	}
	if kl < 0 { // rounding when the distributions are equal
		kl = 0
	}
	c.kl = append(c.kl, kl)
	for v := range ref {
		d := math.Abs(float64(ref[v]) - float64(quant[v]))
		if d > c.maxDiff {
			c.maxDiff, c.maxDiffAt = d, [2]int{step, v}
		}
		c.sumDiff += d
		c.maxRef = max(c.maxRef, math.Abs(float64(ref[v])))
	}
	c.values += len(ref)
	c.pending = true
	return nil
}

// Next tells the comparison which token followed the last step Added: the
// log-probability both models gave it counts towards their perplexity.
func (c *Comparison) Next(token int) error {
	if !c.pending {
		return errors.New("eval: Next without a step to score")
	}
	if token < 0 || token >= c.vocab {
		return fmt.Errorf("eval: next token %d outside the %d rows", token, c.vocab)
	}
	// After a non-finite step both are NaN, and so is the perplexity.
	c.nllRef -= c.lpRef[token]
	c.nllQ -= c.lpQ[token]
	c.predicted++
	c.pending = false
	return nil
}

// Result summarises every step added so far.
func (c *Comparison) Result() Result {
	r := Result{Tokens: len(c.kl), Vocab: c.vocab, Top1Agree: c.agree, MaxAbsDiff: c.maxDiff,
		MaxAbsRef: c.maxRef, MaxAbsDiffAt: c.maxDiffAt, Predicted: c.predicted, Infinities: c.nonFinite,
		MeanKL: math.NaN(), MedianKL: math.NaN(), P99KL: math.NaN(), MaxKL: math.NaN(), Top1: math.NaN(),
		MeanAbsDiff: math.NaN(), PPLRef: math.NaN(), PPLQuant: math.NaN(), NLLRef: math.NaN(), NLLQuant: math.NaN()}
	if n := len(c.kl); n > 0 {
		var sum float64
		r.MaxKL = -1
		for i, k := range c.kl {
			sum += k
			if k > r.MaxKL {
				r.MaxKL, r.MaxKLAt = k, i
			}
		}
		r.MeanKL = sum / float64(n)
		sorted := slices.Clone(c.kl)
		slices.Sort(sorted)
		r.MedianKL = quantile(sorted, 0.5)
		r.P99KL = quantile(sorted, 0.99)
		r.Top1 = float64(c.agree) / float64(n)
		r.MeanAbsDiff = c.sumDiff / float64(c.values)
	}
	if c.predicted > 0 {
		r.NLLRef = c.nllRef / float64(c.predicted)
		r.NLLQuant = c.nllQ / float64(c.predicted)
		r.PPLRef = math.Exp(r.NLLRef)
		r.PPLQuant = math.Exp(r.NLLQuant)
	}
	return r
}

// quantile of sorted values, interpolating linearly between neighbours.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(pos)
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(lo)
	return sorted[lo]*(1-f) + sorted[lo+1]*f
}

// logSoftmax writes log softmax(x) to out in float64 and reports whether
// every logit was finite; if one was not, out is all NaN.
func logSoftmax(out []float64, x []float32) bool {
	mx := math.Inf(-1)
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			for i := range out {
				out[i] = math.NaN()
			}
			return false
		}
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - mx)
	}
	lse := mx + math.Log(sum)
	for i, v := range x {
		out[i] = float64(v) - lse
	}
	return true
}

// Options tune Run.
type Options struct {
	// Progress, when set, is called after each step with the steps done
	// and the total.
	Progress func(done, total int)
}

// Run feeds tokens to both models from the zero state and compares every
// step (see the package comment for what is computed). The models must
// have the same number of output rows and the same tokenizer.
func Run(ref, quant *runtime.Model, tokens []int, opt Options) (Result, error) {
	if err := Compatible(ref, quant); err != nil {
		return Result{}, err
	}
	if len(tokens) == 0 {
		return Result{}, errors.New("eval: no tokens")
	}
	for i, t := range tokens {
		if t < 0 || t >= ref.Vocab {
			return Result{}, fmt.Errorf("eval: token %d (position %d) outside the model's %d rows", t, i, ref.Vocab)
		}
	}
	cr, sr := ref.NewContext(), ref.NewState()
	cq, sq := quant.NewContext(), quant.NewState()
	var c Comparison
	for i, t := range tokens {
		if i > 0 {
			if err := c.Next(t); err != nil {
				return Result{}, err
			}
		}
		lr, err := cr.Forward(sr, t)
		if err != nil {
			return Result{}, fmt.Errorf("reference model, position %d: %w", i, err)
		}
		lq, err := cq.Forward(sq, t)
		if err != nil {
			return Result{}, fmt.Errorf("quantized model, position %d: %w", i, err)
		}
		if err := c.Add(lr, lq); err != nil {
			return Result{}, err
		}
		if opt.Progress != nil {
			opt.Progress(i+1, len(tokens))
		}
	}
	return c.Result(), nil
}

// Compatible checks that two models can be compared: same output rows and
// the same vocabulary, token by token.
func Compatible(ref, quant *runtime.Model) error {
	if ref.Vocab != quant.Vocab {
		return fmt.Errorf("eval: the models have %d and %d output rows", ref.Vocab, quant.Vocab)
	}
	return SameTokenizer(ref.Tokenizer, quant.Tokenizer)
}

// SameTokenizer reports an error naming the first id where a and b differ.
// Trailing holes (padding) do not count.
func SameTokenizer(a, b *tokenizer.Tokenizer) error {
	n := max(a.Size(), b.Size())
	for id := 0; id < n; id++ {
		ta, tb := a.Token(id), b.Token(id)
		if !bytes.Equal(ta, tb) {
			return fmt.Errorf("eval: the models' tokenizers differ at id %d (%q vs %q)", id, ta, tb)
		}
	}
	return nil
}

// Tokenize is the reference model's encoding of text.
func Tokenize(m *runtime.Model, text []byte) []int {
	ids := m.Tokenizer.Encode(text)
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

// BitsPerWeight is 8 × tensor bytes / tensor elements over the whole file.
func BitsPerWeight(m *runtime.Model) float64 {
	var elems uint64
	for i := range m.File.Tensors {
		elems += m.File.Tensors[i].Elements()
	}
	if elems == 0 {
		return math.NaN()
	}
	return 8 * float64(m.WeightBytes()) / float64(elems)
}
