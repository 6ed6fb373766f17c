package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/term"

	"github.com/gosling-edge/gosling/firmware/serial/serialtest"
)

// withStdin runs f with the package's stdin replaced.
func withStdin(t *testing.T, r io.Reader, f func()) {
	t.Helper()
	old := stdin
	stdin = r
	defer func() { stdin = old }()
	f()
}

// Piped chat: one reply per line, commands work, the same seed gives the
// same conversation.
func TestChatPiped(t *testing.T) {
	model := smallModel(t, "11")
	dir := t.TempDir()
	saved := filepath.Join(dir, "turn1.state")
	final := filepath.Join(dir, "final.state")
	script := "Hello there\n/save " + saved + "\n/reset\nSecond\r\n\n/load " + saved + "\nThird\n/bogus\n/quit\nnever read\n"
	args := []string{"chat", "-m", model, "--max-tokens", "12", "--seed", "5", "--system", "Be brief.", "--state-out", final}
	var out1, err1, out2 string
	withStdin(t, strings.NewReader(script), func() {
		var code int
		code, out1, err1 = gosling(t, args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, err1)
		}
	})
	withStdin(t, strings.NewReader(script), func() { _, out2, _ = gosling(t, args...) })
	if out1 != out2 {
		t.Errorf("same seed, different conversations:\n%q\n%q", out1, out2)
	}
	if n := strings.Count(out1, "\n\n"); n < 3 {
		t.Errorf("want 3 replies, each ending with a blank line:\n%q", out1)
	}
	for _, want := range []string{"saved the conversation", "conversation reset", "loaded", "unknown command /bogus", "saved the state"} {
		if !strings.Contains(err1, want) {
			t.Errorf("standard error lacks %q:\n%s", want, err1)
		}
	}
	for _, f := range []string{saved, final} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	// Think mode: the reply follows "<think".
	withStdin(t, strings.NewReader("Why?\n"), func() {
		out := mustRun(t, "chat", "-m", model, "--max-tokens", "4", "--think", "--seed", "1")
		if !strings.HasPrefix(out, "<think") {
			t.Errorf("think mode output %q", out)
		}
	})
	// --state-in continues the saved conversation; a missing file fails.
	withStdin(t, strings.NewReader("And now?\n"), func() {
		mustRun(t, "chat", "-m", model, "--max-tokens", "4", "--state-in", final)
	})
	withStdin(t, strings.NewReader(""), func() {
		wantFailure(t, []string{"chat", "-m", model, "--state-in", filepath.Join(dir, "none.state")}, "none.state")
	})
}

// lockedBuffer is written by the chat while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Ctrl-C during a reply stops the reply, not the program; at the prompt,
// the second Ctrl-C quits.
func TestChatInterrupt(t *testing.T) {
	model := smallModel(t, "11")
	sigs := make(chan os.Signal, 1)
	old := interruptSignals
	interruptSignals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	defer func() { interruptSignals = old }()

	in, feed := io.Pipe()
	var out, errs lockedBuffer
	code := make(chan int)
	withStdin(t, in, func() {
		go func() {
			code <- mainExit([]string{"chat", "-m", model, "--max-tokens", "0", "--temp", "1", "--top-p", "1", "--seed", "2"}, &out, &errs)
		}()
		feed.Write([]byte("Tell me a very long story.\n"))
		waitFor(t, func() bool { return out.String() != "" }, "the reply to start")
		sigs <- os.Interrupt
		waitFor(t, func() bool { return strings.Contains(out.String(), "[stopped]") }, "the reply to stop")
		feed.Write([]byte("/reset\n"))
		waitFor(t, func() bool { return strings.Contains(errs.String(), "conversation reset") }, "the reset")
		sigs <- os.Interrupt
		waitFor(t, func() bool { return strings.Contains(errs.String(), "Ctrl-C again") }, "the quit hint")
		sigs <- os.Interrupt
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("exit %d\n%s", c, errs.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the second Ctrl-C at the prompt did not quit")
		}
		feed.Close()
	})
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestChatTerminal types at chat on a pseudo-terminal: a message, the same
// one again from the history (up arrow), then Ctrl-C twice at the prompt
// quits with exit 0 and the terminal's settings as they were.
func TestChatTerminal(t *testing.T) {
	model := smallModel(t, "11")
	pty := serialtest.New(t)
	tty, err := os.OpenFile(pty.SlavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	before, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	var far lockedBuffer
	go io.Copy(&far, pty.Master)
	var errs lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("standard error: %q\nterminal: %q", errs.String(), far.String())
		}
	})
	code := make(chan int)
	withStdin(t, tty, func() {
		go func() {
			code <- mainExit([]string{"chat", "-m", model, "--max-tokens", "6", "--seed", "2"}, tty, &errs)
		}()
		waitFor(t, func() bool { return strings.Contains(far.String(), "User: ") }, "the prompt")
		pty.Master.Write([]byte("Hel\x1b[Dl\x1b[Clo\r")) // a left arrow, an insert, a right arrow
		waitFor(t, func() bool { return strings.Count(far.String(), "User: ") == 2 }, "the first reply")
		if s := far.String(); !strings.Contains(s, "Assistant:") || strings.Contains(s, "^[[") {
			t.Errorf("terminal shows %q", s)
		}
		pty.Master.Write([]byte("\x1b[A\r"))
		waitFor(t, func() bool { return strings.Count(far.String(), "User: ") == 3 }, "the reply to the recalled message")
		// An empty recall would be skipped without a reply.
		if s := far.String(); strings.Count(s, "Assistant:") != 2 {
			t.Errorf("terminal shows %q", s)
		}
		pty.Master.Write([]byte("half typed\x03"))
		waitFor(t, func() bool { return strings.Contains(errs.String(), "Ctrl-C again") }, "the quit hint")
		pty.Master.Write([]byte("\x03"))
		select {
		case c := <-code:
			if c != 0 {
				t.Errorf("exit %d\n%s", c, errs.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the second Ctrl-C at the prompt did not quit")
		}
	})
	if now, _ := term.GetState(int(tty.Fd())); !reflect.DeepEqual(now, before) {
		t.Error("chat left the terminal in raw mode")
	}
}
