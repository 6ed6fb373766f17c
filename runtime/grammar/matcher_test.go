package grammar

import (
	"errors"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// refAlphabet mixes one-, two-, three- and four-byte characters, so that
// classes and literals split into every UTF-8 length.
var refAlphabet = []rune{'a', 'b', 'c', 'z', '-', 'é', 'ж', '€', '的', '😀', '𝄞'}

// matchText runs s through a fresh matcher state: whether it is a prefix
// (every byte accepted) and whether the grammar may end after it.
func matchText(m *Matcher, s []byte) (prefix, complete bool) {
	m.Reset()
	if !m.Allows(s) {
		return false, false
	}
	if err := m.Accept(s); err != nil {
		panic(err)
	}
	return true, m.Done()
}

// mutate returns s with a random byte edit, so that tests see texts just
// off the grammar and texts cut inside characters.
func mutate(rng *rand.Rand, s []byte) []byte {
	s = append([]byte(nil), s...)
	var buf [utf8.UTFMax]byte
	c := buf[:utf8.EncodeRune(buf[:], refAlphabet[rng.IntN(len(refAlphabet))])]
	switch i := rng.IntN(len(s) + 1); rng.IntN(4) {
	case 0:
		return s[:i]
	case 1:
		return append(s[:i], append(c[:1+rng.IntN(len(c))], s[i:]...)...)
	case 2:
		if i < len(s) {
			s[i] = byte(rng.IntN(256))
		}
		return s
	default:
		if i < len(s) {
			return append(s[:i], s[i+1:]...)
		}
		return s
	}
}

// TestMatcherAgainstReference compares the matcher with the independent
// recognizer of reference_test.go on random grammars: texts drawn from
// each grammar, every byte prefix of them, and edits of them.
func TestMatcherAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	grammars, texts := 300, 25
	if testing.Short() {
		grammars = 60
	}
	parsed, compared, accepted, overflows := 0, 0, 0, 0
	for gi := 0; parsed < grammars && gi < 50*grammars; gi++ {
		src := randGrammar(rng, refAlphabet)
		g, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error is %T, not *SyntaxError: %v", err, err)
			}
			continue
		}
		parsed++
		ref := newRefMatcher(g.rules)
		m := g.NewMatcher()
		// Random grammars are often wildly ambiguous; a low bound keeps
		// their states small. Texts past it are refused (automaton.go),
		// the one place where the matcher may disagree.
		m.a.maxStacks = 256
		if gi%3 == 0 {
			m.SetCacheLimit(0) // flush before every step: same answers
		}
		check := func(s []byte) {
			compared++
			wantP, wantC := ref.match(s)
			gotP, gotC := matchText(m, s)
			if m.a.overflowed && !gotP && wantP {
				overflows++
				return
			}
			if gotP != wantP || gotC != wantC {
				t.Fatalf("grammar:\n%s\ntext %q: matcher (prefix %v, complete %v), reference (prefix %v, complete %v)", src, s, gotP, gotC, wantP, wantC)
			}
			if gotC {
				accepted++
			}
		}
		check(nil)
		for range texts {
			s, ok := randDerive(rng, g.rules, ref)
			if !ok {
				continue
			}
			if p, c := ref.match([]byte(s)); !p || !c {
				t.Fatalf("grammar:\n%s\nderived %q, which the reference rejects (prefix %v, complete %v)", src, s, p, c)
			}
			for i := range len(s) + 1 {
				check([]byte(s[:i]))
			}
			for range 3 {
				check(mutate(rng, []byte(s)))
			}
		}
	}
	if parsed < grammars {
		t.Fatalf("only %d of the random grammars parsed", parsed)
	}
	t.Logf("%d grammars, %d texts compared, %d complete, %d refused for too many stacks", parsed, compared, accepted, overflows)
	if overflows > compared/100 {
		t.Errorf("%d of %d texts refused for too many stacks", overflows, compared)
	}
}
