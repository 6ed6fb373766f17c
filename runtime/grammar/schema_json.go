package grammar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// A JSON document as the schema converter needs it: objects keep the order
// of their members (a schema's properties are generated in the order they
// are declared), and numbers keep their text.
type jsonValue struct {
	kind    jsonKind
	members []jsonMember // object
	items   []*jsonValue // array
	str     string       // string
	num     json.Number  // number
	boolean bool         // bool
}

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k jsonKind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

type jsonMember struct {
	key string
	val *jsonValue
}

// get returns the member key of an object, or nil.
func (v *jsonValue) get(key string) *jsonValue {
	for _, m := range v.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// maxSchemaDepth bounds the nesting of a schema document, so that a
// hostile one cannot exhaust the stack of the recursive converter.
const maxSchemaDepth = 200

// parseJSON reads one JSON document, rejecting duplicate keys (a schema
// with two "type"s means nothing definite) and trailing data.
func parseJSON(data []byte) (*jsonValue, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := readJSON(d, "#", 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &SchemaError{Path: "#", Msg: "data after the schema"}
	}
	return v, nil
}

func readJSON(d *json.Decoder, path string, depth int) (*jsonValue, error) {
	if depth > maxSchemaDepth {
		return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("nested more than %d deep", maxSchemaDepth)}
	}
	tok, err := d.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &SchemaError{Path: path, Msg: "not valid JSON: " + err.Error()}
	}
	switch t := tok.(type) {
	case nil:
		return &jsonValue{kind: jsonNull}, nil
	case bool:
		return &jsonValue{kind: jsonBool, boolean: t}, nil
	case json.Number:
		return &jsonValue{kind: jsonNumber, num: t}, nil
	case string:
		return &jsonValue{kind: jsonString, str: t}, nil
	case json.Delim:
		if t == '[' {
			v := &jsonValue{kind: jsonArray}
			for i := 0; d.More(); i++ {
				item, err := readJSON(d, fmt.Sprintf("%s/%d", path, i), depth+1)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, item)
			}
			if _, err := d.Token(); err != nil {
				return nil, &SchemaError{Path: path, Msg: "not valid JSON: " + err.Error()}
			}
			return v, nil
		}
		v := &jsonValue{kind: jsonObject}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, &SchemaError{Path: path, Msg: "not valid JSON: " + err.Error()}
			}
			key := kt.(string)
			if v.get(key) != nil {
				return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("key %q appears twice", key)}
			}
			val, err := readJSON(d, pointer(path, key), depth+1)
			if err != nil {
				return nil, err
			}
			v.members = append(v.members, jsonMember{key, val})
		}
		if _, err := d.Token(); err != nil {
			return nil, &SchemaError{Path: path, Msg: "not valid JSON: " + err.Error()}
		}
		return v, nil
	}
	return nil, &SchemaError{Path: path, Msg: fmt.Sprintf("unexpected JSON token %v", tok)}
}

// pointer extends a JSON pointer with one key, escaped as RFC 6901 says.
func pointer(path, key string) string {
	key = strings.ReplaceAll(key, "~", "~0")
	return path + "/" + strings.ReplaceAll(key, "/", "~1")
}

// appendJSON writes v as compact JSON: members in order, numbers as they
// were written, strings with the escapes the generated grammars use
// (appendJSONString).
func appendJSON(b []byte, v *jsonValue) []byte {
	switch v.kind {
	case jsonNull:
		return append(b, "null"...)
	case jsonBool:
		if v.boolean {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case jsonNumber:
		return append(b, v.num...)
	case jsonString:
		return appendJSONString(b, v.str)
	case jsonArray:
		b = append(b, '[')
		for i, it := range v.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, it)
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i, m := range v.members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m.key)
			b = append(b, ':')
			b = appendJSON(b, m.val)
		}
		return append(b, '}')
	}
}

// appendJSONString quotes s: \" \\ and the short escapes for controls, \u
// for the other controls and DEL, everything else as is. Invalid UTF-8 is
// written as U+FFFD, which is what a JSON reader makes of it anyway.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r < 0x20 || r == 0x7F:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
