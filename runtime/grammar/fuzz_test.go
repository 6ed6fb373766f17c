package grammar

import (
	"errors"
	"testing"
)

// FuzzParse: Parse never panics, reports every failure as a *SyntaxError,
// and a grammar it accepts prints (String) as one that parses back to the
// same print, and can be matched.
func FuzzParse(f *testing.F) {
	for _, s := range handGrammars {
		f.Add(s)
	}
	f.Add(`root ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4})`)
	f.Add("root ::= (\"a\" | b)* [\\u00e9-\\U0001F600]? .{2,3}\nb ::= \"\" | root \"x\"")
	f.Add(`root ::= x x ::= y`)
	f.Add("root ::= a\na ::= a \"x\" | \"y\"")
	f.Fuzz(func(t *testing.T, src string) {
		g, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError: %v", err, err)
			}
			return
		}
		s1 := g.String()
		g2, err := Parse(s1)
		if err != nil {
			t.Fatalf("printed grammar %q does not parse: %v", s1, err)
		}
		if s2 := g2.String(); s2 != s1 {
			t.Fatalf("printed %q, reprinted %q", s1, s2)
		}
		m := g.NewMatcher()
		m.a.maxStacks = 256 // fuzzed grammars can be wildly ambiguous
		text := []byte(src)
		if len(text) > 32 {
			text = text[:32]
		}
		ok := m.Allows(text)
		if err := m.Accept(text); (err == nil) != ok {
			t.Fatalf("Allows(%q) = %v, Accept: %v", text, ok, err)
		}
	})
}

// FuzzFromJSONSchema: the converter never panics, reports every failure
// as a *SchemaError, and every grammar it writes parses.
func FuzzFromJSONSchema(f *testing.F) {
	for _, s := range fixedSchemas {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"type":"string","pattern":"^(a|b{2,5})*c?$"}`))
	f.Add([]byte(`{"type":"number","exclusiveMinimum":-1e3,"maximum":0.0625}`))
	f.Add([]byte(`{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}`))
	f.Fuzz(func(t *testing.T, schema []byte) {
		src, err := FromJSONSchema(schema)
		if err != nil {
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SchemaError: %v", err, err)
			}
			return
		}
		if _, err := Parse(src); err != nil {
			t.Fatalf("schema %s: the grammar does not parse: %v\n%s", schema, err, src)
		}
	})
}
