package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/tools/fixtures"
)

// fakeSignals makes interruptSignals deliver what the test sends on the
// returned channel.
func fakeSignals(t *testing.T) chan os.Signal {
	sigs := make(chan os.Signal, 1)
	old := interruptSignals
	interruptSignals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	t.Cleanup(func() { interruptSignals = old })
	return sigs
}

// convert never writes over its input, whatever name the output is given.
func TestConvertRefusesItsInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "same.pth")
	if err := os.WriteFile(in, []byte("PK\x03\x04 not really a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	sym, hard := filepath.Join(dir, "sym.gguf"), filepath.Join(dir, "hard.gguf")
	if err := os.Symlink("same.pth", sym); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, sym, hard, filepath.Join(dir, ".", "same.pth")} {
		code, _, errs := gosling(t, "convert", in, "-o", out, "-q")
		if code != 2 || !strings.Contains(errs, "is the input") {
			t.Errorf("convert %s -o %s: exit %d, %q; want a refusal", in, out, code, errs)
		}
	}
	if b, _ := os.ReadFile(in); string(b) != "PK\x03\x04 not really a checkpoint" {
		t.Error("the input was changed")
	}
}

// The wrong kind of file gets a message that says what to do instead.
func TestWrongKindOfModelFile(t *testing.T) {
	model := smallModel(t, "3")
	wantFailure(t, []string{"convert", model, "-o", filepath.Join(t.TempDir(), "x.gguf")}, "already a GGUF model", ".pth and .safetensors")
	pth := filepath.Join(t.TempDir(), "model.pth")
	if err := os.WriteFile(pth, []byte("PK\x03\x04 a zip"+strings.Repeat(".", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	wantFailure(t, []string{"run", "-m", pth, "hello"}, "converted first", "gosling convert "+pth)
	// A library's error that names the command is not prefixed twice.
	code, _, errs := gosling(t, "eval", "-m", model, "--ref", model, "--tokens", "999999")
	if code != 1 || strings.Contains(errs, "eval: eval:") || !strings.HasPrefix(errs, "gosling eval: ") {
		t.Errorf("exit %d, %q: want one 'gosling eval:' prefix", code, errs)
	}
}

// Every command checks --max-tokens (and the other counts) the same way,
// as a usage error before any model is read.
func TestCountsValidatedAlike(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--max-tokens", "-1", "hi"},
		{"chat", "--max-tokens", "-1"},
		{"serve", "--max-tokens", "-1"},
		{"eval", "--max-tokens", "-1", "--ref", "r.gguf", "--tokens", "1"},
	} {
		args = append(args, "-m", "missing.gguf")
		code, _, errs := gosling(t, args...)
		if code != 2 || !strings.Contains(errs, "--max-tokens -1: want ≥ 0") || strings.Contains(errs, "missing.gguf") {
			t.Errorf("gosling %s: exit %d, %q", strings.Join(args, " "), code, errs)
		}
	}
	wantFailure(t, []string{"run", "--threads", "-1", "hi"}, "--threads -1")
}

// --threads 0 means one per core in every command, as in agent.
func TestThreadsZeroIsOnePerCore(t *testing.T) {
	model := smallModel(t, "3")
	out := mustRun(t, "info", "-m", model, "--threads", "0")
	if !strings.Contains(out, "threads:") || strings.Contains(out, "threads:       0\n") {
		t.Errorf("info --threads 0:\n%s", out)
	}
	mustRun(t, "run", "-m", model, "--threads", "0", "--max-tokens", "2", "hi")
}

// --echo prints the prompt before the continuation.
func TestRunEcho(t *testing.T) {
	model := smallModel(t, "3")
	out := mustRun(t, "run", "-m", model, "--echo", "--max-tokens", "3", "--seed", "1", "Once upon a time")
	if !strings.HasPrefix(out, "Once upon a time") {
		t.Errorf("run --echo printed %q", out)
	}
}

// Ctrl-C stops run with exit status 130, and --stats says what was done.
func TestRunInterrupted(t *testing.T) {
	model := smallModel(t, "3")
	sigs := fakeSignals(t)
	sigs <- os.Interrupt
	code, _, errs := gosling(t, "run", "-m", model, "--stats", "--max-tokens", "0", "a long prompt")
	if code != 130 || !strings.Contains(errs, "stop: cancelled") {
		t.Errorf("exit %d, %q; want 130 and the stats of a cancelled run", code, errs)
	}
}

// SIGTERM ends chat cleanly: the reply is cut, --state-out is saved, and
// without it chat says the conversation is lost.
func TestChatTerminated(t *testing.T) {
	model := smallModel(t, "11")
	state := filepath.Join(t.TempDir(), "chat.state")
	for _, extra := range [][]string{{"--state-out", state}, nil} {
		sigs := fakeSignals(t)
		in, feed := io.Pipe()
		var out, errs lockedBuffer
		code := make(chan int)
		withStdin(t, in, func() {
			args := append([]string{"chat", "-m", model, "--max-tokens", "0", "--top-p", "1", "--seed", "2"}, extra...)
			go func() { code <- mainExit(args, &out, &errs) }()
			feed.Write([]byte("Tell me a very long story.\n"))
			waitFor(t, func() bool { return out.String() != "" }, "the reply to start")
			sigs <- syscall.SIGTERM
			select {
			case c := <-code:
				want := "saved the state"
				if extra == nil {
					want = "was not saved"
				}
				if c != 0 || !strings.Contains(errs.String(), want) {
					t.Errorf("%v: exit %d, %q; want 0 and %q", extra, c, errs.String(), want)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("SIGTERM did not end chat")
			}
			feed.Close()
		})
	}
	if _, err := os.Stat(state); err != nil {
		t.Error(err)
	}
}

// Without -m or --vocab, tokenize uses the built-in World vocabulary: the
// official file's ids.
func TestTokenizeBuiltInVocabulary(t *testing.T) {
	text := "Hello, world! 你好"
	got := mustRun(t, "tokenize", text)
	if want := mustRun(t, "tokenize", "--vocab", fixtures.Path(t, "rwkv_vocab_v20230424.txt"), text); got != want {
		t.Errorf("built-in vocabulary: %q, the official file: %q", got, want)
	}
}

// The README's documented flags exist.
func TestReadmeFlagsExist(t *testing.T) {
	for cmd, flags := range map[string][]string{
		"run": {"--stats", "--threads", "--echo"}, "info": {"--tensors"}, "synth": {"--vocab-size"},
		"bench": {"--prompt", "--tokens", "--bw-mb", "--json", "--device"},
	} {
		help := mustRun(t, "help", cmd)
		for _, f := range flags {
			if !strings.Contains(help, "  -"+strings.TrimPrefix(f, "--")+" ") && !strings.Contains(help, "  -"+strings.TrimPrefix(f, "--")+"\n") {
				t.Errorf("gosling help %s lacks %s", cmd, f)
			}
		}
	}
}

// `gosling info MODEL` reads MODEL: a positional argument was once
// ignored, and info described the built-in demo model instead.
func TestInfoTakesTheModelAsArgument(t *testing.T) {
	model := smallModel(t, "3")
	code, out, errs := gosling(t, "info", model)
	if code != 0 || !strings.Contains(out, "file:          "+model) {
		t.Errorf("gosling info %s: exit %d, %q %q", model, code, out, errs)
	}
	if code, _, errs := gosling(t, "info", model, model); code != 2 || !strings.Contains(errs, "want one model") {
		t.Errorf("two models: exit %d, %q", code, errs)
	}
	if code, _, errs := gosling(t, "info", "-m", model, model); code != 2 || !strings.Contains(errs, "want one model") {
		t.Errorf("-m and a model: exit %d, %q", code, errs)
	}
}
