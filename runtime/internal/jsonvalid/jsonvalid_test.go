package jsonvalid

import "testing"

// TestValidate: each keyword the validator knows both accepts a value that
// keeps it and refuses one that breaks it; a validator that accepted
// everything would pass every validity test that uses it.
func TestValidate(t *testing.T) {
	cases := []struct {
		schema   string
		ok, fail []string
	}{
		{`{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}`,
			[]string{`{"a":1}`, `{"a":2.0}`}, []string{`{}`, `{"a":1.5}`, `{"a":1,"b":2}`, `{"a":1,"a":2}`, `[1]`, `{"a":1} {}`, `{"a":1`}},
		{`{"type":"array","items":{"type":"number","minimum":-1,"exclusiveMaximum":2.5},"minItems":1,"maxItems":2}`,
			[]string{`[-1]`, `[2.4999,0]`}, []string{`[]`, `[1,1,1]`, `[-1.01]`, `[2.5]`, `["1"]`}},
		{`{"type":"string","minLength":2,"maxLength":3}`,
			[]string{`"ab"`, `"é😀x"`, `"\u00e9\n"`}, []string{`"a"`, `"abcd"`, `3`}},
		{`{"enum":["x",1,null,[true]]}`,
			[]string{`"x"`, `1.0`, `null`, `[true]`}, []string{`"y"`, `2`, `false`, `[]`}},
		{`{"const":{"k":"v"}}`, []string{`{"k":"v"}`}, []string{`{"k":"w"}`, `{"k":"v","l":1}`}},
		{`{"anyOf":[{"type":"boolean"},{"type":"null"}]}`, []string{`true`, `null`}, []string{`0`, `"true"`}},
		{`{"$defs":{"n":{"type":"object","properties":{"next":{"anyOf":[{"type":"null"},{"$ref":"#/$defs/n"}]}},"required":["next"]}},"$ref":"#/$defs/n"}`,
			[]string{`{"next":null}`, `{"next":{"next":null}}`}, []string{`{"next":{}}`, `{"next":{"next":1}}`}},
		{`{"type":"string","format":"date","pattern":"^2"}`, []string{`"2024-02-29"`}, []string{`"2024-13-01"`, `"1999-01-01"`}},
	}
	for _, c := range cases {
		vd, err := New([]byte(c.schema))
		if err != nil {
			t.Fatalf("%s: %v", c.schema, err)
		}
		for _, s := range c.ok {
			if err := vd.Validate([]byte(s)); err != nil {
				t.Errorf("%s: %s refused: %v", c.schema, s, err)
			}
		}
		for _, s := range c.fail {
			if vd.Validate([]byte(s)) == nil {
				t.Errorf("%s: %s accepted", c.schema, s)
			}
		}
	}
}
