package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A grammar or schema that does not compile is a one-line usage error
// (exit 2) with its position or schema path, before any model is read.
func TestGrammarFlagErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"type":"strin"}`), 0o644)
	badG := filepath.Join(dir, "bad.gbnf")
	os.WriteFile(badG, []byte("root ::= \"a\"\nx ::= (\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--json-schema", bad, "hi"}, "#/type"},
		{[]string{"chat", "--json-schema", bad}, "#/type"},
		{[]string{"run", "--grammar-file", badG, "hi"}, "bad.gbnf:"},
		{[]string{"run", "--grammar", "root ::= (", "hi"}, "--grammar:"},
		{[]string{"run", "--grammar", `root ::= "a"`, "--json-schema", bad, "hi"}, "exclude each other"},
	} {
		args := append(c.args, "-m", "missing.gguf")
		code, _, errs := gosling(t, args...)
		if code != 2 || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 || strings.Contains(errs, "missing.gguf") {
			t.Errorf("gosling %s: exit %d, %q", strings.Join(args, " "), code, errs)
		}
	}
}

// run --json-schema prints one JSON value of the schema, as is.
func TestRunJSONSchema(t *testing.T) {
	if demoModel == nil {
		t.Skip("built without the demo model")
	}
	schema := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(schema, []byte(`{"type":"object","properties":{"ok":{"type":"boolean"},"n":{"type":"integer","minimum":1,"maximum":5}},"required":["ok","n"],"additionalProperties":false}`), 0o644)
	for _, seed := range []string{"1", "2", "3"} {
		out := mustRun(t, "run", "--json-schema", schema, "--seed", seed, "--max-tokens", "100", "The answer in JSON:")
		var v struct {
			OK *bool
			N  *int
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil || v.OK == nil || v.N == nil || *v.N < 1 || *v.N > 5 {
			t.Errorf("seed %s: %q: %v", seed, out, err)
		}
	}
}
