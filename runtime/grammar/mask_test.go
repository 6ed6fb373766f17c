package grammar

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// vocabAlphabet is characters the World vocabulary spells in many ways:
// single bytes, pieces of words, and partial UTF-8 (the vocabulary has
// tokens such as b'\xf0\x9f' that end inside an emoji).
var vocabAlphabet = []rune{'a', 'b', 'e', 'n', 't', ' ', '0', '1', '"', '{', ':', '的', '是', 'é', '😀', '👍'}

// handGrammars are grammars of the kind people write, for the mask tests.
var handGrammars = []string{
	`root ::= "{" ws "\"answer\"" ws ":" ws ("true" | "false" | num) ws "}"
num ::= "-"? [0-9]+ ("." [0-9]+)?
ws ::= [ \t\n]*`,
	`root ::= (word " ")* word "."
word ::= [a-zA-Zé]+ | "的" | "是"`,
	`root ::= [^\x00-\x1F]{0,30}`,
	`root ::= "😀"+ | "👍" [0-9]{2,4} | .{3}`,
	`root ::= item ("," " "? item)*
item ::= "\"" [a-z]* "\"" | [0-9]+`,
	`root ::= "Answer: " ("yes" | "no") "\n"`,
}

// bruteMask is the reference mask: every token's bytes run from the state
// of ref, one token at a time.
func bruteMask(ref *Matcher, tokens [][]byte, dst []bool) {
	for id := range tokens {
		switch {
		case id == 0:
			dst[id] = ref.Done()
		case len(tokens[id]) == 0:
			dst[id] = false
		default:
			dst[id] = ref.Allows(tokens[id])
		}
	}
}

// checkMaskWalk takes a random walk through g with the World vocabulary,
// sampling only allowed tokens, and at every step compares m's mask with
// the brute-force mask of an independent matcher (its own caches), and a
// sample of tokens with the reference recognizer of reference_test.go. It
// returns the text generated.
func checkMaskWalk(t *testing.T, g *Grammar, rng *rand.Rand, steps int, ref *refMatcher) (string, bool) {
	t.Helper()
	tokens, v := worldVocab(t)
	m, bf := g.NewMatcher(), g.NewMatcher()
	// As in TestMatcherAgainstReference: random grammars are often wildly
	// ambiguous, and a low bound on the stacks of a state keeps them fast.
	// Both matchers refuse the same bytes for it; the reference does not.
	m.a.maxStacks, bf.a.maxStacks = 256, 256
	if rng.IntN(3) == 0 {
		m.SetCacheLimit(rng.IntN(64 << 10)) // flushes between steps
	}
	mask := v.NewMask()
	want := make([]bool, len(tokens))
	var text []byte
	for step := range steps {
		m.Mask(v, mask)
		bruteMask(bf, tokens, want)
		var allowed []int
		for id := range tokens {
			if mask.Allows(id) != want[id] {
				return "", t.Failed() || failf(t, "grammar:\n%s\nafter %q: token %d %q: mask says %v, brute force %v", g, text, id, tokens[id], mask.Allows(id), want[id])
			}
			if want[id] {
				allowed = append(allowed, id)
			}
		}
		if ref != nil && step%4 == 0 && len(text) < 64 {
			// A sample of tokens through the reference recognizer.
			for range 16 {
				id := 1 + rng.IntN(len(tokens)-1)
				if len(allowed) > 0 && rng.IntN(2) == 0 {
					id = allowed[rng.IntN(len(allowed))]
				}
				if id == 0 {
					continue
				}
				p, _ := ref.match(append(bytes.Clone(text), tokens[id]...))
				if p != want[id] && !(bf.a.overflowed && p) {
					return "", failf(t, "grammar:\n%s\nafter %q: token %d %q: matcher says %v, reference %v", g, text, id, tokens[id], want[id], p)
				}
			}
		}
		if len(allowed) == 0 {
			return string(text), false // nothing may follow: the grammar is complete or stuck
		}
		id := allowed[rng.IntN(len(allowed))]
		if m.Done() && rng.IntN(4) == 0 {
			id = 0
		}
		if err := m.AcceptToken(v, id); err != nil {
			return "", failf(t, "grammar:\n%s\nafter %q: AcceptToken(%d %q) of an allowed token: %v", g, text, id, tokens[id], err)
		}
		if err := bf.AcceptToken(v, id); err != nil {
			return "", failf(t, "brute-force matcher: %v", err)
		}
		if id == 0 {
			t.Logf("%d steps compared", step+1)
			return string(text), true
		}
		text = append(text, tokens[id]...)
	}
	t.Logf("%d steps compared", steps)
	return string(text), false
}

func failf(t *testing.T, format string, args ...any) bool {
	t.Helper()
	t.Errorf(format, args...)
	return true
}

func TestMaskAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	steps, random := 30, 40
	if testing.Short() {
		steps, random = 12, 8
	}
	for i, src := range handGrammars {
		t.Run(fmt.Sprintf("hand%d", i), func(t *testing.T) {
			g := mustParse(t, src)
			ref := newRefMatcher(g.rules)
			for range 3 {
				checkMaskWalk(t, g, rng, steps, ref)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		done, walked := 0, 0
		defer func() { t.Logf("%d grammars, %d bytes generated", done, walked) }()
		for done < random {
			// Random grammars are short; repeating one makes longer walks.
			src := strings.Replace(randGrammar(rng, vocabAlphabet), "root ::=", "top ::=", 1) + "root ::= top{1,4}\n"
			g, err := Parse(src)
			if err != nil {
				continue
			}
			done++
			text, _ := checkMaskWalk(t, g, rng, steps, newRefMatcher(g.rules))
			if t.Failed() {
				return
			}
			walked += len(text)
		}
	})
}

// TestMaskEndOfText checks the rules for id 0: allowed exactly where the
// grammar may end, accepted only there, and nothing after it.
func TestMaskEndOfText(t *testing.T) {
	tokens, v := worldVocab(t)
	g := mustParse(t, `root ::= "ab" "c"?`)
	m := g.NewMatcher()
	mask := v.NewMask()
	id := func(s string) int {
		for i, tok := range tokens {
			if string(tok) == s {
				return i
			}
		}
		t.Fatalf("no token %q", s)
		return 0
	}
	m.Mask(v, mask)
	if mask.Allows(0) || m.Done() {
		t.Fatal("end of text allowed at the start")
	}
	if err := m.AcceptToken(v, 0); !errors.Is(err, ErrRejected) {
		t.Fatalf("AcceptToken(0) at the start: %v, want ErrRejected", err)
	}
	if err := m.AcceptToken(v, id("ab")); err != nil {
		t.Fatal(err)
	}
	m.Mask(v, mask)
	if !mask.Allows(0) || !mask.Allows(id("c")) || mask.Count() != 2 || !m.Done() || !m.CanContinue() {
		t.Fatalf("after ab: mask has %d tokens (end %v, c %v), Done %v, CanContinue %v; want end and c", mask.Count(), mask.Allows(0), mask.Allows(id("c")), m.Done(), m.CanContinue())
	}
	if err := m.AcceptToken(v, id("c")); err != nil {
		t.Fatal(err)
	}
	m.Mask(v, mask)
	if mask.Count() != 1 || !mask.Allows(0) || m.CanContinue() {
		t.Fatalf("after abc: mask has %d tokens, CanContinue %v; want only end of text", mask.Count(), m.CanContinue())
	}
	if err := m.AcceptToken(v, 0); err != nil {
		t.Fatal(err)
	}
	m.Mask(v, mask)
	if mask.Count() != 0 || m.CanContinue() || m.Allows([]byte("c")) {
		t.Fatalf("after end of text: mask has %d tokens, CanContinue %v", mask.Count(), m.CanContinue())
	}
	if err := m.AcceptToken(v, 0); !errors.Is(err, ErrRejected) {
		t.Fatalf("a second end of text: %v, want ErrRejected", err)
	}
	m.Reset()
	if m.Done() || !m.Allows([]byte("ab")) {
		t.Fatal("Reset did not return to the start")
	}
}

// TestAllowsTokenMatchesMask: AllowsToken, the one-token check that
// sampling under a grammar tries before a mask, says yes for exactly the
// ids of the mask, end-of-text included, along random walks through JSON
// schemas, and no to everything after end-of-text.
func TestAllowsTokenMatchesMask(t *testing.T) {
	tokens, v := worldVocab(t)
	rng := rand.New(rand.NewPCG(7, 8))
	mask := v.NewMask()
	walks := 3
	if testing.Short() {
		walks = 1
	}
	for _, schema := range fixedSchemas[:5] {
		g, err := CompileJSONSchema([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		m := g.NewMatcher()
		for range walks {
			m.Reset()
			for step := 0; ; step++ {
				m.Mask(v, mask)
				var allowed []int
				for id := range tokens {
					if m.AllowsToken(v, id) != mask.Allows(id) {
						t.Fatalf("schema %s, step %d: AllowsToken(%d %q) = %v, the mask %v", schema, step, id, tokens[id], !mask.Allows(id), mask.Allows(id))
					}
					if mask.Allows(id) && id > 0 {
						allowed = append(allowed, id)
					}
				}
				id := 0
				if len(allowed) > 0 && !(mask.Allows(0) && (step > 40 || rng.IntN(3) == 0)) {
					id = allowed[rng.IntN(len(allowed))]
				}
				if err := m.AcceptToken(v, id); err != nil {
					t.Fatal(err)
				}
				if id == 0 {
					break
				}
				if step > 200 {
					t.Fatalf("schema %s: no end after %d steps", schema, step)
				}
			}
			for id := range tokens {
				if m.AllowsToken(v, id) {
					t.Fatalf("schema %s: token %d allowed after end of text", schema, id)
				}
			}
		}
	}
	if m := mustParse(t, `root ::= "a"`).NewMatcher(); m.AllowsToken(v, -1) || m.AllowsToken(v, v.Len()) {
		t.Fatal("ids outside the vocabulary allowed")
	}
}

// TestMaskPlainStrings: inside strings, where the mask takes the plain
// tokens from a list and skips their nodes (plainDepth), it is still the
// brute-force mask, at every count left of a bounded string and in an
// unbounded one; and plainDepth is what the walk relies on.
func TestMaskPlainStrings(t *testing.T) {
	tokens, v := worldVocab(t)
	mask := v.NewMask()
	want := make([]bool, len(tokens))
	for _, c := range []struct {
		schema, text string
		depth        int
	}{
		{`{"type":"string","maxLength":5}`, `"`, 5},
		{`{"type":"string","maxLength":5}`, `"ab`, 3},
		{`{"type":"string","maxLength":5}`, `"abcd\n`, 0},
		{`{"type":"string","minLength":2,"maxLength":40}`, `"é`, 39},
		{`{"type":"string"}`, `"x`, maxTrieDepth},
		{`{"type":"object","properties":{"a":{"type":"string","maxLength":3}}}`, `{"a":"`, 3},
		{`{"type":"object","properties":{"a":{"type":"string","maxLength":3}}}`, `{`, 0},
		{`{"anyOf":[{"type":"string","maxLength":2},{"type":"string","pattern":"^[a-z]*$"}]}`, `"`, 2},
	} {
		g, err := CompileJSONSchema([]byte(c.schema))
		if err != nil {
			t.Fatal(err)
		}
		m, bf := g.NewMatcher(), g.NewMatcher()
		if err := m.Accept([]byte(c.text)); err != nil {
			t.Fatal(err)
		}
		if err := bf.Accept([]byte(c.text)); err != nil {
			t.Fatal(err)
		}
		if d := m.a.plainDepth(m.state); d != c.depth {
			t.Errorf("%s after %q: plainDepth %d, want %d", c.schema, c.text, d, c.depth)
		}
		m.Mask(v, mask)
		bruteMask(bf, tokens, want)
		for id := range tokens {
			if mask.Allows(id) != want[id] {
				t.Fatalf("%s after %q: token %d %q: mask %v, brute force %v", c.schema, c.text, id, tokens[id], mask.Allows(id), want[id])
			}
		}
	}
}
