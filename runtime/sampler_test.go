package runtime

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// distributionOf runs the sampler's steps after the softmax on the exact
// probabilities p (powers of two, so every sum is exact in float32) and
// returns the normalised distribution.
func distributionOf(t *testing.T, opt SamplerOptions, p []float32) []float64 {
	t.Helper()
	s := NewSampler(len(p), opt)
	copy(s.probs, p)
	kept, sum := s.weighProbabilities(s.probs[:len(p)])
	if kept == nil {
		t.Fatalf("nothing kept from %v", p)
	}
	out := make([]float64, len(p))
	for _, id := range kept {
		out[id] = float64(s.probs[id]) / sum
	}
	return out
}

func near(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

// Top-p: the cutoff is the probability where the sorted cumulative sum
// first reaches top-p (≥, not >), and ties with it are kept.
func TestTopPBoundary(t *testing.T) {
	p := []float32{0.125, 0.5, 0.125, 0.25} // sorted: 0.5 (id 1), 0.25 (3), 0.125 (0, 2)
	for _, c := range []struct {
		topP float32
		want []float64
	}{
		{0, []float64{0, 1, 0, 0}},                 // greedy
		{0.5, []float64{0, 1, 0, 0}},               // 0.5 ≥ 0.5 at the first token
		{0.5001, []float64{0, 2. / 3, 0, 1. / 3}},  // needs the second
		{0.75, []float64{0, 2. / 3, 0, 1. / 3}},    // 0.75 ≥ 0.75 exactly: cut after id 3 (with > it would keep all)
		{0.76, []float64{0.125, 0.5, 0.125, 0.25}}, // cutoff 0.125: both tied tokens stay
		{1, []float64{0.125, 0.5, 0.125, 0.25}},
	} {
		got := distributionOf(t, SamplerOptions{Temperature: 1, TopP: c.topP}, p)
		if !near(got, c.want, 1e-7) {
			t.Errorf("top-p %v: %v, want %v", c.topP, got, c.want)
		}
	}
	// All tied: reaching top-p at the first token keeps every tie.
	got := distributionOf(t, SamplerOptions{Temperature: 1, TopP: 0.1}, []float32{0.25, 0.25, 0.25, 0.25})
	if !near(got, []float64{0.25, 0.25, 0.25, 0.25}, 1e-7) {
		t.Errorf("ties at the cutoff: %v", got)
	}
}

// When the cumulative sum never reaches top-p (float rounding of a sum
// just under 1), the official code takes numpy's argmax of an all-false
// array, 0: the cutoff is the largest probability.
func TestTopPNeverReached(t *testing.T) {
	p := []float32{0.125, 0.25, 0.5} // sums to 0.875
	got := distributionOf(t, SamplerOptions{Temperature: 1, TopP: 0.9}, p)
	if !near(got, []float64{0, 0, 1}, 0) {
		t.Errorf("never reached: %v, want only the largest", got)
	}
}

func TestTopK(t *testing.T) {
	p := []float32{0.125, 0.375, 0.1875, 0.3125}
	for _, c := range []struct {
		k    int
		topP float32
		want []float64
	}{
		{2, 1, []float64{0, 0.375 / 0.6875, 0, 0.3125 / 0.6875}},
		{1, 1, []float64{0, 1, 0, 0}},
		{4, 1, []float64{0.125, 0.375, 0.1875, 0.3125}},
		{9, 1, []float64{0.125, 0.375, 0.1875, 0.3125}},
		{3, 0.5, []float64{0, 0.375 / 0.6875, 0, 0.3125 / 0.6875}}, // top-p cuts first
		{1, 0.5, []float64{0, 1, 0, 0}},                            // top-k cuts first
		{3, 0.9, []float64{0, 0.375 / 0.875, 0.1875 / 0.875, 0.3125 / 0.875}},
	} {
		got := distributionOf(t, SamplerOptions{Temperature: 1, TopP: c.topP, TopK: c.k}, p)
		if !near(got, c.want, 1e-7) {
			t.Errorf("top-k %d top-p %v: %v, want %v", c.k, c.topP, got, c.want)
		}
	}
	// Ties at the k-th place: the lower ids stay.
	got := distributionOf(t, SamplerOptions{Temperature: 1, TopP: 1, TopK: 2}, []float32{0.25, 0.25, 0.25, 0.25})
	if !near(got, []float64{0.5, 0.5, 0, 0}, 0) {
		t.Errorf("top-k ties: %v", got)
	}
}

// The temperature raises the kept probabilities to 1/T before
// renormalising.
func TestTemperature(t *testing.T) {
	p := []float32{0.25, 0.5, 0.25}
	got := distributionOf(t, SamplerOptions{Temperature: 0.5, TopP: 1}, p)
	if want := []float64{1. / 6, 2. / 3, 1. / 6}; !near(got, want, 1e-7) {
		t.Errorf("T 0.5: %v, want %v", got, want)
	}
	got = distributionOf(t, SamplerOptions{Temperature: 2, TopP: 1}, p)
	r := math.Sqrt(0.5)
	if want := []float64{r / (1 + 2*r), 1 / (1 + 2*r), r / (1 + 2*r)}; !near(got, want, 1e-7) {
		t.Errorf("T 2: %v, want %v", got, want)
	}
	// A tiny temperature is greedy, without the official float32 underflow
	// (0.25^1000 = 0 would leave 0/0).
	got = distributionOf(t, SamplerOptions{Temperature: 1e-3, TopP: 1}, p)
	if !near(got, []float64{0, 1, 0}, 0) {
		t.Errorf("T 0.001: %v", got)
	}
}

func randomLogits(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// Temperature 0 (and a temperature close to it) is greedy: the sample is
// the argmax whatever the seed.
func TestGreedy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		logits := randomLogits(r, 1000, 3)
		want := Argmax(logits)
		for _, temp := range []float32{0, 1e-4} {
			s := NewSampler(len(logits), SamplerOptions{Temperature: temp, TopP: 0.9, TopK: 50, Seed: uint64(i)})
			if got := s.Sample(logits); got != want {
				t.Fatalf("T %v: %d, want argmax %d", temp, got, want)
			}
		}
	}
}

// naiveDistribution is PIPELINE.sample_logits step by step over the whole
// vocabulary (full sort, float32 cumulative sum), after our softmax.
func naiveDistribution(logits []float32, opt SamplerOptions) []float64 {
	temp, topP := float64(opt.Temperature), opt.TopP
	if temp <= 0 {
		temp, topP = 1, 0
	}
	p := make([]float32, len(logits))
	softmax(p, logits)
	ids := make([]int, len(p))
	for i := range ids {
		ids[i] = i
	}
	slices.SortStableFunc(ids, func(a, b int) int {
		switch {
		case p[a] > p[b]:
			return -1
		case p[a] < p[b]:
			return 1
		}
		return 0
	})
	var cutoff float32
	if topP < 1 {
		cutoff = p[ids[0]]
		var cum float32
		for _, id := range ids {
			cum += p[id]
			if cum >= topP {
				cutoff = p[id]
				break
			}
		}
	}
	q := make([]float64, len(p))
	for i, v := range p {
		if v >= cutoff {
			q[i] = float64(v)
		}
	}
	if k := opt.TopK; k > 0 && k < len(p) {
		for _, id := range ids[k:] {
			q[id] = 0
		}
	}
	var sum float64
	for i := range q {
		q[i] = math.Pow(q[i], 1/temp)
		sum += q[i]
	}
	for i := range q {
		q[i] /= sum
	}
	return q
}

// The candidate-set shortcut gives the same distribution as sorting the
// whole vocabulary.
func TestMatchesFullSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	opts := []SamplerOptions{
		{Temperature: 1, TopP: 0.3}, {Temperature: 1, TopP: 0.85}, {Temperature: 0.7, TopP: 0.95},
		{Temperature: 1.3, TopP: 0.5, TopK: 20}, {Temperature: 1, TopP: 1, TopK: 40}, {Temperature: 1, TopP: 0.999, TopK: 3},
		{Temperature: 1, TopP: 1}, {Temperature: 0, TopP: 0.5},
	}
	for i := range 30 {
		logits := randomLogits(r, 4000, []float64{0.1, 1, 4}[i%3])
		if i%5 == 0 { // exact ties
			for j := range logits {
				logits[j] = float32(math.Round(float64(logits[j])))
			}
		}
		for _, opt := range opts {
			s := NewSampler(len(logits), opt)
			got := make([]float32, len(logits))
			if !s.Probabilities(got, logits) {
				t.Fatal("no distribution")
			}
			want := naiveDistribution(logits, opt)
			for j := range got {
				if math.Abs(float64(got[j])-want[j]) > 1e-6 {
					t.Fatalf("case %d %+v: token %d: %v, full sort %v", i, opt, j, got[j], want[j])
				}
			}
		}
	}
}

// The draws follow the distribution (a fixed seed: the test is
// deterministic), and the same seed gives the same tokens.
func TestDrawsAndSeeds(t *testing.T) {
	logits := []float32{0, float32(math.Log(3)), float32(math.Log(2)), float32(math.Log(4))} // 0.1 0.3 0.2 0.4
	opt := SamplerOptions{Temperature: 1, TopP: 1, Seed: 42}
	s := NewSampler(4, opt)
	const n = 40000
	var count [4]int
	for range n {
		count[s.Sample(logits)]++
	}
	for i, want := range []float64{0.1, 0.3, 0.2, 0.4} {
		sigma := math.Sqrt(want * (1 - want) / n)
		if got := float64(count[i]) / n; math.Abs(got-want) > 5*sigma {
			t.Errorf("token %d drawn %.4f of the time, want %.2f", i, got, want)
		}
	}

	draw := func(seed uint64) []int {
		s := NewSampler(4, opt)
		s.Seed(seed)
		var out []int
		for range 64 {
			out = append(out, s.Sample(logits))
		}
		return out
	}
	if a, b := draw(7), draw(7); !slices.Equal(a, b) {
		t.Errorf("same seed, different draws:\n%v\n%v", a, b)
	}
	if a, b := draw(7), draw(8); slices.Equal(a, b) {
		t.Errorf("seeds 7 and 8 drew the same 64 tokens")
	}
}

// Penalties after several tokens: counts decay before the new token is
// added; a token that counts 0 (a space) still pays the presence penalty.
func TestPenaltiesWithDecay(t *testing.T) {
	s := NewSampler(8, SamplerOptions{Presence: 0.5, Frequency: 0.25, Decay: 0.5})
	const a, b, space = 1, 2, 3
	s.Observe(a, 1)     // a 1
	s.Observe(b, 1)     // a 0.5, b 1
	s.Observe(a, 1)     // a 1.25, b 0.5
	s.Observe(space, 0) // a 0.625, b 0.25, space 0
	logits := make([]float32, 8)
	s.Penalize(logits)
	want := []float32{0, -(0.5 + 0.625*0.25), -(0.5 + 0.25*0.25), -0.5, 0, 0, 0, 0}
	if !slices.Equal(logits, want) {
		t.Errorf("penalised logits %v, want %v", logits, want)
	}
	if c, ok := s.Occurrence(a); c != 0.625 || !ok {
		t.Errorf("occurrence of a: %v %v", c, ok)
	}
	s.Reset()
	clear(logits)
	s.Penalize(logits)
	if slices.ContainsFunc(logits, func(v float32) bool { return v != 0 }) {
		t.Errorf("after Reset: %v", logits)
	}
	if _, ok := s.Occurrence(a); ok {
		t.Error("a still present after Reset")
	}

	// The official decay 0.996 over 10 tokens, then a repeat.
	s = NewSampler(8, SamplerOptions{Presence: 0.5, Frequency: 0.5, Decay: 0.996})
	s.Observe(a, 1)
	for range 9 {
		s.Observe(b, 1)
	}
	s.Observe(a, 1)
	wantA := math.Pow(0.996, 10) + 1
	wantB := 0.0
	for i := range 9 {
		wantB += math.Pow(0.996, float64(9-i))
	}
	ca, _ := s.Occurrence(a)
	cb, _ := s.Occurrence(b)
	if math.Abs(float64(ca)-wantA) > 1e-5 || math.Abs(float64(cb)-wantB) > 1e-5 {
		t.Errorf("occurrences a %v b %v, want %v %v", ca, cb, wantA, wantB)
	}
}

// PIPELINE.generate's weight: 0 for a token whose text is a substring of
// " \t0123456789" (Python's `in` on strings).
func TestGenerateWeights(t *testing.T) {
	for tok, want := range map[string]float32{
		" ": 0, "\t": 0, "0": 0, "12": 0, "89": 0, " \t0": 0, "0123456789": 0,
		"10": 1, "a": 1, " a": 1, "\n": 1, "  ": 1, "9 ": 1,
	} {
		if got := GenerateWeights([]byte(tok)); got != want {
			t.Errorf("%q: weight %v, want %v", tok, got, want)
		}
	}
}

func TestValidateSamplerOptions(t *testing.T) {
	for _, o := range []SamplerOptions{DefaultSampler, CompletionSampler, {}, {Temperature: 100, TopP: 1, TopK: 5, Presence: -100, Frequency: 100, Decay: 1}} {
		if err := o.Validate(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	nan := float32(math.NaN())
	for _, c := range []struct {
		o      SamplerOptions
		option string
	}{
		{SamplerOptions{Temperature: -0.1}, "Temperature"},
		{SamplerOptions{Temperature: 101}, "Temperature"},
		{SamplerOptions{Temperature: nan}, "Temperature"},
		{SamplerOptions{TopP: 1.5}, "TopP"},
		{SamplerOptions{TopP: -1}, "TopP"},
		{SamplerOptions{TopK: -1}, "TopK"},
		{SamplerOptions{Presence: 101}, "Presence"},
		{SamplerOptions{Frequency: -101}, "Frequency"},
		{SamplerOptions{Frequency: nan}, "Frequency"},
		{SamplerOptions{Decay: 1.01}, "Decay"},
	} {
		var e *SamplerOptionError
		if err := c.o.Validate(); !errors.As(err, &e) || e.Option != c.option {
			t.Errorf("%+v: error %v, want one about %s", c.o, err, c.option)
		}
	}
}

func TestSampleOddLogits(t *testing.T) {
	s := NewSampler(4, DefaultSampler)
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	ninf := float32(math.Inf(-1))
	for _, c := range []struct {
		logits []float32
		want   int
	}{
		// No finite maximum: Argmax. Every NaN loses to what follows it,
		// so all-NaN logits give the last id.
		{[]float32{nan, nan, nan, nan}, 3},
		{[]float32{ninf, ninf, ninf, ninf}, 0},
		{[]float32{0, inf, 1, 2}, 1},
		// A NaN logit has probability 0; top-p 0.3 keeps only the largest.
		{[]float32{nan, 1, 3, 2}, 2},
	} {
		if got := s.Sample(c.logits); got != c.want {
			t.Errorf("%v: token %d, want %d", c.logits, got, c.want)
		}
	}
}

func TestSampleDoesNotAllocate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	logits := randomLogits(r, 65536, 2)
	s := NewSampler(len(logits), SamplerOptions{Temperature: 1, TopP: 0.3, TopK: 100, Presence: 0.5, Frequency: 0.5, Decay: 0.996})
	allocs := testing.AllocsPerRun(20, func() {
		tok := s.Sample(logits)
		s.Observe(tok, 1)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per sample", allocs)
	}
}

func BenchmarkSample(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	logits := randomLogits(r, 65536, 2)
	for _, opt := range []SamplerOptions{DefaultSampler, {Temperature: 1, TopP: 0.85}, {Temperature: 1, TopP: 1, TopK: 40}} {
		s := NewSampler(len(logits), opt)
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				s.Sample(logits)
			}
		})
	}
}

func TestExpNonPositive(t *testing.T) {
	for x := float32(-90); x <= 0; x += 0.001 {
		want := math.Exp(float64(x))
		got := float64(expNonPositive(x))
		if x < -87 {
			if got != 0 {
				t.Fatalf("exp(%v) = %v, want 0", x, got)
			}
			continue
		}
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("exp(%v) = %v, want %v (relative error %.2g)", x, got, want, math.Abs(got-want)/want)
		}
	}
	if expNonPositive(0) != 1 || expNonPositive(float32(math.NaN())) != 0 || expNonPositive(float32(math.Inf(-1))) != 0 {
		t.Error("exp of 0, NaN or −Inf")
	}
}
