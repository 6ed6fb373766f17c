package runtime

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gosling-edge/gosling/arm64"
)

// SamplerOptions are the knobs of the official RWKV sampler
// (PIPELINE.sample_logits and the penalties of PIPELINE.generate in the
// `rwkv` pip package, BlinkDL/ChatRWKV rwkv_pip_package/src/rwkv/utils.py).
type SamplerOptions struct {
	Temperature float32 // 0 = greedy (the official code: T 1 with top-p 0)
	TopP        float32 // nucleus mass kept, 0..1; 1 keeps every token
	TopK        int     // 0 = no limit
	Presence    float32 // subtracted from a token's logit once it has appeared
	Frequency   float32 // subtracted per (decayed) occurrence
	Decay       float32 // occurrences are multiplied by this after every token (0 = 1, no decay)
	Seed        uint64  // seeds the random source when the Sampler is made (NewSampler) or reseeded (Sampler.Seed)
}

// DefaultSampler is the official chat setting (ChatRWKV API_DEMO_CHAT.py).
var DefaultSampler = SamplerOptions{Temperature: 1.0, TopP: 0.3, Presence: 0.5, Frequency: 0.5, Decay: 0.996}

// CompletionSampler is the setting for plain continuation (gosling run,
// the server's /v1/completions): the nucleus of the official generate
// example, without penalties (OpenAI's defaults are 0 too).
var CompletionSampler = SamplerOptions{Temperature: 1.0, TopP: 0.85, Decay: 0.996}

// SamplerOptionError is what Validate returns: the option (a field name
// of SamplerOptions), its value and the range it must be in, so that a
// caller can name the option its own way (a flag, a request field).
type SamplerOptionError struct {
	Option string // "Temperature", "TopP", "TopK", "Presence", "Frequency" or "Decay"
	Value  string
	Want   string // e.g. "0..1"
}

func (e *SamplerOptionError) Error() string {
	return fmt.Sprintf("sampler option %s = %s: want %s", e.Option, e.Value, e.Want)
}

// Validate reports the first option outside the range the sampler takes:
// temperature 0..100, top-p 0..1, top-k ≥ 0, presence and frequency
// penalties -100..100, decay 0..1 (NaN is in no range). The error is a
// *SamplerOptionError.
func (o SamplerOptions) Validate() error {
	for _, c := range []struct {
		name   string
		v      float32
		lo, hi float32
	}{
		{"Temperature", o.Temperature, 0, 100},
		{"TopP", o.TopP, 0, 1},
		{"Presence", o.Presence, -100, 100},
		{"Frequency", o.Frequency, -100, 100},
		{"Decay", o.Decay, 0, 1},
	} {
		if !(c.v >= c.lo && c.v <= c.hi) { // NaN fails both
			return &SamplerOptionError{Option: c.name, Value: fmt.Sprint(c.v), Want: fmt.Sprintf("%v..%v", c.lo, c.hi)}
		}
	}
	if o.TopK < 0 {
		return &SamplerOptionError{Option: "TopK", Value: fmt.Sprint(o.TopK), Want: "≥ 0"}
	}
	return nil
}

// Sampler draws tokens from logits and keeps the penalty history of one
// generation. Its buffers are allocated once; Sample allocates nothing.
type Sampler struct {
	Opt        SamplerOptions
	rng        *rand.Rand
	probs      []float32
	order      []int32
	occurrence []float32 // decayed count per token
	present    []bool    // token has occurred (even with weight 0: it still pays the presence penalty)
	seen       []int32   // the tokens with present set, in order of first appearance

	keys        []uint64 // candidates packed for sorting
	bucketMass  [2048]float64
	bucketCount [2048]int32

	// The last Sample's weights are in probs: lastSum is their sum, 0 when
	// it drew with Argmax (redraw).
	lastSum float64
}

// NewSampler makes a sampler for a vocabulary of n logits.
func NewSampler(n int, opt SamplerOptions) *Sampler {
	s := &Sampler{
		Opt:        opt,
		probs:      make([]float32, n),
		order:      make([]int32, n),
		keys:       make([]uint64, 0, n),
		occurrence: make([]float32, n),
		present:    make([]bool, n),
		seen:       make([]int32, 0, n),
	}
	s.Seed(opt.Seed)
	return s
}

// Seed restarts the random source: the same seed, options and logits give
// the same tokens.
func (s *Sampler) Seed(seed uint64) {
	s.Opt.Seed = seed
	s.rng = rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// Reset forgets the penalty history (a new reply: the official chat loop
// and PIPELINE.generate both start every reply with no occurrences).
func (s *Sampler) Reset() {
	for _, t := range s.seen {
		s.occurrence[t] = 0
		s.present[t] = false
	}
	s.seen = s.seen[:0]
}

// Penalize applies the presence and frequency penalties to logits in place:
// every token that has occurred loses Presence + occurrence·Frequency.
func (s *Sampler) Penalize(logits []float32) {
	for _, t := range s.seen {
		if int(t) < len(logits) {
			logits[t] -= s.Opt.Presence + s.occurrence[t]*s.Opt.Frequency
		}
	}
}

// Observe records a generated token for the penalties, in the official
// order: every existing count decays, then the token's count grows by
// weight. A token observed with weight 0 still counts as present.
func (s *Sampler) Observe(token int, weight float32) {
	if token < 0 || token >= len(s.occurrence) {
		return
	}
	decay := s.Opt.Decay
	if decay == 0 {
		decay = 1
	}
	if decay != 1 {
		for _, t := range s.seen {
			s.occurrence[t] *= decay
		}
	}
	if !s.present[token] {
		s.present[token] = true
		s.seen = append(s.seen, int32(token))
	}
	s.occurrence[token] += weight
}

// Occurrence is the decayed count of a token and whether it has occurred.
func (s *Sampler) Occurrence(token int) (count float32, present bool) {
	if token < 0 || token >= len(s.occurrence) {
		return 0, false
	}
	return s.occurrence[token], s.present[token]
}

// PenaltyWeights says how much one occurrence of a token (its bytes)
// counts for the penalties.
type PenaltyWeights func(token []byte) float32

// GenerateWeights is the rule of the official PIPELINE.generate: a token
// whose text is a substring of " \t0123456789" (a space, a tab, digits)
// counts 0 (it still pays the presence penalty); every other token counts 1.
// The official chat loop counts every token 1 (a nil PenaltyWeights).
func GenerateWeights(tok []byte) float32 {
	if bytes.Contains([]byte(" \t0123456789"), tok) {
		return 0
	}
	return 1
}

// Sample draws a token as PIPELINE.sample_logits does: softmax (float32) →
// top-p → top-k → probabilities^(1/T) → renormalise → draw.
//
//   - Temperature 0 means T 1 with top-p 0: only the most likely token
//     survives (several, drawn uniformly, if they tie exactly).
//   - Top-p: the probabilities are sorted in decreasing order and summed
//     (float32, in that order); the cutoff is the probability at the first
//     position where the sum is ≥ top-p, or the largest probability if the
//     sum never gets there (numpy's argmax of an all-false array is 0).
//     Every token below the cutoff is dropped; ties with it are kept.
//     Top-p ≥ 1 keeps every token: the official result there depends on
//     whether float32 rounding lets the sum reach exactly 1.
//   - Top-k keeps the k most probable tokens (among equal probabilities the
//     lower ids, where numpy's unstable argsort leaves the order open).
//   - The power 1/T is taken of p/max(p): the same distribution after
//     renormalising, without the float32 underflow that makes the official
//     code divide 0 by 0 at small temperatures.
//
// Logits with no finite maximum (all NaN or −Inf) give Argmax.
func (s *Sampler) Sample(logits []float32) int {
	kept, sum := s.weigh(logits)
	s.lastSum = sum
	if kept == nil {
		return Argmax(logits)
	}
	u := s.rng.Float64() * sum
	var acc float64
	for _, id := range kept {
		acc += float64(s.probs[id])
		if u < acc {
			return int(id)
		}
	}
	return int(kept[len(kept)-1])
}

// redraw draws again from the last Sample's distribution, restricted to
// the tokens whose logits are not -Inf: for drawsFromAll settings, the
// draw that Sample would make from these logits (the masked ones of the
// last Sample's), without a second softmax over the vocabulary. The
// weights are the last Sample's, relative to its own most likely token;
// false where they cannot stand for the masked draw (it drew with Argmax,
// or what remains holds under a millionth of the mass, where float32
// rounding would show), and the caller Samples the masked logits.
func (s *Sampler) redraw(logits []float32) (int, bool) {
	if !(s.lastSum > 0) {
		return 0, false
	}
	p := s.probs[:len(logits)]
	ninf := float32(math.Inf(-1))
	if s.Opt.Temperature <= 0 {
		// Greedy: the most likely tokens left, drawn uniformly.
		best, ties := float32(0), 0
		for i, l := range logits {
			if l != ninf {
				if p[i] > best {
					best, ties = p[i], 1
				} else if p[i] == best {
					ties++
				}
			}
		}
		if !(float64(best) > 1e-6*s.lastSum) {
			return 0, false
		}
		k := min(int(s.rng.Float64()*float64(ties)), ties-1)
		for i, l := range logits {
			if l != ninf && p[i] == best {
				if k == 0 {
					return i, true
				}
				k--
			}
		}
	}
	var sum float64
	for i, l := range logits {
		if l != ninf {
			sum += float64(p[i])
		}
	}
	if !(sum > 1e-6*s.lastSum) {
		return 0, false
	}
	u := s.rng.Float64() * sum
	var acc float64
	last := -1
	for i, l := range logits {
		if l != ninf {
			acc += float64(p[i])
			last = i
			if u < acc {
				return i, true
			}
		}
	}
	return last, true
}

// drawsFromAll reports whether Sample draws from the whole distribution of
// n logits, cut by no rank: greedy (every most likely token), or top-p 1
// without top-k. Then a draw under a mask is the draw without it,
// conditioned on landing in the mask (sampleUnder).
func (s *Sampler) drawsFromAll(n int) bool {
	return (s.Opt.Temperature <= 0 || s.Opt.TopP >= 1) && (s.Opt.TopK <= 0 || s.Opt.TopK >= n)
}

// Probabilities writes to dst (len(logits) values) the distribution Sample
// draws from: zero for every dropped token. It returns false, with dst
// untouched, for logits Sample answers with Argmax.
func (s *Sampler) Probabilities(dst, logits []float32) bool {
	kept, sum := s.weigh(logits)
	if kept == nil {
		return false
	}
	clear(dst)
	for _, id := range kept {
		dst[id] = float32(float64(s.probs[id]) / sum)
	}
	return true
}

// weigh runs every step of Sample but the draw: it returns the ids kept,
// most probable first where a rank cut them (top-p < 1 or top-k), in id
// order where every token is kept (numpy walks the whole vector in id
// order: the same distribution either way), with their unnormalised
// weights in s.probs, and the sum of the weights; nil when there is
// nothing to draw from.
func (s *Sampler) weigh(logits []float32) (kept []int32, sum float64) {
	p := s.probs[:len(logits)]
	if len(p) == 0 || !softmax(p, logits) {
		return nil, 0
	}
	return s.weighProbabilities(p)
}

// weighProbabilities is weigh after the softmax: p (s.probs) holds the
// probabilities.
func (s *Sampler) weighProbabilities(p []float32) (kept []int32, sum float64) {
	temp, topP := s.Opt.Temperature, s.Opt.TopP
	if temp <= 0 {
		temp, topP = 1, 0
	}
	var order []int32
	if topP >= 1 && (s.Opt.TopK <= 0 || s.Opt.TopK >= len(p)) {
		// Nothing is cut by rank: every token is kept, and the draw walks
		// them in id order as numpy does. Sorting 65,536 candidates for
		// no cut was most of a step's sampling time.
		order = s.order[:len(p)]
		for i := range order {
			order[i] = int32(i)
		}
	} else {
		order = s.candidates(p, topP, s.Opt.TopK)
	}

	cutoff := float32(0) // top-p ≥ 1: keep everything
	if topP < 1 {
		reached := false
		var cum float32
		for _, id := range order {
			cum += p[id]
			if cum >= topP {
				cutoff, reached = p[id], true
				break
			}
		}
		if !reached && len(order) == len(p) {
			cutoff = p[order[0]] // numpy: argmax(all false) = 0
		}
		// Not reached inside a top-k candidate set: the cutoff lies
		// beyond it, below every candidate, and top-k decides.
	}
	// Every token outside order is below the cutoff or outside the top k
	// (candidates guarantees it); only order needs looking at. The tokens
	// kept are a prefix of it.
	n := len(order)
	if s.Opt.TopK > 0 && s.Opt.TopK < n {
		n = s.Opt.TopK
	}
	for n > 1 && p[order[n-1]] < cutoff {
		n--
	}
	kept = order[:n]
	var maxP float64
	for _, id := range kept {
		maxP = max(maxP, float64(p[id]))
	}
	inv := 1 / float64(temp)
	for _, id := range kept {
		if temp != 1 {
			p[id] = float32(math.Pow(float64(p[id])/maxP, inv))
		}
		sum += float64(p[id])
	}
	if !(sum > 0) {
		return nil, 0
	}
	return kept, sum
}

// candidates returns token ids sorted by decreasing probability (ties by
// increasing id): a prefix of that order long enough to decide the
// sample. Sorting all V tokens per step is the slow part of sampling, so
// only the most probable tokens are sorted: a histogram of the
// probabilities (buckets of 1/8 octave) finds the threshold above which
// they hold top-p of the mass (or, with top-k, at least k tokens: then the
// nucleus can only be cut inside them or lies beyond the k-th token and
// top-k decides). Every token left out has a lower probability than every
// token in the result.
func (s *Sampler) candidates(p []float32, topP float32, topK int) []int32 {
	clear(s.bucketMass[:])
	clear(s.bucketCount[:])
	for _, v := range p {
		b := bucketOf(v)
		s.bucketMass[b] += float64(v)
		s.bucketCount[b]++
	}
	threshold, n, cum := 0, 0, 0.0
	for b := len(s.bucketMass) - 1; b > 0; b-- {
		cum += s.bucketMass[b]
		n += int(s.bucketCount[b])
		if n > 0 && ((topP < 1 && cum >= float64(topP)) || (topK > 0 && n >= topK)) {
			threshold = b - 1 // a bucket of margin: the float32 sum may round lower
			break
		}
	}
	order := s.collect(p, threshold)
	if topP < 1 && threshold > 0 && !(topK > 0 && len(order) >= topK) {
		// Make sure the float32 sum in sorted order gets to top-p inside
		// the candidates, or fall back to every token.
		var sum float32
		for _, id := range order {
			sum += p[id]
		}
		if sum < topP {
			order = s.collect(p, 0)
		}
	}
	return order
}

// bucketOf maps a probability (≥ 0) to its histogram bucket: the exponent
// and the top 3 bits of the mantissa, monotone in the value.
func bucketOf(v float32) uint32 { return math.Float32bits(v) >> 20 & 0x7ff }

// collect sorts the ids of the tokens in buckets ≥ threshold by decreasing
// probability, ties by increasing id. Each is packed with its probability
// into one uint64 so that a plain integer sort orders them: the bits of a
// non-negative float32 order like the value, complemented for decreasing.
func (s *Sampler) collect(p []float32, threshold int) []int32 {
	keys := s.keys[:0]
	for i, v := range p {
		if int(bucketOf(v)) >= threshold {
			keys = append(keys, uint64(^math.Float32bits(v))<<32|uint64(i))
		}
	}
	slices.Sort(keys)
	order := s.order[:len(keys)]
	for i, k := range keys {
		order[i] = int32(uint32(k))
	}
	return order
}

// softmax writes the softmax of x to p, in float32 like the official code.
// It reports false when x has no finite maximum.
func softmax(p, x []float32) bool {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	if math.IsInf(float64(m), 0) || math.IsNaN(float64(m)) {
		return false
	}
	var sum float32
	for i, v := range x {
		e := expNonPositive(v - m)
		p[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range p {
		p[i] *= inv
	}
	return true
}

// Argmax returns the index of the largest value (the first on ties; NaN
// never wins).
func Argmax(x []float32) int {
	// The largest value first (NEON on arm64), then its first position;
	// ±0 compare equal, as below. A NaN anywhere takes the scalar loop.
	if m := arm64.Max(x); m == m && len(x) > 0 {
		return arm64.Index(x, m)
	}
	best := 0
	for i, v := range x {
		if v > x[best] || x[best] != x[best] {
			best = i
		}
	}
	return best
}

// expNonPositive is e^x for x ≤ 0 in float32 (relative error ~1e-7; 0 for
// x < −87, where the result would be subnormal, and for NaN). The softmax
// over a 65536-token vocabulary is most of a sampling step, and math.Exp
// works in float64 for precision the sampler has no use for.
func expNonPositive(x float32) float32 {
	if !(x >= -87) { // also NaN
		return 0
	}
	// e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln 2 / 2; ln 2 split
	// in two parts so that r = x − n·ln 2 is exact enough.
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693359375
		ln2Lo = -2.12194440e-4
	)
	n := float32(int32(x*log2e - 0.5)) // x ≤ 0: rounds to nearest
	r := x - n*ln2Hi - n*ln2Lo
	// Taylor-like minimax polynomial of e^r on [−ln 2/2, ln 2/2].
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	return e * math.Float32frombits(uint32(int32(n)+127)<<23)
}
