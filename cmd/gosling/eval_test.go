package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthPair writes a small random model as F32 and as typ (with optional
// overrides) and returns both paths.
func synthPair(t *testing.T, typ, override string) (ref, q string) {
	t.Helper()
	dir := t.TempDir()
	shape := []string{"--layers", "2", "--embd", "64", "--vocab-size", "400", "--ffn", "128", "-q"}
	ref, q = filepath.Join(dir, "f32.gguf"), filepath.Join(dir, typ+".gguf")
	mustRun(t, append([]string{"synth", "-o", ref, "--type", "f32"}, shape...)...)
	mustRun(t, append([]string{"synth", "-o", q, "--type", typ, "--override", override}, shape...)...)
	return ref, q
}

func TestEval(t *testing.T) {
	ref, q8 := synthPair(t, "q8_0", "")
	text := filepath.Join(t.TempDir(), "text.txt")
	if err := os.WriteFile(text, []byte("Once upon a time there was a small goose who liked to count tokens."), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "eval", "-m", q8, "--ref", ref, "--text", text, "--threads", "1")
	for _, want := range []string{"KL(ref‖quant)", "top-1 agreement", "perplexity", "Q8_0×", "bits/weight"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	var rep struct {
		Quant struct {
			WeightBytes   int64   `json:"weight_bytes"`
			BitsPerWeight float64 `json:"bits_per_weight"`
		} `json:"quant"`
		Result map[string]any `json:"result"`
	}
	js := mustRun(t, "eval", "-m", q8, "--ref", ref, "--tokens", "5,6,7,8,9", "--json")
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, js)
	}
	if rep.Result["tokens"].(float64) != 5 || rep.Result["predicted"].(float64) != 4 || rep.Quant.BitsPerWeight < 8 || rep.Quant.BitsPerWeight > 12 {
		t.Errorf("--json: %s", js)
	}

	// A model against itself: zero everywhere; one token gives no perplexity (null).
	js = mustRun(t, "eval", "-m", ref, "--ref", ref, "--tokens", "3", "--json")
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, js)
	}
	if rep.Result["mean_kl"].(float64) != 0 || rep.Result["top1"].(float64) != 1 || rep.Result["ppl_ref"] != nil {
		t.Errorf("self comparison: %s", js)
	}

	// --tokens-file, --bos and --max-tokens.
	tf := filepath.Join(t.TempDir(), "tokens.txt")
	os.WriteFile(tf, []byte("10 11\n12,13\t14\n"), 0o644)
	js = mustRun(t, "eval", "-m", q8, "--ref", ref, "--tokens-file", tf, "--bos", "--max-tokens", "4", "--json")
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Result["tokens"].(float64) != 4 {
		t.Errorf("--bos --max-tokens 4: %v tokens", rep.Result["tokens"])
	}
}

func TestEvalErrors(t *testing.T) {
	ref, q8 := synthPair(t, "q8_0", "")
	wantFailure(t, []string{"eval", "-m", q8, "--tokens", "1"}, "--ref")
	wantFailure(t, []string{"eval", "-m", q8, "--ref", ref}, "--text")
	wantFailure(t, []string{"eval", "-m", q8, "--ref", ref, "--tokens", "1", "--text", "x"}, "exactly one")
	wantFailure(t, []string{"eval", "-m", q8, "--ref", ref, "--tokens", "1,x"}, "x")
	wantFailure(t, []string{"eval", "-m", q8, "--ref", ref, "--tokens", "1,400"}, "400")
	wantFailure(t, []string{"eval", "-m", q8, "--ref", filepath.Join(t.TempDir(), "none.gguf"), "--tokens", "1"}, "none.gguf")

	// Models of another vocabulary are not comparable.
	dir := t.TempDir()
	other := filepath.Join(dir, "v500.gguf")
	mustRun(t, "synth", "-o", other, "--layers", "2", "--embd", "64", "--vocab-size", "500", "--ffn", "128", "-q")
	wantFailure(t, []string{"eval", "-m", other, "--ref", ref, "--tokens", "1"}, "400", "500")
}
