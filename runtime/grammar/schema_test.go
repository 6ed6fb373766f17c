package grammar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gosling-edge/gosling/runtime/internal/jsonvalid"
)

// fixedSchemas are schemas of the kind tool calls and structured output
// use, nested ones included.
var fixedSchemas = []string{
	// A tool call in the G1 style.
	`{"type":"object","properties":{"name":{"enum":["gpio_write","gpio_read","sensor"]},"arguments":{"type":"object","properties":{"pin":{"enum":["led","fan"]},"value":{"type":"integer","minimum":0,"maximum":1},"pulse_ms":{"type":"integer","minimum":1,"maximum":10000}},"required":["pin","value"]}},"required":["name","arguments"]}`,
	// A sensor reading.
	`{"type":"object","properties":{"sensor":{"type":"string","minLength":1,"maxLength":32},"value":{"type":"number","minimum":-40,"maximum":125.5},"unit":{"enum":["C","F","%"]}},"required":["sensor","value","unit"],"additionalProperties":false}`,
	// A person with an address.
	`{"type":"object","properties":{"name":{"type":"string","maxLength":40},"age":{"type":"integer","minimum":0,"maximum":150},"address":{"type":"object","properties":{"street":{"type":"string","maxLength":30},"city":{"type":"string","maxLength":20},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["city"]},"tags":{"type":"array","items":{"type":"string","maxLength":10},"maxItems":5}},"required":["name","address"]}`,
	// Several types.
	`{"anyOf":[{"type":"string","maxLength":8},{"type":"integer","exclusiveMinimum":-5,"exclusiveMaximum":5},{"type":"null"}]}`,
	// A recursive tree.
	`{"$defs":{"node":{"type":"object","properties":{"label":{"type":"string","maxLength":6},"children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["label"]}},"$ref":"#/$defs/node"}`,
	// An array of objects.
	`{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer","minimum":1},"ok":{"type":"boolean"}},"required":["id","ok"]},"minItems":1,"maxItems":3}`,
	// A map.
	`{"type":"object","additionalProperties":{"type":"integer","minimum":-3,"maximum":3}}`,
	// A tuple.
	`{"type":"array","prefixItems":[{"type":"string","maxLength":5},{"type":"integer"},{"type":"boolean"}],"items":false,"minItems":2}`,
	// Formats.
	`{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"day":{"type":"string","format":"date"},"id":{"type":"string","format":"uuid"}},"required":["when","day","id"]}`,
	// oneOf and const.
	`{"type":"object","properties":{"mode":{"const":"auto"},"level":{"oneOf":[{"type":"integer","minimum":0,"maximum":9},{"type":"string","enum":["low","high"]},{"type":"null"}]}},"required":["mode","level"]}`,
	// Decimal bounds.
	`{"type":"object","properties":{"x":{"type":"number","exclusiveMinimum":-0.5,"maximum":0.75},"y":{"type":"number","minimum":2.5,"exclusiveMaximum":3},"z":{"type":"integer","minimum":-12.5,"maximum":-7.5}},"required":["x","y","z"]}`,
	// A nullable string, and declared plus additional properties.
	`{"type":"object","properties":{"note":{"type":["string","null"],"maxLength":12}},"additionalProperties":{"type":"boolean"}}`,
	// Escapes in keys and enum values.
	`{"type":"object","properties":{"a \"quoted\" key":{"enum":["line\nbreak","tab\t","é€😀","back\\slash"]},"ключ":{"type":"boolean"}},"required":["a \"quoted\" key","ключ"]}`,
	// Anything at all.
	`{}`,
}

// generateJSON takes a random walk through g with the World vocabulary,
// sampling only allowed tokens until end of text is drawn. Late in the
// walk it prefers tokens that close strings and containers, so that walks
// end. It fails the test if the matcher ever allows nothing where the text
// is not complete.
func generateJSON(t *testing.T, g *Grammar, m *Matcher, rng *rand.Rand, maxSteps int) (string, bool) {
	t.Helper()
	tokens, v := worldVocab(t)
	closes := closerTokens(tokens)
	mask := v.NewMask()
	m.Reset()
	var text []byte
	var allowed, closers []int
	for step := range maxSteps {
		m.Mask(v, mask)
		if mask.Allows(0) && (rng.IntN(4) == 0 || step > maxSteps/2) {
			if err := m.AcceptToken(v, 0); err != nil {
				t.Fatalf("end of text was in the mask: %v", err)
			}
			return string(text), true
		}
		allowed, closers = allowed[:0], closers[:0]
		for w, b := range mask {
			for ; b != 0; b &= b - 1 {
				id := w*64 + bits.TrailingZeros64(b)
				if id == 0 {
					continue
				}
				allowed = append(allowed, id)
				if closes[id] {
					closers = append(closers, id)
				}
			}
		}
		if len(allowed) == 0 {
			if !m.Done() {
				t.Fatalf("grammar:\n%s\nafter %q nothing is allowed and the text is not complete", g, text)
			}
			return string(text), true
		}
		pick := allowed
		if step > maxSteps/4 && len(closers) > 0 && rng.IntN(3) > 0 {
			pick = closers
		}
		id := pick[rng.IntN(len(pick))]
		if err := m.AcceptToken(v, id); err != nil {
			t.Fatalf("grammar:\n%s\nafter %q: token %q was in the mask but: %v", g, text, tokens[id], err)
		}
		text = append(text, tokens[id]...)
	}
	return string(text), false
}

var (
	closerOnce  sync.Once
	closerMarks []bool
)

// closerTokens marks the tokens that hold a '"', ']' or '}'.
func closerTokens(tokens [][]byte) []bool {
	closerOnce.Do(func() {
		closerMarks = make([]bool, len(tokens))
		for id, tok := range tokens {
			closerMarks[id] = bytes.ContainsAny(tok, "\"]}")
		}
	})
	return closerMarks
}

// checkValidity generates walks through the grammar of schema and checks
// that each finished one parses as JSON and validates.
func checkValidity(t *testing.T, schema string, rng *rand.Rand, walks int) {
	t.Helper()
	g, err := CompileJSONSchema([]byte(schema))
	if err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	vd, err := jsonvalid.New([]byte(schema))
	if err != nil {
		t.Fatalf("validator: %v", err)
	}
	m := g.NewMatcher()
	finished := 0
	for range walks {
		text, ok := generateJSON(t, g, m, rng, 300)
		if !ok {
			continue
		}
		finished++
		if err := vd.Validate([]byte(text)); err != nil {
			t.Fatalf("schema %s\ngrammar:\n%s\ngenerated %q, which does not validate: %v", schema, g, text, err)
		}
	}
	if finished < walks/2 {
		t.Errorf("schema %s: only %d of %d walks finished", schema, finished, walks)
	}
	t.Logf("%d of %d walks finished and validate", finished, walks)
}

// TestSchemaValidity: random walks through each fixed schema's grammar
// produce JSON that an independent validator accepts.
func TestSchemaValidity(t *testing.T) {
	walks := 50
	if testing.Short() {
		walks = 5
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i, s := range fixedSchemas {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkValidity(t, s, rng, walks) })
	}
}

// randSchema writes a random schema. defs collects $defs entries.
func randSchema(rng *rand.Rand, depth int, defs map[string]any) any {
	kinds := []string{"string", "integer", "number", "boolean", "null", "enum", "object", "array", "anyOf", "oneOf", "ref", "types"}
	if depth >= 3 {
		kinds = kinds[:6]
	}
	switch kinds[rng.IntN(len(kinds))] {
	case "string":
		s := map[string]any{"type": "string"}
		switch rng.IntN(4) {
		case 0:
			s["pattern"] = []string{`^[a-z]{1,4}$`, `^\d+(\.\d)?$`, `x`, `^(on|off)$`, `^[^"\\]{0,3}$`}[rng.IntN(5)]
		case 1:
			s["format"] = []string{"date", "time", "date-time", "uuid"}[rng.IntN(4)]
		default:
			lo := rng.IntN(3)
			s["minLength"] = lo
			if rng.IntN(3) > 0 {
				s["maxLength"] = lo + rng.IntN(6)
			}
		}
		return s
	case "integer", "number":
		s := map[string]any{"type": []string{"integer", "number"}[rng.IntN(2)]}
		vals := []json.Number{"-20", "-7", "-2.5", "-1", "0", "0.125", "1", "3", "7.75", "1e1", "2.5e-1", "99"}
		a, b := vals[rng.IntN(len(vals))], vals[rng.IntN(len(vals))]
		ra, _ := new(big.Rat).SetString(string(a))
		rb, _ := new(big.Rat).SetString(string(b))
		if ra.Cmp(rb) > 0 {
			a, b = b, a
		}
		if rng.IntN(3) > 0 {
			s[[]string{"minimum", "exclusiveMinimum"}[rng.IntN(2)]] = a
		}
		if rng.IntN(3) > 0 {
			s[[]string{"maximum", "exclusiveMaximum"}[rng.IntN(2)]] = b
		}
		if _, err := FromJSONSchema(mustJSON(s)); err != nil {
			return map[string]any{"type": "integer"} // empty range
		}
		return s
	case "boolean":
		return map[string]any{"type": "boolean"}
	case "null":
		return map[string]any{"type": "null"}
	case "enum":
		pool := []any{"a", "b c", "é", "line\nbreak", 1, 2.5, true, nil, []any{1, "x"}, map[string]any{"k": false}}
		var e []any
		for range 1 + rng.IntN(3) {
			e = append(e, pool[rng.IntN(len(pool))])
		}
		return map[string]any{"enum": e}
	case "object":
		names := []string{"id", "name", "on", "a b", "ключ", `q"k`}
		props := map[string]any{}
		var req []string
		for _, n := range names {
			if rng.IntN(2) == 0 {
				props[n] = randSchema(rng, depth+1, defs)
				if rng.IntN(2) == 0 {
					req = append(req, n)
				}
			}
		}
		s := map[string]any{"type": "object", "properties": props}
		if len(req) > 0 {
			s["required"] = req
		}
		switch rng.IntN(6) {
		case 0:
			s["additionalProperties"] = true
		case 1:
			s["additionalProperties"] = randSchema(rng, depth+2, defs)
		}
		return s
	case "array":
		s := map[string]any{"type": "array", "items": randSchema(rng, depth+1, defs)}
		if rng.IntN(4) == 0 {
			s["prefixItems"] = []any{randSchema(rng, depth+1, defs)}
		}
		lo := rng.IntN(3)
		s["minItems"] = lo
		if rng.IntN(3) > 0 {
			s["maxItems"] = lo + rng.IntN(3)
		}
		return s
	case "anyOf":
		return map[string]any{"anyOf": []any{randSchema(rng, depth+1, defs), randSchema(rng, depth+1, defs)}}
	case "oneOf":
		// Branches of different types, so that exactly one matches.
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "string", "maxLength": 3},
			map[string]any{"type": "boolean"},
			map[string]any{"type": "array", "items": randSchema(rng, depth+1, defs), "maxItems": 2},
		}}
	case "ref":
		name := fmt.Sprintf("d%d", len(defs))
		defs[name] = nil // reserve against recursion
		defs[name] = randSchema(rng, depth+1, defs)
		return map[string]any{"$ref": "#/$defs/" + name}
	default:
		return map[string]any{"type": []string{"string", "null"}, "maxLength": 4}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// randSchemaText returns a random schema document.
func randSchemaText(rng *rand.Rand) string {
	defs := map[string]any{}
	root := randSchema(rng, 0, defs)
	if len(defs) > 0 {
		return fmt.Sprintf(`{"$defs":%s,"allOf":[%s]}`, mustJSON(defs), mustJSON(root))
	}
	return string(mustJSON(root))
}

// TestRandomSchemaValidity is TestSchemaValidity on random schemas.
func TestRandomSchemaValidity(t *testing.T) {
	schemas, walks := 80, 15
	if testing.Short() {
		schemas, walks = 15, 4
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range schemas {
		s := randSchemaText(rng)
		checkValidity(t, s, rng, walks)
		if t.Failed() {
			return
		}
	}
}

// TestSchemaMaskAgainstBruteForce runs the mask comparison of
// mask_test.go on schema grammars.
func TestSchemaMaskAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n, steps := 30, 40
	if testing.Short() {
		n, steps = 6, 15
	}
	srcs := append([]string(nil), fixedSchemas[:4]...)
	for range n {
		srcs = append(srcs, randSchemaText(rng))
	}
	for _, s := range srcs {
		g, err := CompileJSONSchema([]byte(s))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		checkMaskWalk(t, g, rng, steps, newRefMatcher(g.rules))
		if t.Failed() {
			t.Fatalf("schema %s", s)
		}
	}
}

// fullMatch reports whether the grammar matches exactly s.
func fullMatch(m *Matcher, s string) bool {
	m.Reset()
	return m.Accept([]byte(s)) == nil && m.Done()
}

// TestSchemaNumberBounds checks the number grammars against big.Rat
// comparisons on numbers around random bounds: in range and in the form
// the grammar writes (no exponent, no -0, integers without a fraction)
// exactly when accepted.
func TestSchemaNumberBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	bounds := []string{"-20", "-3", "-2.5", "-1", "-0.75", "0", "0.001", "0.125", "0.5", "1", "2", "2.25", "9", "10", "99.9", "100", "1e1", "-2.5e-1"}
	fracs := []string{"", ".0", ".5", ".25", ".05", ".125", ".999", ".001", ".50", ".2500", ".75", ".7501", ".7499"}
	var ints []string
	for i := -25; i <= 105; i++ {
		ints = append(ints, fmt.Sprint(i))
	}
	ints = append(ints, "-0", "00", "01", "1e1", "1.5e1", "-")
	rounds := 150
	if testing.Short() {
		rounds = 30
	}
	for range rounds {
		s := map[string]any{"type": []string{"integer", "number"}[rng.IntN(2)]}
		var lo, hi *big.Rat
		var loStrict, hiStrict bool
		if rng.IntN(4) > 0 {
			b := bounds[rng.IntN(len(bounds))]
			lo, _ = new(big.Rat).SetString(b)
			loStrict = rng.IntN(2) == 0
			s[map[bool]string{false: "minimum", true: "exclusiveMinimum"}[loStrict]] = json.Number(b)
		}
		if rng.IntN(4) > 0 {
			b := bounds[rng.IntN(len(bounds))]
			hi, _ = new(big.Rat).SetString(b)
			hiStrict = rng.IntN(2) == 0
			s[map[bool]string{false: "maximum", true: "exclusiveMaximum"}[hiStrict]] = json.Number(b)
		}
		schema := mustJSON(s)
		g, err := CompileJSONSchema(schema)
		if err != nil {
			var se *SchemaError
			if !errors.As(err, &se) || !strings.Contains(se.Msg, "between the bounds") {
				t.Fatalf("%s: %v", schema, err)
			}
			continue // an empty range; checked below by the candidates having none in range
		}
		m := g.NewMatcher()
		integer := s["type"] == "integer"
		for _, ip := range ints {
			for _, fp := range fracs {
				text := ip + fp
				r, ok := new(big.Rat).SetString(text)
				want := ok && json.Valid([]byte(text)) && !strings.ContainsAny(text, "eE")
				if want {
					want = !(strings.HasPrefix(text, "-") && r.Sign() == 0)
					want = want && (!integer || fp == "")
					want = want && (lo == nil || r.Cmp(lo) > 0 || r.Cmp(lo) == 0 && !loStrict)
					want = want && (hi == nil || r.Cmp(hi) < 0 || r.Cmp(hi) == 0 && !hiStrict)
				}
				if got := fullMatch(m, text); got != want {
					src, _ := FromJSONSchema(schema)
					t.Fatalf("schema %s: %q accepted %v, want %v\ngrammar:\n%s", schema, text, got, want, src)
				}
			}
		}
	}
}

// TestSchemaPattern checks pattern grammars against package regexp on
// strings over the patterns' characters, written as the grammar writes
// strings.
func TestSchemaPattern(t *testing.T) {
	patterns := []string{`^[a-z]+$`, `^\d{3}-\d{4}$`, `abc`, `^(foo|bar)+$`, `^[^"\\]*$`, `^.{2,4}$`,
		`^\w+@\w+\.com$`, `(?i)^ab$`, `^x?y*z+$`, `^[\x00-\x1F]$`, `^é+ü?$`, `b$`, `^$`}
	alphabet := []string{"a", "b", "c", "z", "x", "y", "f", "o", "r", "1", "5", "-", "@", ".", "A", "B", "é", "ü", "\"", "\\", "\n", "\x01", " ",
		"abc", "foo", "bar", ".com", "ab", "x@y"}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, p := range patterns {
		schema := mustJSON(map[string]any{"type": "string", "pattern": p})
		g, err := CompileJSONSchema(schema)
		if err != nil {
			t.Fatalf("pattern %q: %v", p, err)
		}
		m := g.NewMatcher()
		re := regexp.MustCompile(p)
		accepted := 0
		for range 3000 {
			var b strings.Builder
			for range rng.IntN(8) {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			s := b.String()
			want := re.MatchString(s)
			if got := fullMatch(m, string(appendJSONString(nil, s))); got != want {
				src, _ := FromJSONSchema(schema)
				t.Fatalf("pattern %q, string %q: grammar %v, regexp %v\ngrammar:\n%s", p, s, got, want, src)
			}
			if want {
				accepted++
			}
		}
		if accepted == 0 && p != `^$` && p != `^\d{3}-\d{4}$` {
			t.Errorf("pattern %q: no random string matched; the test sees only rejections", p)
		}
	}
}

// TestSchemaErrors checks that invalid or unsupported schemas fail with
// the path of the problem in the schema.
func TestSchemaErrors(t *testing.T) {
	cases := []struct{ schema, path, msg string }{
		{`{"type":"object","properties":{"x":{"type":"integer","minimum":"a"}}}`, "#/properties/x/minimum", "want a number"},
		{`{"type":"strin"}`, "#/type", `unknown type "strin"`},
		{`{"type":"object","properties":{},"required":["a"]}`, "#/required/0", `"a" is not declared`},
		{`{"$ref":"#/$defs/missing"}`, "#/$ref", "no such place"},
		{`{"not":{}}`, "#/not", "not supported"},
		{`{"type":"integer","minimum":5,"maximum":4}`, "#", "no integer"},
		{`{"type":"number","exclusiveMinimum":1,"maximum":1}`, "#", "no number"},
		{`{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`, "#/$defs/a/$ref", "refers back to itself"},
		{`false`, "#", "allows no value"},
		{`{"type":"string","minLength":-1}`, "#/minLength", "non-negative integer"},
		{`{"anyOf":[]}`, "#/anyOf", "non-empty array"},
		{`{"type":"array","items":{"type":"string","pattern":"(?=x)"}}`, "#/items/pattern", "not a regular expression"},
		{`{"type":"string","pattern":"^a|b$"}`, "#/pattern", "^ and $"},
		{`{"type":`, "#/type", "not valid JSON"},
		{`{"a":1,"a":2}`, "#", `"a" appears twice`},
		{`{"properties":{"x":{"type":"string","maxLength":2,"minLength":3}}}`, "#/properties/x", "above maxLength"},
		{`{"type":"number","minimum":1e999}`, "#/minimum", "out of range"},
		{`{"type":"array","uniqueItems":true}`, "#/uniqueItems", "not supported"},
		{`{"type":"object","properties":{"p":{"type":"integer","multipleOf":2}}}`, "#/properties/p/multipleOf", "not supported"},
		{`{"type":"string","enum":[1,2]}`, "#/enum", "type"},
		{`{"type":"array","prefixItems":[{"type":"null"}],"items":false,"minItems":2}`, "#", "minItems 2"},
		{`{"$ref":"http://example.com/s.json"}`, "#/$ref", "only references inside"},
		{`{"properties":{"a~b/c":{"type":"integer","maximum":"x"}}}`, "#/properties/a~0b~1c/maximum", "want a number"},
		{`{"type":"object","anyOf":[{"type":"object"}]}`, "#/type", "beside anyOf"},
		{`[1]`, "#", "want a schema"},
	}
	for _, c := range cases {
		_, err := FromJSONSchema([]byte(c.schema))
		var se *SchemaError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a *SchemaError", c.schema, err)
			continue
		}
		if se.Path != c.path || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("%s: %v; want path %s and %q", c.schema, err, c.path, c.msg)
		}
		if !strings.HasPrefix(err.Error(), "json schema: "+c.path+": ") {
			t.Errorf("%s: message %q does not start with the path", c.schema, err)
		}
	}
}

// TestSchemaRecursionBound checks that a $ref reaching itself is unrolled
// maxRefNesting levels deep and no deeper, through a property, an array
// and mutual recursion: every allowed value is finite, so a model cannot
// nest until max_tokens cuts its answer.
func TestSchemaRecursionBound(t *testing.T) {
	for _, c := range []struct {
		name, schema string
		nest         func(inner string) string // one more level around inner
		leaf         string
	}{
		{"list", `{"$defs":{"cell":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"type":"null"},{"$ref":"#/$defs/cell"}]}},"required":["v","next"]}},"$ref":"#/$defs/cell"}`,
			func(in string) string { return `{"v":1,"next":` + in + `}` }, `{"v":1,"next":null}`},
		{"tree", `{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}},"required":["kids"]}`,
			func(in string) string { return `{"kids":[` + in + `]}` }, `{"kids":[]}`},
		{"mutual", `{"$defs":{"a":{"type":"array","items":{"$ref":"#/$defs/b"}},"b":{"type":"object","properties":{"a":{"$ref":"#/$defs/a"}}}},"$ref":"#/$defs/a"}`,
			func(in string) string { return `[{"a":` + in + `}]` }, `[]`},
	} {
		g, err := CompileJSONSchema([]byte(c.schema))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		m := g.NewMatcher()
		v := c.leaf
		deepest := -1
		for n := 0; n <= 2*maxRefNesting+2; n++ {
			if fullMatch(m, v) {
				deepest = n
			} else if deepest < 0 {
				t.Fatalf("%s: the unnested value %s is refused", c.name, v)
			}
			v = c.nest(v)
		}
		// A list of n+1 cells nests n times; mutual recursion re-enters at
		// each of its two $refs, so it counts two levels per round.
		want := maxRefNesting
		if c.name == "mutual" {
			want = maxRefNesting / 2
		}
		if deepest != want {
			t.Errorf("%s: nests %d deep, want %d", c.name, deepest, want)
		}
	}
}
