// Package synth makes random-weight RWKV-7 models of any shape, for tests
// and benchmarks: an official-named checkpoint generated on the fly and
// written through the same converter as a real one.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gosling-edge/gosling/tools/convert"
)

// Shape is the size of a synthetic model. Zero ranks take the official
// formula's defaults.
type Shape struct {
	Layers, Embd, Vocab, FFN, HeadSize int
	RankW, RankA, RankV, RankG         int
}

// Shape01B is the 0.1B shape (L12 D768 V65536, LoRA 64/64/32/128, FFN 3072),
// on which the llama.cpp comparison figures were measured.
var Shape01B = Shape{Layers: 12, Embd: 768, Vocab: 65536, FFN: 3072, HeadSize: 64, RankW: 64, RankA: 64, RankV: 32, RankG: 128}

// loraRank is llama.cpp's default rank formula, max(1, round(C^e·m/32))·32.
func loraRank(c int, e, m float64) int {
	return max(1, int(math.Round(math.Pow(float64(c), e)*m/32))) * 32
}

// WithDefaults fills zero fields.
func (s Shape) WithDefaults() Shape {
	if s.HeadSize == 0 {
		s.HeadSize = 64
	}
	if s.FFN == 0 {
		s.FFN = 4 * s.Embd
	}
	if s.RankW == 0 {
		s.RankW = loraRank(s.Embd, 0.5, 1.8)
	}
	if s.RankA == 0 {
		s.RankA = loraRank(s.Embd, 0.5, 1.8)
	}
	if s.RankV == 0 {
		s.RankV = loraRank(s.Embd, 0.5, 1.3)
	}
	if s.RankG == 0 {
		s.RankG = loraRank(s.Embd, 0.8, 0.6)
	}
	return s
}

// Validate reports a shape that cannot be built.
func (s Shape) Validate() error {
	switch {
	case s.Layers < 1:
		return fmt.Errorf("layers %d: want at least 1", s.Layers)
	case s.Embd < 1 || s.HeadSize < 1 || s.Embd%s.HeadSize != 0:
		return fmt.Errorf("width %d is not a positive multiple of the head size %d", s.Embd, s.HeadSize)
	case s.Vocab < 2:
		return fmt.Errorf("vocabulary %d: want at least 2 rows", s.Vocab)
	case s.FFN < 1 || s.RankW < 1 || s.RankA < 1 || s.RankV < 1 || s.RankG < 1:
		return fmt.Errorf("FFN width and LoRA ranks must be positive")
	}
	return nil
}

// Input returns the random checkpoint. Tensors are generated when the
// converter loads them, each from its own seeded stream, so the result
// does not depend on the order of loading.
func Input(s Shape, seed uint64) (convert.Input, error) {
	s = s.WithDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	in := convert.Input{}
	n := 0
	add := func(name string, shape []int, gen func(r *rand.Rand, v []float32)) {
		size := 1
		for _, d := range shape {
			size *= d
		}
		stream := uint64(n)
		n++
		in[name] = convert.Tensor{Shape: shape, Float32: func() ([]float32, error) {
			r := rand.New(rand.NewPCG(seed, stream))
			v := make([]float32, size)
			gen(r, v)
			return v, nil
		}}
	}
	normal := func(scale float64) func(*rand.Rand, []float32) {
		return func(r *rand.Rand, v []float32) {
			for i := range v {
				v[i] = float32(r.NormFloat64() * scale)
			}
		}
	}
	uniform := func(lo, hi float64) func(*rand.Rand, []float32) {
		return func(r *rand.Rand, v []float32) {
			for i := range v {
				v[i] = float32(lo + (hi-lo)*r.Float64())
			}
		}
	}
	constant := func(c float32) func(*rand.Rand, []float32) {
		return func(_ *rand.Rand, v []float32) {
			for i := range v {
				v[i] = c
			}
		}
	}
	C, H, N, F, V := s.Embd, s.Embd/s.HeadSize, s.HeadSize, s.FFN, s.Vocab
	vec := []int{1, 1, C}
	sC := 1 / math.Sqrt(float64(C))
	add("emb.weight", []int{V, C}, normal(0.1))
	add("blocks.0.ln0.weight", []int{C}, constant(1))
	add("blocks.0.ln0.bias", []int{C}, constant(0))
	for i := 0; i < s.Layers; i++ {
		p := fmt.Sprintf("blocks.%d.", i)
		add(p+"ln1.weight", []int{C}, constant(1))
		add(p+"ln1.bias", []int{C}, constant(0))
		add(p+"ln2.weight", []int{C}, constant(1))
		add(p+"ln2.bias", []int{C}, constant(0))
		for _, x := range []string{"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"} {
			add(p+"att."+x, vec, uniform(0, 1))
		}
		add(p+"att.w0", vec, uniform(-6, -0.5))
		add(p+"att.w1", []int{C, s.RankW}, normal(0.05))
		add(p+"att.w2", []int{s.RankW, C}, normal(0.05))
		add(p+"att.a0", vec, constant(0))
		add(p+"att.a1", []int{C, s.RankA}, normal(0.05))
		add(p+"att.a2", []int{s.RankA, C}, normal(0.05))
		if i > 0 {
			add(p+"att.v0", vec, constant(1))
			add(p+"att.v1", []int{C, s.RankV}, normal(0.05))
			add(p+"att.v2", []int{s.RankV, C}, normal(0.05))
		}
		add(p+"att.g1", []int{C, s.RankG}, normal(0.05))
		add(p+"att.g2", []int{s.RankG, C}, normal(0.05))
		add(p+"att.k_k", vec, constant(0.85))
		add(p+"att.k_a", vec, constant(1))
		add(p+"att.r_k", []int{H, N}, normal(0.1))
		for _, m := range []string{"receptance", "key", "value", "output"} {
			add(p+"att."+m+".weight", []int{C, C}, normal(sC))
		}
		add(p+"att.ln_x.weight", []int{C}, constant(1))
		add(p+"att.ln_x.bias", []int{C}, constant(0))
		add(p+"ffn.x_k", vec, uniform(0, 1))
		add(p+"ffn.key.weight", []int{F, C}, normal(sC))
		add(p+"ffn.value.weight", []int{C, F}, normal(1/math.Sqrt(float64(F))))
	}
	add("ln_out.weight", []int{C}, constant(1))
	add("ln_out.bias", []int{C}, constant(0))
	add("head.weight", []int{V, C}, normal(sC))
	return in, nil
}

// String names the shape, e.g. "L12-D768-V65536-F3072-r64.64.32.128".
func (s Shape) String() string {
	return fmt.Sprintf("L%d-D%d-V%d-F%d-N%d-r%d.%d.%d.%d", s.Layers, s.Embd, s.Vocab, s.FFN, s.HeadSize, s.RankW, s.RankA, s.RankV, s.RankG)
}
