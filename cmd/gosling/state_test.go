package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/testenv"
)

// smallModel writes a small random model (L2 D128, the first 999 World
// tokens, so "\n\n" is one of them) and returns its path.
func smallModel(t *testing.T, seed string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small-"+seed+".gguf")
	mustRun(t, "synth", "-o", path, "--layers", "2", "--embd", "128", "--vocab-size", "1000", "--ffn", "256", "--seed", seed, "-q")
	return path
}

// buildGosling compiles the command for the machine running the test, so
// that the test can run it as separate processes.
func buildGosling(t *testing.T) string {
	t.Helper()
	testenv.SkipProcessesUnderEmulation(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(goruntime.GOROOT(), "bin", "go")
	}
	env := func(key string) string {
		out, err := exec.Command(goTool, "env", key).Output()
		if err != nil {
			t.Skipf("no go tool to build the command: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	bin := filepath.Join(t.TempDir(), "gosling")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	// The host's OS and architecture: under qemu the test itself may be a
	// cross-built binary, but the processes it starts run natively.
	cmd.Env = append(os.Environ(), "GOOS="+env("GOHOSTOS"), "GOARCH="+env("GOHOSTARCH"), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runProcess(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("gosling %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		t.Fatalf("gosling %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String()
}

// The acceptance check of state files: logits of tokens B continued in a
// new process from the state saved after tokens A are bit-identical to
// the rows for B of one uninterrupted run over A+B.
func TestStateAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := buildGosling(t)
	model := smallModel(t, "11")
	dir := t.TempDir()
	a, b := "5,300,17,42,7,261", "99,3,512,8,261,60"
	state := filepath.Join(dir, "a.state")
	runProcess(t, bin, "logits", "-m", model, "--tokens", a, "--out", filepath.Join(dir, "a.bin"), "--state-out", state)
	runProcess(t, bin, "logits", "-m", model, "--tokens", b, "--out", filepath.Join(dir, "b.bin"), "--state-in", state)
	runProcess(t, bin, "logits", "-m", model, "--tokens", a+","+b, "--out", filepath.Join(dir, "ab.bin"))

	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	aRows, bRows, abRows := read("a.bin"), read("b.bin"), read("ab.bin")
	if len(aRows)+len(bRows) != len(abRows) || len(bRows) != 6*1000*4 {
		t.Fatalf("row sizes %d + %d vs %d", len(aRows), len(bRows), len(abRows))
	}
	if !bytes.Equal(aRows, abRows[:len(aRows)]) {
		t.Error("rows for A differ between the two runs")
	}
	if !bytes.Equal(bRows, abRows[len(aRows):]) {
		t.Error("rows for B continued from the state file differ from the uninterrupted run")
	}

	// Another model refuses the state, in one line.
	other := smallModel(t, "12")
	cmd := exec.Command(bin, "logits", "-m", other, "--tokens", b, "--out", os.DevNull, "--state-in", state)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another model") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("state of another model: %v\n%s", err, out)
	}
}

// run --state-out then run --state-in with no prompt continues exactly
// where the first run stopped (greedy, so the text is determined).
func TestRunContinuesFromStateFile(t *testing.T) {
	model := smallModel(t, "11")
	state := filepath.Join(t.TempDir(), "run.state")
	whole := mustRun(t, "run", "-m", model, "--temp", "0", "--max-tokens", "24", "--threads", "1", "Once upon a time")
	first := mustRun(t, "run", "-m", model, "--temp", "0", "--max-tokens", "10", "--threads", "1", "--state-out", state, "Once upon a time")
	rest := mustRun(t, "run", "-m", model, "--temp", "0", "--max-tokens", "14", "--threads", "1", "--state-in", state)
	if got := strings.TrimSuffix(first, "\n") + rest; got != whole {
		t.Errorf("10 + 14 tokens through a state file:\n%q\nwant 24 in one run:\n%q", got, whole)
	}
	// A prompt is read after the saved state.
	fromLogits := filepath.Join(t.TempDir(), "logits.state")
	mustRun(t, "logits", "-m", model, "--tokens", "5,6", "--out", os.DevNull, "--state-out", fromLogits)
	m, err := runtime.Load(model, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	promptTokens := len(m.Tokenizer.Encode([]byte("and then")))
	m.Close()
	code, out, errs := gosling(t, "run", "-m", model, "--max-tokens", "3", "--seed", "1", "--stats", "--state-in", fromLogits, "and then")
	if code != 0 || strings.TrimSuffix(out, "\n") == "" ||
		!strings.Contains(errs, fmt.Sprintf("prompt: %d tokens", promptTokens)) || !strings.Contains(errs, "generated: 3 tokens") {
		t.Errorf("continuing a state with a prompt of %d tokens: exit %d, output %q, stats %q", promptTokens, code, out, errs)
	}
	wantFailure(t, []string{"run", "-m", model, "--state-in", filepath.Join(t.TempDir(), "missing.state")}, "missing.state")
}
