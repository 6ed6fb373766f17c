package grammar

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestParseSyntax checks each piece of the syntax by what the grammar
// matches.
func TestParseSyntax(t *testing.T) {
	cases := []struct {
		src     string
		match   []string
		nomatch []string
	}{
		{`root ::= "a" "bc"`, []string{"abc"}, []string{"", "ab", "abcd"}},
		{`root ::= "a" | "b" | `, []string{"a", "b", ""}, []string{"ab"}},
		{"root ::= (\n  \"a\" # a comment\n  | \"b\"\n) \"c\"", []string{"ac", "bc"}, []string{"c"}},
		{"root ::= \"a\" |\n  \"b\"\n# trailing comment", []string{"a", "b"}, nil},
		{"root ::= x\r\nx ::= \"y\"\r\n", []string{"y"}, nil},
		{`root ::= "\n\r\t\\\"\[\]"`, []string{"\n\r\t\\\"[]"}, nil},
		{`root ::= "\x41\u00e9\U0001F600"`, []string{"Aé😀"}, []string{"A\xe9"}},
		{`root ::= "\xFF"`, []string{"ÿ"}, []string{"\xff"}},
		{`root ::= [a-c]+`, []string{"a", "cab"}, []string{"", "d"}},
		{`root ::= [^a-c\n]`, []string{"d", "é", "😀"}, []string{"a", "\n", "\xff", "\xed\xa0\x80"}},
		{`root ::= [-a]* [b-] [\]^]`, []string{"-a-b]", "-^", "b^"}, nil},
		{`root ::= [\x2D\x5E]`, []string{"-", "^"}, []string{"x"}},
		{`root ::= .`, []string{"a", "\x00", "ж", "😀"}, []string{"", "\xc0\x80", "\xff", "ab"}},
		{`root ::= "ab"?`, []string{"", "ab"}, []string{"a"}},
		{`root ::= "a"{3}`, []string{"aaa"}, []string{"aa", "aaaa"}},
		{`root ::= "a"{2,}`, []string{"aa", "aaaaa"}, []string{"a"}},
		{`root ::= "a"{1,3}`, []string{"a", "aaa"}, []string{"", "aaaa"}},
		{`root ::= "a"{0,2}`, []string{"", "aa"}, []string{"aaa"}},
		{`root ::= "a"{ 1 , 2 }`, []string{"a", "aa"}, nil},
		{`root ::= "a"+?`, []string{"", "a", "aaa"}, nil},
		{`root ::= ("x" root "y")?`, []string{"", "xy", "xxyy"}, []string{"xxy"}},
		{`root ::= ("a"?)* "b"`, []string{"b", "aab"}, nil},
		{`root ::= root | "a"`, []string{"a"}, []string{""}},
		{`root ::= "a" | nothing
nothing ::= "x" nothing`, []string{"a"}, []string{"x", "xx"}},
		{`root ::= [\u0100-\U0010FFFF]`, []string{"Ā", "\U0010FFFF", "\uE000"}, []string{"ÿ"}},
		{`root ::= [\uD7FF-\uE000]`, []string{"\uD7FF", "\uE000"}, []string{"\xed\xa0\x80"}},
	}
	for _, c := range cases {
		g, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		m := g.NewMatcher()
		for _, s := range c.match {
			if !fullMatch(m, s) {
				t.Errorf("%q does not match %q", c.src, s)
			}
		}
		for _, s := range c.nomatch {
			if fullMatch(m, s) {
				t.Errorf("%q matches %q", c.src, s)
			}
		}
	}
}

// TestParseErrors checks messages and positions.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{`root ::= foo`, 1, 10, `undefined rule "foo"`},
		{`rot ::= "a"`, 0, 0, "no root rule"},
		{"root ::= \"a\"\n| \"b\"", 2, 1, "cannot start with '|'"},
		{`root ::= "abc`, 1, 10, "unterminated string"},
		{`root ::= [abc`, 1, 10, "unterminated character class"},
		{`root ::= "\q"`, 1, 11, `unknown escape \q`},
		{`root ::= "\x4"`, 1, 11, "needs 2 hex digits"},
		{`root ::= "\U00110000"`, 1, 11, "beyond the last code point"},
		{`root ::= "\uD800"`, 1, 17, "surrogate"},
		{`root ::= [z-a]`, 1, 11, "runs backwards"},
		{`root ::= ("a" | "b"`, 1, 20, "expected ')'"},
		{`root ::= "a")`, 1, 13, "unbalanced ')'"},
		{`root ::= *`, 1, 10, "nothing before it"},
		{`root ::= "a"{2,1}`, 1, 13, "below the minimum"},
		{`root ::= "a"{2001}`, 1, 14, "above the limit"},
		{`root ::= "a"{1 2}`, 1, 16, "expected ',' or '}'"},
		{`root ::= <think>`, 1, 10, "token references"},
		{"root ::= \"a\"\nroot ::= \"b\"", 2, 1, `defined twice (first at 1:1)`},
		{`root := "a"`, 1, 6, "expected ::="},
		{"root ::= \"a\" ~", 1, 14, "expected the end of the line"},
		{"# x\n\nroot ::= é", 3, 10, "found 'é'"},
		{"root ::= \"a\nb\"", 1, 12, "cannot span lines"},
		{"root ::= a\na ::= a \"x\" | \"y\"", 2, 1, `rule "a" is left-recursive`},
		{"root ::= b \"x\"\nb ::= c\nc ::= \"\" | root", 1, 1, "left-recursive"},
		{"root ::= \"y\" | x? root \"z\"\nx ::= \"q\"", 1, 1, `rule "root" is left-recursive`},
		{`root ::= [^\x00-\U0010FFFF]`, 1, 1, "can never be completed"},
		{`root ::= "a" root`, 1, 1, "can never be completed"},
		{`root ::= ("x"{2000}){2000}`, 1, 10, "too large"},
		{"root ::= \"\xff\"", 1, 11, "not valid UTF-8"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", c.src, err)
			continue
		}
		if se.Line != c.line || se.Col != c.col || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Parse(%q) = %v; want %d:%d and %q", c.src, err, c.line, c.col, c.msg)
		}
	}
}

// TestFormatRoundTrip: String prints a grammar that parses back to one
// that prints the same, and matches the same texts.
func TestFormatRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	srcs := append([]string(nil), handGrammars...)
	for range 300 {
		srcs = append(srcs, randGrammar(rng, refAlphabet))
	}
	srcs = append(srcs, `root ::= [\x00-\x1F\x7F-\x9F\u200B\uFFFD\U000E0001] "\x00\u00A0"`)
	for _, src := range srcs {
		g, err := Parse(src)
		if err != nil {
			continue
		}
		s1 := g.String()
		g2, err := Parse(s1)
		if err != nil {
			t.Fatalf("grammar %q prints as %q, which does not parse: %v", src, s1, err)
		}
		if s2 := g2.String(); s2 != s1 {
			t.Fatalf("grammar %q prints as %q, then as %q", src, s1, s2)
		}
		m1, m2 := g.NewMatcher(), g2.NewMatcher()
		for range 20 {
			s, ok := randDerive(rng, g.rules, newRefMatcher(g.rules))
			if ok && (!fullMatch(m1, s) || !fullMatch(m2, s)) {
				t.Fatalf("grammar %q: printed form disagrees on %q", src, s)
			}
		}
	}
}

// TestUTF8Sequences compares the byte sequences of classes with package
// utf8 on every code point.
func TestUTF8Sequences(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	classes := [][]cpRange{
		nil,
		{{0, utf8.MaxRune}},
		{{0x7F, 0x80}, {0x7FF, 0x800}, {0xFFFF, 0x10000}},
		{{0xD000, 0xE100}},
		{{'a', 'z'}, {'é', 'é'}, {0x4E00, 0x9FFF}},
	}
	n := 4
	if testing.Short() {
		n = 1
	}
	for range n {
		var rs []cpRange
		for range 1 + rng.IntN(4) {
			lo := rune(rng.IntN(0x110000))
			hi := min(lo+rune(rng.IntN(0x20000)), utf8.MaxRune)
			rs = append(rs, cpRange{lo, hi})
		}
		classes = append(classes, rs)
	}
	// Every code point for the class of all, a sample and every edge
	// for the others (every 5th point, every 61st in short mode).
	edges := []rune{0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, utf8.MaxRune}
	for k, rs := range classes {
		stride := rune(5)
		switch {
		case k == 1:
			stride = 1
		case testing.Short():
			stride = 61
		}
		points := slices.Clone(edges)
		for _, r := range rs {
			points = append(points, r.lo-1, r.lo, r.hi, r.hi+1)
		}
		for c := rune(0); c <= utf8.MaxRune; c += stride {
			points = append(points, c)
		}
		for _, neg := range []bool{false, true} {
			norm := normalizeRanges(rs, neg)
			seqs := classSequences(norm)
			var buf [utf8.UTFMax]byte
			for _, c := range points {
				if c < 0 || c > utf8.MaxRune || c >= 0xD800 && c <= 0xDFFF {
					continue
				}
				want := inRanges(refRanges(rs, neg), c)
				enc := buf[:utf8.EncodeRune(buf[:], c)]
				got := false
				for _, seq := range seqs {
					if len(seq) != len(enc) {
						continue
					}
					ok := true
					for i, s := range seq {
						ok = ok && s.has(enc[i])
					}
					got = got || ok
				}
				if got != want {
					t.Fatalf("class %v (negated %v): U+%04X: sequences say %v, want %v", rs, neg, c, got, want)
				}
			}
		}
	}
}
