package toolcall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/runtime/grammar"
)

// SchemaError is an invalid parameter schema: the tool, and the error's
// place as a JSON pointer into that tool's schema (#/properties/x/...).
type SchemaError struct {
	Tool  string
	Index int // the tool's place in the list
	Path  string
	Msg   string
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("tool %q: parameters: %s: %s", e.Tool, e.Path, e.Msg)
}

// Grammar is the grammar of one call to one of tools (all of them when only
// is empty, else those named): CallStart, then {"name": N, "arguments": A}
// with A valid against N's parameter schema, then CallClose. The object is
// compact JSON (grammar.FromJSONSchema's style), "name" first, so that a
// stream can tell the tool before its arguments. A schema the converter
// cannot take is a *SchemaError naming the tool and the place.
func (t *Template) Grammar(tools []Tool, only ...string) (*grammar.Grammar, error) {
	var branches [][]byte
	var index []int
	seen := map[string]bool{}
	for i, tool := range tools {
		if tool.Name == "" {
			return nil, &SchemaError{Index: i, Path: "#", Msg: "the tool has no name"}
		}
		if seen[tool.Name] {
			return nil, &SchemaError{Tool: tool.Name, Index: i, Path: "#", Msg: "two tools have this name"}
		}
		seen[tool.Name] = true
		if len(only) > 0 && !contains(only, tool.Name) {
			continue
		}
		params := bytes.TrimSpace(tool.Parameters)
		if len(params) == 0 {
			params = []byte(`{"type":"object"}`)
		}
		at := "#/anyOf/" + strconv.Itoa(len(branches)) + "/properties/arguments"
		args, err := rebase(params, at)
		if err != nil {
			return nil, &SchemaError{Tool: tool.Name, Index: i, Path: "#", Msg: "not JSON: " + err.Error()}
		}
		branch := `{"type":"object","properties":{"name":{"const":` + string(marshal(tool.Name)) +
			`},"arguments":` + string(args) + `},"required":["name","arguments"],"additionalProperties":false}`
		branches = append(branches, []byte(branch))
		index = append(index, i)
	}
	for _, n := range only {
		if !seen[n] {
			return nil, fmt.Errorf("%w: %q", ErrUnknownTool, n)
		}
	}
	if len(branches) == 0 {
		return nil, errors.New("tool call grammar: no tools")
	}
	schema := []byte(`{"anyOf":[` + string(bytes.Join(branches, []byte(","))) + `]}`)
	src, err := grammar.FromJSONSchema(schema)
	if err != nil {
		var se *grammar.SchemaError
		if errors.As(err, &se) {
			return nil, toolError(se, tools, index)
		}
		return nil, err
	}
	// FromJSONSchema's first rule is its root; rename it, and wrap the call
	// in the fences.
	names := map[string]bool{}
	for _, line := range strings.Split(src, "\n") {
		if name, _, ok := strings.Cut(line, " ::= "); ok {
			names[name] = true
		}
	}
	call := "tool-call"
	for k := 2; names[call]; k++ {
		call = "tool-call-" + strconv.Itoa(k)
	}
	src = call + strings.TrimPrefix(src, "root")
	src = "root ::= " + quote(t.CallStart) + " " + call + " " + quote(t.CallClose) + "\n" + src
	g, err := grammar.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("tool call grammar: %w", err)
	}
	return g, nil
}

// ErrUnknownTool is a call, or a forced choice, naming no declared tool.
var ErrUnknownTool = errors.New("no such tool")

// toolError maps an error in the combined schema back to the tool's own.
func toolError(se *grammar.SchemaError, tools []Tool, index []int) error {
	rest, ok := strings.CutPrefix(se.Path, "#/anyOf/")
	if ok {
		num, tail, _ := strings.Cut(rest, "/")
		k, err := strconv.Atoi(num)
		if p, ok2 := strings.CutPrefix("/"+tail, "/properties/arguments"); err == nil && ok2 && k < len(index) {
			i := index[k]
			return &SchemaError{Tool: tools[i].Name, Index: i, Path: "#" + p, Msg: se.Msg}
		}
	}
	return &SchemaError{Path: se.Path, Msg: se.Msg}
}

// rebase rewrites the local $refs of a schema moved to the pointer at, so
// that they still point into it, keeping the order of every object's keys
// (the grammar writes properties in that order). Only string values of
// "$ref" keys are touched (a property named "$ref" holds a schema, an
// object).
func rebase(schema []byte, at string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	dec.UseNumber()
	var out bytes.Buffer
	type frame struct {
		object bool
		n      int // values (arrays) or keys and values (objects) written
	}
	var stack []frame
	key := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		isKey := top != nil && top.object && top.n%2 == 0
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil {
			switch {
			case top.object && top.n%2 == 1:
				out.WriteByte(':')
			case top.n > 0:
				out.WriteByte(',')
			}
			top.n++
		}
		switch x := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(x))
			stack = append(stack, frame{object: x == '{'})
		case string:
			if !isKey && key == "$ref" && strings.HasPrefix(x, "#") {
				x = at + x[1:]
			}
			out.Write(marshal(x))
			if isKey {
				key = x
			}
		case json.Number:
			out.WriteString(x.String())
		case bool:
			out.WriteString(strconv.FormatBool(x))
		case nil:
			out.WriteString("null")
		}
		if !isKey {
			key = ""
		}
	}
	return out.Bytes(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// quote writes s as a GBNF literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
