package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/tools/fixtures"
)

type tokenizerCase struct {
	UTF8Hex    string  `json:"utf8_hex"`
	IDs        []int32 `json:"ids"`
	DecodedHex string  `json:"decoded_hex"`
}

func tokenizerCases(t *testing.T) []tokenizerCase {
	b, err := os.ReadFile(fixtures.Path(t, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []tokenizerCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) == 0 {
		t.Fatal("tokenizer.json: no cases")
	}
	return doc.Cases
}

// `gosling tokenize` reproduces the official ids, reading standard input
// byte for byte (no trimming, no added newline; invalid UTF-8 allowed).
func TestTokenizeCommandMatchesOfficial(t *testing.T) {
	vocab := fixtures.Path(t, "rwkv_vocab_v20230424.txt")
	defer func() { stdin = os.Stdin }()
	for _, c := range tokenizerCases(t) {
		in, err := hex.DecodeString(c.UTF8Hex)
		if err != nil {
			t.Fatal(err)
		}
		stdin = strings.NewReader(string(in))
		out := mustRun(t, "tokenize", "--vocab", vocab, "--json")
		var ids []int32
		if err := json.Unmarshal([]byte(out), &ids); err != nil {
			t.Fatalf("%s: output %q: %v", c.UTF8Hex, out, err)
		}
		if len(ids) != len(c.IDs) {
			t.Errorf("%s: %d ids, want %d", c.UTF8Hex, len(ids), len(c.IDs))
			continue
		}
		for i := range ids {
			if ids[i] != c.IDs[i] {
				t.Errorf("%s: ids %v, want %v", c.UTF8Hex, ids, c.IDs)
				break
			}
		}
		// The plain form: the same ids, space-separated, on one line.
		if len(in) > 0 {
			stdin = strings.NewReader(string(in))
			plain := mustRun(t, "tokenize", "--vocab", vocab)
			if strings.Count(plain, "\n") != 1 || len(strings.Fields(plain)) != len(c.IDs) {
				t.Errorf("%s: plain output %q", c.UTF8Hex, plain)
			}
		}
	}
	stdin = strings.NewReader("")
	if out := mustRun(t, "tokenize", "--vocab", vocab, "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty input: %q, want []", out)
	}
}
