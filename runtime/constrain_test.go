package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/grammar"
)

// TestGenerateGrammar: a random-weight model under a JSON schema writes
// one value of the schema every time, ending on its own (the grammar
// admits nothing after the closing brace) — whatever the weights prefer.
func TestGenerateGrammar(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	schema := `{"type":"object","properties":{"a":{"type":"integer","minimum":0,"maximum":9},"b":{"enum":["x","y"]}},"required":["a","b"],"additionalProperties":false}`
	gr, err := grammar.CompileJSONSchema([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	prompt := m.Tokenizer.Encode([]byte("Hello"))
	for seed := uint64(1); seed <= 20; seed++ {
		g := m.NewGenerator(nil, runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: seed})
		s := m.NewState()
		var out []byte
		st, err := g.Generate(context.Background(), s, prompt, nil, runtime.GenerateOptions{MaxTokens: 200, Grammar: gr},
			func(b []byte) error { out = append(out, b...); return nil })
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if st.StopReason != runtime.StopEndOfText {
			t.Fatalf("seed %d: stop %q after %q", seed, st.StopReason, out)
		}
		var v struct {
			A *int
			B *string
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil || dec.More() {
			t.Fatalf("seed %d: %q does not parse: %v", seed, out, err)
		}
		if v.A == nil || *v.A < 0 || *v.A > 9 || v.B == nil || (*v.B != "x" && *v.B != "y") {
			t.Fatalf("seed %d: %q breaks the schema", seed, out)
		}
	}
}

// TestGenerateGrammarLimit: a grammar that never ends is cut by MaxTokens,
// reported as such.
func TestGenerateGrammarLimit(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	gr, err := grammar.Parse(`root ::= "a"+`)
	if err != nil {
		t.Fatal(err)
	}
	g := m.NewGenerator(nil, runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: 3})
	var out []byte
	st, err := g.Generate(context.Background(), m.NewState(), m.Tokenizer.Encode([]byte("x")), nil,
		runtime.GenerateOptions{MaxTokens: 8, Grammar: gr, BanEndOfText: true},
		func(b []byte) error { out = append(out, b...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.StopReason != runtime.StopMaxTokens || st.GeneratedTokens != 8 {
		t.Fatalf("stop %q after %d tokens", st.StopReason, st.GeneratedTokens)
	}
	for _, c := range out {
		if c != 'a' {
			t.Fatalf("output %q outside the grammar", out)
		}
	}
}

// TestGenerateGrammarTrigger: a lazy grammar leaves the output free until
// the trigger, then constrains the rest, and the stop strings no longer cut
// it. The bias pushes "@" until the trigger "@@" appears; after it the mask
// must beat the bias.
func TestGenerateGrammarTrigger(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	at := m.Tokenizer.Encode([]byte("@"))
	if len(at) != 1 {
		t.Fatalf("\"@\" is %d tokens", len(at))
	}
	gr, err := grammar.Parse(`root ::= "{" [0-9] [0-9] "}"`)
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 10; seed++ {
		g := m.NewGenerator(nil, runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: seed})
		var out []byte
		st, err := g.Generate(context.Background(), m.NewState(), m.Tokenizer.Encode([]byte("x")), nil,
			runtime.GenerateOptions{MaxTokens: 50, Grammar: gr, GrammarTrigger: []byte("@@"),
				LogitBias: map[int]float32{int(at[0]): 100}, Stop: [][]byte{[]byte("{")}},
			func(b []byte) error { out = append(out, b...); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if !st.GrammarOn || st.StopReason != runtime.StopEndOfText {
			t.Fatalf("seed %d: grammar on %v, stop %q, output %q", seed, st.GrammarOn, st.StopReason, out)
		}
		if len(out) != 6 || string(out[:3]) != "@@{" || out[5] != '}' || out[3] < '0' || out[3] > '9' || out[4] < '0' || out[4] > '9' {
			t.Fatalf("seed %d: output %q", seed, out)
		}
	}
	// Without the trigger in the output the grammar never applies.
	g := m.NewGenerator(nil, runtime.SamplerOptions{Temperature: 1, TopP: 1, Seed: 1})
	st, err := g.Generate(context.Background(), m.NewState(), m.Tokenizer.Encode([]byte("x")), nil,
		runtime.GenerateOptions{MaxTokens: 5, Grammar: gr, GrammarTrigger: []byte("never appears \x01")},
		func([]byte) error { return nil })
	if err != nil || st.GrammarOn || st.StopReason == runtime.StopEndOfText && st.GeneratedTokens == 0 {
		t.Fatalf("untriggered: %+v, %v", st, err)
	}
}
