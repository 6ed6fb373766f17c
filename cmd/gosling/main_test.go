package main

import (
	"bytes"
	"strings"
	"testing"
)

// gosling runs the CLI in-process and returns its exit status and output.
func gosling(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = mainExit(args, &out, &errb)
	return code, out.String(), errb.String()
}

// mustRun fails the test unless the command succeeds.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := gosling(t, args...)
	if code != 0 {
		t.Fatalf("gosling %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// wantFailure checks that a command fails with one line on standard error
// containing every fragment.
func wantFailure(t *testing.T, args []string, fragments ...string) {
	t.Helper()
	code, _, errs := gosling(t, args...)
	if code == 0 {
		t.Fatalf("gosling %s succeeded, want an error", strings.Join(args, " "))
	}
	if n := strings.Count(strings.TrimSpace(errs), "\n"); n != 0 {
		t.Errorf("error output has %d lines, want one:\n%s", n+1, errs)
	}
	for _, f := range fragments {
		if !strings.Contains(errs, f) {
			t.Errorf("error %q does not mention %q", strings.TrimSpace(errs), f)
		}
	}
}

func TestUsage(t *testing.T) {
	if code, _, errs := gosling(t); code != 2 || !strings.Contains(errs, "convert") {
		t.Errorf("no arguments: exit %d, %q", code, errs)
	}
	if code, _, _ := gosling(t, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	for name := range commands {
		code, _, errs := gosling(t, name, "--help")
		if code != 0 || !strings.Contains(errs, "usage: gosling "+name) {
			t.Errorf("%s --help: exit %d, output %q", name, code, errs)
		}
	}
	wantFailure(t, []string{"logits", "--bogus"}, "bogus")
	wantFailure(t, []string{"convert", "a.pth"}, "-o")
}

// Sampler flags out of range are usage errors naming the flag, before any
// model is read.
func TestSamplerFlagRanges(t *testing.T) {
	for _, c := range []struct{ flag, value string }{
		{"--temp", "-1"}, {"--temp", "NaN"}, {"--top-p", "1.5"}, {"--top-k", "-1"},
		{"--presence", "200"}, {"--frequency", "-200"}, {"--penalty-decay", "2"},
	} {
		for _, cmd := range []string{"run", "chat"} {
			args := []string{cmd, "-m", "missing.gguf", c.flag, c.value}
			if cmd == "run" {
				args = append(args, "hello")
			}
			code, _, errs := gosling(t, args...)
			if code != 2 || !strings.Contains(errs, c.flag+" "+c.value+": want") || strings.Contains(errs, "missing.gguf") {
				t.Errorf("gosling %s: exit %d, %q; want a usage error about %s", strings.Join(args, " "), code, errs, c.flag)
			}
		}
	}
}

func TestParseArgsInterleaved(t *testing.T) {
	fs := newFlags("x", "", &bytes.Buffer{})
	o := fs.String("o", "", "")
	q := fs.Bool("q", false, "")
	pos, err := fs.parse([]string{"in.pth", "-o", "out", "more", "-q", "--", "-literal"})
	if err != nil {
		t.Fatal(err)
	}
	if *o != "out" || !*q || strings.Join(pos, "|") != "in.pth|more|-literal" {
		t.Errorf("o=%q q=%v pos=%q", *o, *q, pos)
	}
}
