package toolset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// param declares one argument. The schema and the check in Call are both
// made from it, so the grammar's constraint and the refusal agree.
type param struct {
	name, description string
	typ               string // "string", "integer" or "boolean"
	enum              []any  // the allowed values (string, int64, bool); nil: the range
	min, max          int64  // an integer's range when enum is nil
	required          bool
}

// args are checked arguments: string, int64 or bool values by name.
type args map[string]any

// schemaOf is the JSON Schema of an arguments object with these params.
func schemaOf(params []param) json.RawMessage {
	props := map[string]any{}
	required := []string{}
	for _, p := range params {
		s := map[string]any{"type": p.typ}
		if p.description != "" {
			s["description"] = p.description
		}
		if p.enum != nil {
			s["enum"] = p.enum
		} else {
			s["minimum"], s["maximum"] = p.min, p.max
		}
		props[p.name] = s
		if p.required {
			required = append(required, p.name)
		}
	}
	schema := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		schema["required"] = required
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err) // strings, integers and booleans always marshal
	}
	return b
}

// parseArgs reads a JSON object of scalar arguments and checks each
// against its param: no undeclared names, none twice, every required one
// present, each value of its type and among its enum or in its range.
// Integers are integer literals (1, not 1.0 or 1e0). Empty input (or only
// white space) is {}, as clients send for a tool without arguments.
func parseArgs(data []byte, params []param) (args, error) {
	a := args{}
	if len(bytes.TrimSpace(data)) == 0 {
		return a, missing(a, params)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("want a JSON object")
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, syntax(err)
		}
		name, ok := tok.(string) // an object's keys are strings, or Token fails
		if !ok {
			return nil, errors.New("not JSON: a key that is not a string")
		}
		p := find(params, name)
		if p == nil {
			return nil, fmt.Errorf("unknown argument %q (%s)", name, declared(params))
		}
		if _, dup := a[name]; dup {
			return nil, fmt.Errorf("argument %q given twice", name)
		}
		tok, err = d.Token()
		if err != nil {
			return nil, syntax(err)
		}
		v, err := p.check(tok)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		a[name] = v
	}
	if _, err := d.Token(); err != nil { // the closing brace
		return nil, syntax(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("more after the arguments object")
	}
	return a, missing(a, params)
}

func syntax(err error) error {
	if err == io.EOF {
		return errors.New("the arguments object does not end")
	}
	return fmt.Errorf("not JSON: %v", err)
}

// missing reports the first required param a lacks.
func missing(a args, params []param) error {
	for _, p := range params {
		if _, ok := a[p.name]; p.required && !ok {
			return fmt.Errorf("%s: missing", p.name)
		}
	}
	return nil
}

func find(params []param, name string) *param {
	for i := range params {
		if params[i].name == name {
			return &params[i]
		}
	}
	return nil
}

func declared(params []param) string {
	if len(params) == 0 {
		return "this tool takes none"
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.name
	}
	return "want " + strings.Join(names, ", ")
}

// check converts a JSON token to the param's type and checks its value.
func (p *param) check(tok json.Token) (any, error) {
	var v any
	switch p.typ {
	case "string":
		s, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%s: want a string", describe(tok))
		}
		v = s
	case "boolean":
		b, ok := tok.(bool)
		if !ok {
			return nil, fmt.Errorf("%s: want true or false", describe(tok))
		}
		v = b
	case "integer":
		n, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: want an integer", describe(tok))
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: want an integer", n)
		}
		if p.enum == nil && (i < p.min || i > p.max) {
			return nil, fmt.Errorf("%d: want %d to %d", i, p.min, p.max)
		}
		v = i
	default:
		return nil, fmt.Errorf("type %q", p.typ) // a bug in this package
	}
	if p.enum == nil {
		return v, nil
	}
	for _, e := range p.enum {
		if e == v {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%s: want one of %s", describe(tok), enumList(p.enum))
}

// describe is a token as JSON writes it, for errors.
func describe(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' || tok == '[' {
			return "an " + map[json.Delim]string{'{': "object", '[': "array"}[tok]
		}
	case nil:
		return "null"
	case json.Number:
		return string(tok)
	}
	b, _ := json.Marshal(tok)
	return string(b)
}

func enumList(enum []any) string {
	parts := make([]string, len(enum))
	for i, e := range enum {
		b, _ := json.Marshal(e)
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}
