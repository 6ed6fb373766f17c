package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

// synthModels are the models seededModel wrote, by shape, type and seed;
// synthDir holds them.
var (
	synthModels sync.Map
	synthDir    string // removed by TestMain
)

func TestMain(m *testing.M) {
	var err error
	if synthDir, err = os.MkdirTemp("", "gosling-runtime-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(synthDir)
	os.Exit(code)
}

// synthModel writes a random model (seed 7) of the given shape and type
// once per process and returns its path.
func synthModel(tb testing.TB, shape synth.Shape, typ quant.Type) string {
	tb.Helper()
	return seededModel(tb, shape, typ, 7)
}

// seededModel is synthModel with a chosen seed (another model of the same
// shape).
func seededModel(tb testing.TB, shape synth.Shape, typ quant.Type, seed uint64) string {
	tb.Helper()
	key := shape.WithDefaults().String() + typ.String() + "-seed" + strconv.FormatUint(seed, 10)
	if p, ok := synthModels.Load(key); ok {
		return p.(string)
	}
	in, err := synth.Input(shape, seed)
	if err != nil {
		tb.Fatal(err)
	}
	policy, err := convert.DefaultPolicy(typ)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(synthDir, key+".gguf")
	if _, err := convert.Write(in, path, convert.Options{Policy: policy}); err != nil {
		tb.Fatal(err)
	}
	synthModels.Store(key, path)
	return path
}

var small = synth.Shape{Layers: 2, Embd: 128, Vocab: 1000, FFN: 256, RankW: 32, RankA: 32, RankV: 32, RankG: 64}

func load(tb testing.TB, path string, threads int) *runtime.Model {
	tb.Helper()
	m, err := runtime.Load(path, runtime.Options{Threads: threads})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// The hot path allocates nothing: Forward reuses the Context's buffers.
func TestForwardDoesNotAllocate(t *testing.T) {
	for _, typ := range []quant.Type{quant.TypeF32, quant.TypeF16} {
		for _, threads := range []int{1, 3} {
			m := load(t, synthModel(t, small, typ), threads)
			c, s := m.NewContext(), m.NewState()
			tok := 0
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := c.Forward(s, tok%m.Vocab); err != nil {
					t.Fatal(err)
				}
				tok += 7
			})
			if allocs != 0 {
				t.Errorf("%s, %d threads: %.1f allocations per token, want 0", typ, threads, allocs)
			}
		}
	}
}

// Splitting rows (and heads) across threads does not change a single bit,
// in prefill or decode.
func TestThreadsGiveIdenticalLogits(t *testing.T) {
	path := synthModel(t, small, quant.TypeF16)
	run := func(threads int) []float32 {
		m := load(t, path, threads)
		c, s := m.NewContext(), m.NewState()
		l, err := c.Prefill(s, []int32{7, 70, 700, 3, 300})
		if err != nil {
			t.Fatal(err)
		}
		all := append([]float32(nil), l...)
		for _, tok := range []int{1, 500, 999, 0, 42} {
			l, err := c.Forward(s, tok)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, l...)
		}
		return all
	}
	a := run(1)
	for _, threads := range []int{2, 4} {
		b := run(threads)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("logit %d: %v with 1 thread, %v with %d", i, a[i], b[i], threads)
			}
		}
	}
}

func TestStateCloneAndReset(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF32), 1)
	c := m.NewContext()
	s := m.NewState()
	for _, tok := range []int{3, 4, 5} {
		if _, err := c.Forward(s, tok); err != nil {
			t.Fatal(err)
		}
	}
	clone := s.Clone()
	la, _ := c.Forward(s, 9)
	la = append([]float32(nil), la...)
	lb, _ := c.Forward(clone, 9)
	for i := range la {
		if la[i] != lb[i] {
			t.Fatalf("clone diverged at logit %d", i)
		}
	}
	if clone.Tokens != 4 {
		t.Errorf("clone.Tokens = %d, want 4", clone.Tokens)
	}
	s.Reset()
	fresh := m.NewState()
	l1, _ := c.Forward(s, 9)
	l1 = append([]float32(nil), l1...)
	l2, _ := c.Forward(fresh, 9)
	for i := range l1 {
		if l1[i] != l2[i] {
			t.Fatalf("reset state differs from a fresh one at logit %d", i)
		}
	}
}

func TestForwardRejectsBadToken(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF32), 1)
	c, s := m.NewContext(), m.NewState()
	for _, tok := range []int{-1, m.Vocab} {
		if _, err := c.Forward(s, tok); err == nil {
			t.Errorf("token %d accepted", tok)
		}
	}
	if s.Tokens != 0 {
		t.Errorf("a refused token advanced the state")
	}
}

// BenchmarkDecode measures one token of the 0.1B shape (L12 D768 V65536)
// per iteration: tokens/s = 1e9 / ns/op. Run with -benchtime=20x; the
// model is written once (≈ 300 MB F16, 600 MB F32) into a temp folder.
func BenchmarkDecode(b *testing.B) {
	for _, typ := range []quant.Type{quant.TypeF32, quant.TypeF16} {
		for _, threads := range []int{1, 2} {
			b.Run(typ.String()+"/threads="+strconv.Itoa(threads), func(b *testing.B) {
				m := load(b, synthModel(b, synth.Shape01B, typ), threads)
				benchDecode(b, m)
			})
		}
	}
}

func benchDecode(b *testing.B, m *runtime.Model) {
	c, s := m.NewContext(), m.NewState()
	// Warm the page cache and the state so the first token does not count.
	for i := 0; i < 2; i++ {
		c.Forward(s, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Forward(s, (i*7919)%m.Vocab); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
	b.ReportMetric(float64(m.WeightBytes())/1e6, "MB/token")
}

// Chunked prefill equals feeding the tokens one by one: the same logits
// after the last token and the same state (up to float summation order in
// the kernels; the generic kernels give identical bits).
func TestPrefillMatchesDecode(t *testing.T) {
	for _, typ := range []quant.Type{quant.TypeF32, quant.TypeF16, quant.TypeQ8_0, quant.TypeQ4_0} {
		m := load(t, synthModel(t, small, typ), 2)
		tokens := make([]int32, 70) // chunks of 32, 32 and 6
		for i := range tokens {
			tokens[i] = int32((i*37 + 11) % m.Vocab)
		}
		dec, sd := m.NewContext(), m.NewState()
		var want []float32
		for _, tok := range tokens {
			l, err := dec.Forward(sd, int(tok))
			if err != nil {
				t.Fatal(err)
			}
			want = l
		}
		pre, sp := m.NewContextChunk(32), m.NewState()
		got, err := m.NewGenerator(pre, runtime.SamplerOptions{}).Feed(context.Background(), sp, tokens, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Tokens != sd.Tokens {
			t.Errorf("%s: prefill consumed %d tokens, decode %d", typ, sp.Tokens, sd.Tokens)
		}
		const tol = 1e-4
		if d := maxDiff(got, want); d > tol {
			t.Errorf("%s: logits differ by %g", typ, d)
		}
		if d := maxDiff(sp.Floats(), sd.Floats()); d > tol {
			t.Errorf("%s: states differ by %g", typ, d)
		}
	}
}

// A Stepper runs one chunk: Prefill refuses no tokens and more than its
// chunk (Generator.Feed splits longer prompts), leaving the state as it was.
func TestPrefillTakesOneChunk(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF32), 1)
	c, s := m.NewContextChunk(4), m.NewState()
	for _, n := range []int{0, 5} {
		if _, err := c.Prefill(s, make([]int32, n)); err == nil || s.Tokens != 0 {
			t.Errorf("Prefill of %d tokens with a chunk of 4: error %v, state at %d tokens", n, err, s.Tokens)
		}
	}
	if _, err := c.Prefill(s, make([]int32, 4)); err != nil || s.Tokens != 4 {
		t.Errorf("Prefill of a whole chunk: error %v, state at %d tokens", err, s.Tokens)
	}
}

func maxDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		if d < 0 {
			d = -d
		}
		if d > m {
			m = d
		}
	}
	return m
}

// BenchmarkPrefill measures a 128-token prompt of the 0.1B shape per
// iteration, fed as run feeds it (Generator.Feed, chunks of 32):
// tokens/s = 128e9 / ns/op.
func BenchmarkPrefill(b *testing.B) {
	for _, typ := range []quant.Type{quant.TypeF16} {
		b.Run(typ.String(), func(b *testing.B) {
			m := load(b, synthModel(b, synth.Shape01B, typ), 1)
			g := m.NewGenerator(nil, runtime.SamplerOptions{})
			tokens := make([]int32, 128)
			for i := range tokens {
				tokens[i] = int32(i * 331 % m.Vocab)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := g.Feed(context.Background(), m.NewState(), tokens, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(tokens))/b.Elapsed().Seconds(), "tok/s")
		})
	}
}
