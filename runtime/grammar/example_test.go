package grammar_test

import (
	"fmt"
	"strings"

	"github.com/gosling-edge/gosling/runtime/grammar"
)

// A toy vocabulary: id 0 is end-of-text, and the token "\xe2\x82" ends
// inside the character €.
var tokens = [][]byte{nil, []byte("{"), []byte(`"on"`), []byte(`"off"`), []byte(":"), []byte(" "),
	[]byte("true"), []byte("}"), []byte("1"), []byte("\xe2\x82"), []byte("\xac"), []byte("€")}

func allowed(v *grammar.Vocab, mask grammar.TokenMask) string {
	var s []string
	for id := range v.Len() {
		if mask.Allows(id) {
			if id == 0 {
				s = append(s, "<end>")
			} else {
				s = append(s, fmt.Sprintf("%q", v.Token(id)))
			}
		}
	}
	return strings.Join(s, " ")
}

func Example() {
	v := grammar.NewVocab(tokens)
	g, err := grammar.Parse(`root ::= "{" ("\"on\"" | "\"off\"") ":" " "? ("true" | "1") "}"`)
	if err != nil {
		panic(err)
	}
	m := g.NewMatcher()
	mask := v.NewMask()
	for _, id := range []int{1, 2, 4, 5, 6, 7} {
		m.Mask(v, mask)
		fmt.Println(allowed(v, mask))
		if err := m.AcceptToken(v, id); err != nil {
			panic(err)
		}
	}
	m.Mask(v, mask)
	fmt.Println(allowed(v, mask))
	// Output:
	// "{"
	// "\"on\"" "\"off\""
	// ":"
	// " " "true" "1"
	// "true" "1"
	// "}"
	// <end>
}

// Tokens may split a character: after "\xe2\x82" only the byte that
// completes the € fits.
func Example_partialCharacter() {
	v := grammar.NewVocab(tokens)
	g, _ := grammar.Parse(`root ::= [€$]+`)
	m := g.NewMatcher()
	mask := v.NewMask()
	m.Mask(v, mask)
	fmt.Println(allowed(v, mask))
	m.AcceptToken(v, 9)
	m.Mask(v, mask)
	fmt.Println(allowed(v, mask))
	// Output:
	// "\xe2\x82" "€"
	// "\xac"
}

func ExampleFromJSONSchema() {
	src, err := grammar.FromJSONSchema([]byte(`{
		"type": "object",
		"properties": {
			"pin": {"enum": ["led", "fan"]},
			"value": {"type": "integer", "minimum": 0, "maximum": 1}
		},
		"required": ["pin", "value"]
	}`))
	if err != nil {
		panic(err)
	}
	fmt.Print(src)
	_, err = grammar.FromJSONSchema([]byte(`{"properties": {"value": {"minimum": "zero"}}}`))
	fmt.Println(err)
	// Output:
	// root ::= "{" "\"pin\"" ":" " "? root-pin "," " "? "\"value\"" ":" " "? [0-1] "}"
	// root-pin ::= "\"led\"" | "\"fan\""
	// json schema: #/properties/value/minimum: want a number
}
