package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/arm64"
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
	// Requested help goes to standard output (it can be grepped), exit 0.
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "help"}} {
		if code, out, errs := gosling(t, args...); code != 0 || !strings.Contains(out, "convert") || errs != "" {
			t.Errorf("gosling %s: exit %d, stdout %q, stderr %q", args[0], code, out, errs)
		}
	}
	for name := range commands {
		for _, args := range [][]string{{name, "--help"}, {"help", name}} {
			code, out, errs := gosling(t, args...)
			if code != 0 || !strings.HasPrefix(out, "usage: gosling "+name) || errs != "" {
				t.Errorf("gosling %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
			}
		}
	}
	for name := range commands {
		if _, _, ok := helpSection(name); !ok {
			t.Errorf("help.txt has no section for %s", name)
		}
	}
	wantFailure(t, []string{"help", "frobnicate"}, "unknown command")
	wantFailure(t, []string{"logits", "--bogus"}, "bogus")
	wantFailure(t, []string{"convert", "a.pth"}, "-o")
}

// A command of another build says which tag brings it.
func TestCommandOfAnotherBuild(t *testing.T) {
	if _, ok := commands["cuda-check"]; ok {
		t.Skip("this build has cuda-check")
	}
	wantFailure(t, []string{"cuda-check"}, "unknown command", "-tags cuda")
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		out := mustRun(t, arg)
		for _, want := range []string{"gosling ", "revision: ", "kernels:  " + arm64.Path()} {
			if !strings.Contains(out, want) {
				t.Errorf("gosling %s: %q lacks %q", arg, out, want)
			}
		}
	}
}

// Float defaults print as written, without float32 noise.
func TestFloatDefaultsPrintCleanly(t *testing.T) {
	for _, c := range []struct{ cmd, want string }{{"chat", "(default 0.996)"}, {"run", "(default 0.85)"}} {
		out := mustRun(t, "help", c.cmd)
		if !strings.Contains(out, c.want) || strings.Contains(out, "99999") || strings.Contains(out, "00000") {
			t.Errorf("gosling help %s: want %q and no float32 noise:\n%s", c.cmd, c.want, out)
		}
	}
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
