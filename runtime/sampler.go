package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
)

// SamplerOptions are the knobs of the official RWKV sampler
// (PIPELINE.sample_logits and the penalties of PIPELINE.generate in the
// `rwkv` pip package).
type SamplerOptions struct {
	Temperature float32 // 0 = greedy
	TopP        float32 // nucleus mass kept, 0..1
	TopK        int     // 0 = no limit
	Presence    float32 // subtracted once a token has appeared
	Frequency   float32 // subtracted per (decayed) occurrence
	Decay       float32 // occurrences are multiplied by this after every token
	Seed        uint64
}

// DefaultSampler is the official chat setting.
var DefaultSampler = SamplerOptions{Temperature: 1.0, TopP: 0.3, Presence: 0.5, Frequency: 0.5, Decay: 0.996}

// Sampler draws tokens from logits. Its buffers are allocated once.
type Sampler struct {
	Opt        SamplerOptions
	rng        *rand.Rand
	probs      []float32
	order      []int32
	occurrence []float32 // decayed count per token
	seen       []int32   // tokens with a non-zero occurrence
}

// NewSampler makes a sampler for a vocabulary of n logits.
func NewSampler(n int, opt SamplerOptions) *Sampler {
	return &Sampler{
		Opt:        opt,
		rng:        rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15)),
		probs:      make([]float32, n),
		order:      make([]int32, n),
		occurrence: make([]float32, n),
	}
}

// Reset forgets the penalty history (a new conversation).
func (s *Sampler) Reset() {
	for _, t := range s.seen {
		s.occurrence[t] = 0
	}
	s.seen = s.seen[:0]
}

// Penalize applies the presence and frequency penalties to logits in place.
func (s *Sampler) Penalize(logits []float32) {
	for _, t := range s.seen {
		logits[t] -= s.Opt.Presence + s.occurrence[t]*s.Opt.Frequency
	}
}

// Observe records a generated token for the penalties: every count decays,
// then the token's count grows by one (by zero for whitespace and digits,
// which the official generator does not penalise; pass weight accordingly).
func (s *Sampler) Observe(token int, weight float32) {
	decay := s.Opt.Decay
	if decay == 0 {
		decay = 1
	}
	for _, t := range s.seen {
		s.occurrence[t] *= decay
	}
	if s.occurrence[token] == 0 && weight != 0 {
		s.seen = append(s.seen, int32(token))
	}
	s.occurrence[token] += weight
}

// Sample draws a token: softmax → top-p → top-k → probabilities^(1/T) →
// renormalise → draw. Temperature 0 keeps only the most likely token.
func (s *Sampler) Sample(logits []float32) int {
	temp, topP := s.Opt.Temperature, s.Opt.TopP
	if temp <= 0 {
		temp, topP = 1, 0
	}
	p := s.probs[:len(logits)]
	softmax(p, logits)

	// The nucleus cutoff is the probability of the first token, in order of
	// decreasing probability, at which the cumulative mass reaches top_p;
	// everything below it is dropped (ties kept). Sorting all V tokens per
	// step is the slow part of sampling, so only a candidate set that is
	// sure to contain the nucleus is sorted: the tokens above a threshold
	// whose total mass already reaches top_p.
	order := s.nucleusCandidates(p, topP)
	var cum float32
	cutoff := p[order[0]]
	for _, id := range order {
		cum += p[id]
		if cum >= topP {
			cutoff = p[id]
			break
		}
	}
	for i, v := range p {
		if v < cutoff {
			p[i] = 0
		}
	}
	if k := s.Opt.TopK; k > 0 && k < len(order) {
		for _, id := range order[k:] {
			p[id] = 0
		}
	}
	var sum float64
	inv := float64(1 / temp)
	for i, v := range p {
		if v == 0 {
			continue
		}
		if temp != 1 {
			v = float32(math.Pow(float64(v), inv))
			p[i] = v
		}
		sum += float64(v)
	}
	if sum == 0 || math.IsNaN(sum) {
		return int(order[0])
	}
	u := s.rng.Float64() * sum
	var acc float64
	last := int(order[0])
	for i, v := range p {
		if v == 0 {
			continue
		}
		acc += float64(v)
		last = i
		if u < acc {
			return i
		}
	}
	return last
}

// nucleusCandidates returns, sorted by decreasing probability (ties by
// id), a prefix of all token ids in that order whose mass reaches topP, or
// every id if none does.
func (s *Sampler) nucleusCandidates(p []float32, topP float32) []int32 {
	var maxP float32
	for _, v := range p {
		maxP = max(maxP, v)
	}
	t := maxP
	var order []int32
	for {
		order = s.order[:0]
		var mass float32
		for i, v := range p {
			if v >= t {
				order = append(order, int32(i))
				mass += v
			}
		}
		if mass >= topP || t == 0 {
			break
		}
		if t *= 1.0 / 16; t < 1e-30 {
			t = 0
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		switch {
		case p[a] > p[b]:
			return -1
		case p[a] < p[b]:
			return 1
		}
		return 0
	})
	return order
}

// softmax writes the softmax of x to p, in float32 like the official code.
func softmax(p, x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		p[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range p {
		p[i] *= inv
	}
}

// Argmax returns the index of the largest value (the first on ties).
func Argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
