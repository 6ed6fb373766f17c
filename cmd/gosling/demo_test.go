//go:build !nodemo

package main

import (
	"strings"
	"testing"
)

// A fresh clone runs the embedded demo model with no model flag.
func TestRunDemoModelWithoutFlag(t *testing.T) {
	out := mustRun(t, "run", "--max-tokens", "20", "--seed", "1", "--temp", "0", "In the beginning")
	if len(strings.TrimSpace(out)) == 0 {
		t.Fatal("no output")
	}
	// Greedy decoding is deterministic: the same command, the same text.
	if again := mustRun(t, "run", "--max-tokens", "20", "--seed", "1", "--temp", "0", "In the beginning"); again != out {
		t.Errorf("greedy runs differ:\n%q\n%q", out, again)
	}
	info := mustRun(t, "info")
	if !strings.Contains(info, "built-in demo model") || !strings.Contains(info, "L6 D320") {
		t.Errorf("info without -m:\n%s", info)
	}
}
