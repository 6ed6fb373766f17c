package grammar

import (
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gosling-edge/gosling/runtime/tokenizer"
)

// worldVocabFile is the repository's copy of the World vocabulary (the
// same file as the reference fixtures' rwkv_vocab_v20230424.txt).
const worldVocabFile = "../../tools/convert/rwkv_vocab_v20230424.txt"

var worldOnce = sync.OnceValues(func() ([][]byte, error) {
	f, err := os.Open(worldVocabFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return tokenizer.ParseVocab(f)
})

// worldVocab returns the World vocabulary's tokens and its Vocab.
func worldVocab(tb testing.TB) ([][]byte, *Vocab) {
	tb.Helper()
	tokens, err := worldOnce()
	if err != nil {
		tb.Fatalf("reading the World vocabulary: %v", err)
	}
	return tokens, worldVocabTrie(tokens)
}

var worldTrie struct {
	sync.Mutex
	v *Vocab
}

func worldVocabTrie(tokens [][]byte) *Vocab {
	worldTrie.Lock()
	defer worldTrie.Unlock()
	if worldTrie.v == nil {
		worldTrie.v = NewVocab(tokens)
	}
	return worldTrie.v
}

// mustParse parses src or fails the test.
func mustParse(tb testing.TB, src string) *Grammar {
	tb.Helper()
	g, err := Parse(src)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", src, err)
	}
	return g
}

// randGrammar writes a random grammar over the characters of alphabet,
// built as an AST and printed with formatRules, so the printer is what
// the parser reads. Many come out left-recursive; callers skip those.
func randGrammar(rng *rand.Rand, alphabet []rune) string {
	nrules := 1 + rng.IntN(4)
	names := []string{"root"}
	for i := 1; i < nrules; i++ {
		names = append(names, "r"+string(rune('a'+i)))
	}
	var rexpr func(depth int) *expr
	char := func() rune { return alphabet[rng.IntN(len(alphabet))] }
	rexpr = func(depth int) *expr {
		switch k := rng.IntN(20); {
		case k < 6:
			var b strings.Builder
			for range 1 + rng.IntN(3) {
				b.WriteRune(char())
			}
			if rng.IntN(15) == 0 {
				b.Reset()
			}
			return &expr{kind: exLit, text: b.String()}
		case k < 10:
			e := &expr{kind: exClass, neg: rng.IntN(4) == 0}
			for range 1 + rng.IntN(3) {
				lo, hi := char(), char()
				if lo > hi {
					lo, hi = hi, lo
				}
				if rng.IntN(2) == 0 {
					hi = lo
				}
				e.ranges = append(e.ranges, cpRange{lo, hi})
			}
			return e
		case k < 11:
			return &expr{kind: exAny}
		case k < 14:
			return &expr{kind: exRef, name: names[rng.IntN(len(names))]}
		case k < 16 && depth < 3:
			e := &expr{kind: exGroup}
			for range 1 + rng.IntN(3) {
				var seq []*expr
				for range rng.IntN(3) {
					seq = append(seq, rexpr(depth+1))
				}
				e.alts = append(e.alts, seq)
			}
			return e
		case depth < 3:
			e := &expr{kind: exRep, sub: rexpr(depth + 1), min: rng.IntN(3), max: -1}
			switch rng.IntN(3) {
			case 0:
				e.max = e.min + rng.IntN(3)
			case 1:
				e.min, e.max = 0, 1
			}
			return e
		default:
			return &expr{kind: exLit, text: string(char())}
		}
	}
	rules := make([]ruleDef, nrules)
	for i := range rules {
		rules[i].name = names[i]
		for range 1 + rng.IntN(3) {
			var seq []*expr
			for range rng.IntN(4) {
				seq = append(seq, rexpr(0))
			}
			rules[i].alts = append(rules[i].alts, seq)
		}
	}
	return formatRules(rules)
}

// randDerive returns a random string of the grammar, or false if the
// derivation grew too deep or too long.
func randDerive(rng *rand.Rand, rules []ruleDef, ref *refMatcher) (string, bool) {
	index := map[string]*ruleDef{}
	for i := range rules {
		index[rules[i].name] = &rules[i]
	}
	var b strings.Builder
	budget := 60
	var seq func([]*expr, int) bool
	var one func(*expr, int) bool
	alt := func(alts [][]*expr, depth int) bool {
		var ok [][]*expr
		for _, a := range alts {
			if ref.altsProductive([][]*expr{a}) {
				ok = append(ok, a)
			}
		}
		return len(ok) > 0 && seq(ok[rng.IntN(len(ok))], depth)
	}
	one = func(e *expr, depth int) bool {
		budget--
		if budget < 0 || depth > 40 {
			return false
		}
		switch e.kind {
		case exLit:
			b.WriteString(e.text)
		case exClass, exAny:
			rs := ref.neg[e]
			if len(rs) == 0 {
				return false
			}
			r := rs[rng.IntN(len(rs))]
			b.WriteRune(r.lo + rune(rng.Int64N(int64(r.hi-r.lo)+1)))
		case exRef:
			return alt(index[e.name].alts, depth+1)
		case exGroup:
			return alt(e.alts, depth+1)
		case exRep:
			n := e.min
			if e.max < 0 {
				n += rng.IntN(3)
			} else {
				n += rng.IntN(e.max - e.min + 1)
			}
			for range n {
				if !one(e.sub, depth+1) {
					return false
				}
			}
		}
		return true
	}
	seq = func(s []*expr, depth int) bool {
		for _, e := range s {
			if !one(e, depth) {
				return false
			}
		}
		return true
	}
	if !one(&expr{kind: exRef, name: "root"}, 0) || b.Len() > 48 {
		return "", false
	}
	return b.String(), true
}
