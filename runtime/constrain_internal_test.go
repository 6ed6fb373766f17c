package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// setFilter is a tokenFilter over a fixed set of allowed ids; it counts the
// masks it applied.
type setFilter struct {
	ok     []bool
	masked int
}

func (f *setFilter) allows(id int) bool { return f.ok[id] }

func (f *setFilter) apply(logits []float32) {
	f.masked++
	for i := range logits {
		if !f.ok[i] {
			logits[i] = float32(math.Inf(-1))
		}
	}
}

// TestSampleUnderIsMaskedDraw: drawing with sampleUnder (draw first, mask
// only when the token is refused) gives the distribution of the masked
// draw, which Probabilities computes on masked logits, within 6 standard
// deviations per token over many draws; and for the settings that cut by
// rank (top-p < 1, top-k) it masks every time. A shortcut that kept the
// unmasked draw's odds, or fell back to the masked argmax, fails.
func TestSampleUnderIsMaskedDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, draws = 12, 12_000
	for _, opt := range []SamplerOptions{
		{Temperature: 1, TopP: 1},
		{Temperature: 1.7, TopP: 1},
		{Temperature: 0.6, TopP: 1, TopK: n},
		{Temperature: 0}, // greedy: ties below are drawn uniformly
		{Temperature: 1, TopP: 0.7},
		{Temperature: 1, TopP: 1, TopK: 3},
	} {
		for trial := range 1 {
			logits := make([]float32, n)
			f := &setFilter{ok: make([]bool, n)}
			for i := range logits {
				logits[i] = float32(rng.NormFloat64() * 2)
				f.ok[i] = rng.IntN(2) == 0
			}
			f.ok[rng.IntN(n)] = true
			if opt.Temperature == 0 {
				// Ties for the top, one refused and two allowed.
				logits[0], logits[1], logits[2] = 9, 9, 9
				f.ok[0], f.ok[1], f.ok[2] = false, true, true
			}
			// The masked draw's distribution.
			want := make([]float32, n)
			masked := append([]float32(nil), logits...)
			(&setFilter{ok: f.ok}).apply(masked)
			if !NewSampler(n, opt).Probabilities(want, masked) {
				t.Fatal("no distribution")
			}
			s := NewSampler(n, opt)
			s.Seed(uint64(trial) + 1)
			counts := make([]int, n)
			work := make([]float32, n)
			for range draws {
				copy(work, logits)
				counts[sampleUnder(s, work, f)]++
			}
			for id := range n {
				p := float64(want[id])
				got := float64(counts[id]) / draws
				sd := math.Sqrt(p*(1-p)/draws) + 1e-9
				if math.Abs(got-p) > 6*sd {
					t.Errorf("%+v trial %d: token %d drawn %.4f of the time, the masked draw %.4f", opt, trial, id, got, p)
				}
			}
			rankCut := opt.Temperature > 0 && (opt.TopP < 1 || opt.TopK > 0 && opt.TopK < n)
			if rankCut && f.masked != draws {
				t.Errorf("%+v: masked %d of %d draws; a rank cut must mask first", opt, f.masked, draws)
			}
			if !rankCut && f.masked == draws {
				t.Errorf("%+v: masked every draw: no draw was kept without the mask", opt)
			}
		}
	}
}
