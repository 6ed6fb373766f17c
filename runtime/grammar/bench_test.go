package grammar

import (
	"math/rand/v2"
	"testing"
)

// benchSchema is the nested person schema of fixedSchemas: strings with
// and without bounds, an integer range, a nested object, an array.
var benchSchema = fixedSchemas[2]

// benchPoints are texts after which the mask is measured: from a point
// where a few tokens fit to one where almost every token does.
var benchPoints = []struct{ name, text string }{
	{"start", ``},
	{"key", `{"name":"Ada", "`},
	{"number", `{"name":"Ada","age":4`},
	{"string", `{"name":"Ada","address":{"street":"`},
	{"bounded-string", `{"name":"`},
}

// BenchmarkMask measures one mask over the World vocabulary (65,536 ids,
// 116,078 trie nodes) with a JSON-schema grammar:
//
//	walk    the trie walk with every transition cached (mask cache bypassed)
//	cached  Mask at a state whose mask is cached: a copy
//	cold    Mask on a new matcher: the walk builds the automaton's states
func BenchmarkMask(b *testing.B) {
	_, v := worldVocab(b)
	g, err := CompileJSONSchema([]byte(benchSchema))
	if err != nil {
		b.Fatal(err)
	}
	mask := v.NewMask()
	for _, p := range benchPoints {
		m := g.NewMatcher()
		if err := m.Accept([]byte(p.text)); err != nil {
			b.Fatal(err)
		}
		m.Mask(v, mask)
		allowed := float64(mask.Count())
		b.Run(p.name+"/walk", func(b *testing.B) {
			for b.Loop() {
				m.walkTrie(v, mask)
			}
			b.ReportMetric(allowed, "allowed")
		})
		b.Run(p.name+"/cached", func(b *testing.B) {
			for b.Loop() {
				m.Mask(v, mask)
			}
		})
		b.Run(p.name+"/cold", func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				m := g.NewMatcher()
				if err := m.Accept([]byte(p.text)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				m.Mask(v, mask)
			}
		})
	}
}

// BenchmarkGeneration measures the grammar's cost per generated token
// (Mask and AcceptToken) over whole generations: random walks through the
// schema's grammar, replayed on one matcher as a serving loop would, its
// caches warm from the generations before.
func BenchmarkGeneration(b *testing.B) {
	tokens, v := worldVocab(b)
	g, err := CompileJSONSchema([]byte(benchSchema))
	if err != nil {
		b.Fatal(err)
	}
	// Record the token ids of a few generations.
	rng := rand.New(rand.NewPCG(21, 22))
	m := g.NewMatcher()
	mask := v.NewMask()
	var gens [][]int
	for len(gens) < 8 {
		var ids []int
		m.Reset()
		for step := 0; step < 300; step++ {
			m.Mask(v, mask)
			var allowed []int
			for id := range tokens {
				if mask.Allows(id) {
					allowed = append(allowed, id)
				}
			}
			id := allowed[rng.IntN(len(allowed))]
			if mask.Allows(0) && rng.IntN(2) == 0 {
				id = 0
			}
			ids = append(ids, id)
			if err := m.AcceptToken(v, id); err != nil {
				b.Fatal(err)
			}
			if id == 0 {
				gens = append(gens, ids)
				break
			}
		}
	}
	n := 0
	for _, ids := range gens {
		n += len(ids)
	}
	m = g.NewMatcher()
	b.ResetTimer()
	for b.Loop() {
		for _, ids := range gens {
			m.Reset()
			for _, id := range ids {
				m.Mask(v, mask)
				if err := m.AcceptToken(v, id); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/token")
	b.ReportMetric(float64(n), "tokens/op")
}

func BenchmarkNewVocab(b *testing.B) {
	tokens, _ := worldVocab(b)
	for b.Loop() {
		NewVocab(tokens)
	}
}

func BenchmarkCompileJSONSchema(b *testing.B) {
	for b.Loop() {
		if _, err := CompileJSONSchema([]byte(benchSchema)); err != nil {
			b.Fatal(err)
		}
	}
}
