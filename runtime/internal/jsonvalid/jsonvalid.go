// Package jsonvalid is a small JSON Schema validator for tests: the
// outputs that runtime/grammar constrains to a schema are checked with it.
// It is written from the JSON Schema specification and independently of
// the grammar package's converter, so that the two do not share a
// misreading: the schema is read by encoding/json into maps, the instance
// by a token reader that keeps duplicate keys, numbers are compared as
// big.Rat, strings are counted in code points and matched with package
// regexp.
//
// It covers the keywords the converter accepts (FromJSONSchema's list);
// others are ignored, so it is no general-purpose validator.
package jsonvalid

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf8"
)

// instance is a parsed JSON text.
type instance struct {
	kind    string // object array string number boolean null
	members []instMember
	items   []*instance
	str     string
	num     *big.Rat
	numText string
	b       bool
}

type instMember struct {
	key string
	val *instance
}

// parseInstance reads exactly one JSON value.
func parseInstance(text string) (*instance, error) {
	if !json.Valid([]byte(text)) {
		return nil, fmt.Errorf("not valid JSON")
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	v, err := readInstance(d)
	if err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("more than one value")
	}
	return v, nil
}

func readInstance(d *json.Decoder) (*instance, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &instance{kind: "null"}, nil
	case bool:
		return &instance{kind: "boolean", b: t}, nil
	case json.Number:
		r, ok := new(big.Rat).SetString(string(t))
		if !ok {
			return nil, fmt.Errorf("number %s", t)
		}
		return &instance{kind: "number", num: r, numText: string(t)}, nil
	case string:
		return &instance{kind: "string", str: t}, nil
	case json.Delim:
		v := &instance{kind: "array"}
		if t == '{' {
			v.kind = "object"
		}
		for d.More() {
			if v.kind == "object" {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				val, err := readInstance(d)
				if err != nil {
					return nil, err
				}
				v.members = append(v.members, instMember{k.(string), val})
			} else {
				it, err := readInstance(d)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, it)
			}
		}
		_, err := d.Token()
		return v, err
	}
	return nil, fmt.Errorf("token %v", tok)
}

// Validator checks instances against one schema document.
type Validator struct {
	root any
	// Keys that appeared twice in an object where the schema allows
	// additional properties: JSON allows them and a context-free grammar
	// cannot rule them out (FromJSONSchema's documented limit).
	extraDuplicates int
}

// New reads a schema document.
func New(schema []byte) (*Validator, error) {
	var root any
	d := json.NewDecoder(bytes.NewReader(schema))
	d.UseNumber()
	if err := d.Decode(&root); err != nil {
		return nil, err
	}
	return &Validator{root: root}, nil
}

// Validate reports why text is not exactly one JSON value that validates
// against the schema, or nil.
func (vd *Validator) Validate(text []byte) error {
	v, err := parseInstance(string(text))
	if err != nil {
		return err
	}
	return vd.check(vd.root, v, "$")
}

// ExtraDuplicates returns how many times Validate met a key twice in an
// object where the schema allows additional properties: JSON allows that
// and a context-free grammar cannot rule it out (FromJSONSchema's
// documented limit), so it is counted rather than refused.
func (vd *Validator) ExtraDuplicates() int { return vd.extraDuplicates }

func (vd *Validator) check(schema any, v *instance, at string) error {
	if b, ok := schema.(bool); ok {
		if !b {
			return fmt.Errorf("%s: schema false", at)
		}
		return nil
	}
	s := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		target := vd.root
		if ref != "#" {
			for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
				target = target.(map[string]any)[tok]
			}
		}
		return vd.check(target, v, at)
	}
	if subs, ok := s["anyOf"].([]any); ok {
		for _, sub := range subs {
			if vd.check(sub, v, at) == nil {
				return nil
			}
		}
		return fmt.Errorf("%s: no anyOf branch matches", at)
	}
	if subs, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, sub := range subs {
			if vd.check(sub, v, at) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: %d oneOf branches match", at, n)
		}
		return nil
	}
	if subs, ok := s["allOf"].([]any); ok {
		for _, sub := range subs {
			if err := vd.check(sub, v, at); err != nil {
				return err
			}
		}
	}
	if t, ok := s["type"]; ok {
		var types []any
		if ts, ok := t.([]any); ok {
			types = ts
		} else {
			types = []any{t}
		}
		match := false
		for _, t := range types {
			match = match || v.kind == t || t == "integer" && v.kind == "number" && v.num.IsInt()
		}
		if !match {
			return fmt.Errorf("%s: %s is not of type %v", at, v.kind, t)
		}
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, v) {
		return fmt.Errorf("%s: not the const", at)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, c := range e {
			found = found || jsonEqual(c, v)
		}
		if !found {
			return fmt.Errorf("%s: not in the enum", at)
		}
	}
	switch v.kind {
	case "object":
		return vd.checkObject(s, v, at)
	case "array":
		return vd.checkArray(s, v, at)
	case "string":
		return checkString(s, v, at)
	case "number":
		return checkNumber(s, v, at)
	}
	return nil
}

func (vd *Validator) checkObject(s map[string]any, v *instance, at string) error {
	props, _ := s["properties"].(map[string]any)
	seen := map[string]bool{}
	for _, m := range v.members {
		p, declared := props[m.key]
		if seen[m.key] {
			if declared {
				return fmt.Errorf("%s: property %q twice", at, m.key)
			}
			vd.extraDuplicates++
		}
		seen[m.key] = true
		where := at + "." + m.key
		if declared {
			if err := vd.check(p, m.val, where); err != nil {
				return err
			}
			continue
		}
		ap, ok := s["additionalProperties"]
		if !ok {
			ap = true
		}
		if err := vd.check(ap, m.val, where); err != nil {
			return fmt.Errorf("additional property: %w", err)
		}
	}
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if !seen[r.(string)] {
				return fmt.Errorf("%s: required property %q missing", at, r)
			}
		}
	}
	return nil
}

func (vd *Validator) checkArray(s map[string]any, v *instance, at string) error {
	var prefix []any
	rest, restSet := s["items"]
	if p, ok := s["prefixItems"].([]any); ok {
		prefix = p
	} else if p, ok := rest.([]any); ok {
		prefix = p
		rest, restSet = s["additionalItems"]
	}
	for i, it := range v.items {
		where := fmt.Sprintf("%s[%d]", at, i)
		var sub any = true
		switch {
		case i < len(prefix):
			sub = prefix[i]
		case restSet:
			sub = rest
		}
		if err := vd.check(sub, it, where); err != nil {
			return err
		}
	}
	if n, ok := intKeyword(s, "minItems"); ok && len(v.items) < n {
		return fmt.Errorf("%s: %d items, fewer than minItems %d", at, len(v.items), n)
	}
	if n, ok := intKeyword(s, "maxItems"); ok && len(v.items) > n {
		return fmt.Errorf("%s: %d items, more than maxItems %d", at, len(v.items), n)
	}
	return nil
}

func intKeyword(s map[string]any, k string) (int, bool) {
	n, ok := s[k].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

var formatChecks = map[string]*regexp.Regexp{
	"date":      regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`),
	"time":      regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`),
	"date-time": regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`),
	"uuid":      regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
}

func checkString(s map[string]any, v *instance, at string) error {
	n := utf8.RuneCountInString(v.str)
	if m, ok := intKeyword(s, "minLength"); ok && n < m {
		return fmt.Errorf("%s: %d characters, fewer than minLength %d", at, n, m)
	}
	if m, ok := intKeyword(s, "maxLength"); ok && n > m {
		return fmt.Errorf("%s: %d characters, more than maxLength %d", at, n, m)
	}
	if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v.str) {
		return fmt.Errorf("%s: %q does not match %q", at, v.str, p)
	}
	if f, ok := s["format"].(string); ok && formatChecks[f] != nil && !formatChecks[f].MatchString(v.str) {
		return fmt.Errorf("%s: %q is not a %s", at, v.str, f)
	}
	return nil
}

func checkNumber(s map[string]any, v *instance, at string) error {
	rat := func(k string) (*big.Rat, bool) {
		n, ok := s[k].(json.Number)
		if !ok {
			return nil, false
		}
		r, ok := new(big.Rat).SetString(string(n))
		return r, ok
	}
	exMinBool, _ := s["exclusiveMinimum"].(bool)
	exMaxBool, _ := s["exclusiveMaximum"].(bool)
	if m, ok := rat("minimum"); ok {
		if c := v.num.Cmp(m); c < 0 || c == 0 && exMinBool {
			return fmt.Errorf("%s: %s below minimum %s", at, v.numText, m.RatString())
		}
	}
	if m, ok := rat("maximum"); ok {
		if c := v.num.Cmp(m); c > 0 || c == 0 && exMaxBool {
			return fmt.Errorf("%s: %s above maximum %s", at, v.numText, m.RatString())
		}
	}
	if m, ok := rat("exclusiveMinimum"); ok && v.num.Cmp(m) <= 0 {
		return fmt.Errorf("%s: %s not above exclusiveMinimum %s", at, v.numText, m.RatString())
	}
	if m, ok := rat("exclusiveMaximum"); ok && v.num.Cmp(m) >= 0 {
		return fmt.Errorf("%s: %s not below exclusiveMaximum %s", at, v.numText, m.RatString())
	}
	return nil
}

// jsonEqual compares a schema value (from encoding/json) with an instance.
func jsonEqual(a any, v *instance) bool {
	switch a := a.(type) {
	case nil:
		return v.kind == "null"
	case bool:
		return v.kind == "boolean" && v.b == a
	case json.Number:
		r, ok := new(big.Rat).SetString(string(a))
		return ok && v.kind == "number" && r.Cmp(v.num) == 0
	case string:
		return v.kind == "string" && v.str == a
	case []any:
		if v.kind != "array" || len(a) != len(v.items) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], v.items[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if v.kind != "object" || len(a) != len(v.members) {
			return false
		}
		for _, m := range v.members {
			x, ok := a[m.key]
			if !ok || !jsonEqual(x, m.val) {
				return false
			}
		}
		return true
	}
	return false
}
