package grammar

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestVocabDuplicatesAndHoles: ids with the same bytes are allowed
// together, empty ids and id 0's bytes never are.
func TestVocabDuplicatesAndHoles(t *testing.T) {
	tokens := [][]byte{[]byte("a"), []byte("a"), nil, []byte("ab"), []byte("a"), {}, []byte("b"), []byte("abc")}
	v := NewVocab(tokens)
	g := mustParse(t, `root ::= "a" "b"?`)
	m := g.NewMatcher()
	mask := v.NewMask()
	m.Mask(v, mask)
	want := map[int]bool{1: true, 3: true, 4: true}
	for id := range tokens {
		if mask.Allows(id) != want[id] {
			t.Errorf("at the start, token %d %q: allowed %v, want %v", id, tokens[id], mask.Allows(id), want[id])
		}
	}
	if err := m.AcceptToken(v, 2); err == nil {
		t.Error("AcceptToken accepted a hole")
	}
	if err := m.AcceptToken(v, 4); err != nil {
		t.Fatal(err)
	}
	m.Mask(v, mask)
	want = map[int]bool{0: true, 6: true}
	for id := range tokens {
		if mask.Allows(id) != want[id] {
			t.Errorf("after a, token %d %q: allowed %v, want %v", id, tokens[id], mask.Allows(id), want[id])
		}
	}
	logits := make([]float32, 70) // padded beyond the 8 tokens and the mask's 64 bits
	mask.Apply(logits)
	for id, l := range logits {
		if want[id] != (l == 0) {
			t.Errorf("Apply: logit %d is %v", id, l)
		}
	}
	NewVocab(nil).NewMask() // an empty vocabulary has an empty mask
	m.Mask(NewVocab(nil), nil)
}

// TestPartialUTF8AcrossTokens: a character split over tokens is allowed
// piece by piece, only as far as it can still complete a character of the
// class.
func TestPartialUTF8AcrossTokens(t *testing.T) {
	// 😀 is F0 9F 98 80, 😈 is F0 9F 98 88, ж is D0 B6.
	tokens := [][]byte{nil, {0xF0}, {0x9F}, {0x98}, {0x80}, {0x88}, {0xF0, 0x9F}, {0x98, 0x80}, {0xD0}, {0xB6}, []byte("x")}
	v := NewVocab(tokens)
	g := mustParse(t, `root ::= [😀-😆]+ "x"`)
	m := g.NewMatcher()
	mask := v.NewMask()
	allowed := func() []int {
		m.Mask(v, mask)
		var ids []int
		for id := range tokens {
			if mask.Allows(id) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	steps := []struct {
		accept int
		want   []int
	}{
		{-1, []int{1, 6}},
		{6, []int{3, 7}},
		{3, []int{4}},
		{4, []int{1, 6, 10}},
	}
	for _, s := range steps {
		if s.accept >= 0 {
			if err := m.AcceptToken(v, s.accept); err != nil {
				t.Fatal(err)
			}
		}
		if got := allowed(); !equalInts(got, s.want) {
			t.Fatalf("after token %d: allowed %v, want %v", s.accept, got, s.want)
		}
	}
	if m.Allows([]byte{0xF0, 0x9F, 0x98, 0x88}) {
		t.Error("😈 (outside the class) allowed")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCloneIsIndependent: a clone starts where its original is and then
// moves on its own.
func TestCloneIsIndependent(t *testing.T) {
	g := mustParse(t, `root ::= "ab" ("c" | "d")`)
	m := g.NewMatcher()
	if err := m.Accept([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	c := m.Clone()
	if err := c.Accept([]byte("c")); err != nil {
		t.Fatal(err)
	}
	if !c.Done() || m.Done() {
		t.Fatalf("after the clone took c: clone Done %v, original Done %v", c.Done(), m.Done())
	}
	if err := m.Accept([]byte("d")); err != nil || !m.Done() {
		t.Fatalf("original after d: %v, Done %v", err, m.Done())
	}
}

// TestMaskAllocations: once the caches are warm, Mask and AcceptToken do
// not allocate. The walk replays a generation whose states are all cached.
func TestMaskAllocations(t *testing.T) {
	tokens, v := worldVocab(t)
	g, err := CompileJSONSchema([]byte(fixedSchemas[2]))
	if err != nil {
		t.Fatal(err)
	}
	m := g.NewMatcher()
	text, ok := generateJSON(t, g, m, rand.New(rand.NewPCG(19, 20)), 300)
	if !ok {
		t.Fatal("the walk did not finish")
	}
	// The token ids of the text, greedily.
	var ids []int
	for rest := []byte(text); len(rest) > 0; {
		best := 0
		for id := 1; id < len(tokens); id++ {
			if n := len(tokens[id]); n > len(tokens[best]) && n <= len(rest) && string(rest[:n]) == string(tokens[id]) {
				best = id
			}
		}
		ids = append(ids, best)
		rest = rest[len(tokens[best]):]
	}
	mask := v.NewMask()
	replay := func() {
		m.Reset()
		for _, id := range ids {
			m.Mask(v, mask)
			if err := m.AcceptToken(v, id); err != nil {
				t.Fatal(err)
			}
		}
		m.Mask(v, mask)
	}
	replay() // warm: every state and transition of the text is cached
	if n := testing.AllocsPerRun(5, replay); n != 0 {
		t.Errorf("a warm replay of %d tokens allocates %v times", len(ids), n)
	}
}

// TestLongTokens: tokens longer than the trie holds are masked one by one,
// with the same answers.
func TestLongTokens(t *testing.T) {
	long := []byte(strings.Repeat("a", maxTrieDepth+45))
	tokens := [][]byte{nil, []byte("a"), long, append([]byte("b"), long...)}
	v := NewVocab(tokens)
	mask := v.NewMask()
	for _, c := range []struct {
		src  string
		want []int
	}{
		{`root ::= "a"+`, []int{1, 2}},
		{`root ::= "a"{0,10}`, []int{0, 1}},
		{`root ::= "b"? [a]*`, []int{0, 1, 2, 3}},
	} {
		m := mustParse(t, c.src).NewMatcher()
		m.Mask(v, mask)
		var got []int
		for id := range tokens {
			if mask.Allows(id) {
				got = append(got, id)
			}
		}
		if !equalInts(got, c.want) {
			t.Errorf("%s: allowed %v, want %v", c.src, got, c.want)
		}
	}
}

// TestMaskApplyRandom: Apply, which skips words that allow all 64 ids,
// sets to -Inf exactly the logits of ids outside the mask, logits past the
// mask's end included.
func TestMaskApplyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 200 {
		mask := make(TokenMask, rng.IntN(5))
		for w := range mask {
			switch rng.IntN(3) {
			case 0:
				mask[w] = ^uint64(0)
			case 1:
				mask[w] = rng.Uint64()
			}
		}
		logits := make([]float32, rng.IntN(64*6))
		for i := range logits {
			logits[i] = float32(i)
		}
		mask.Apply(logits)
		for i, l := range logits {
			in := i>>6 < len(mask) && mask[i>>6]&(1<<(i&63)) != 0
			if in != (l == float32(i)) || !in && !math.IsInf(float64(l), -1) {
				t.Fatalf("logit %d of %d with mask %x: %v", i, len(logits), mask, l)
			}
		}
	}
}
