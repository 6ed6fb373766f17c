//go:build linux

package agent_test

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/firmware/serial/serialtest"
)

// term is the far end of a serial line: it collects everything the agent
// sends and lets a test wait for text to arrive, in order.
type term struct {
	t   *testing.T
	pty *serialtest.PTY

	mu   sync.Mutex
	buf  []byte
	seen int // expect has consumed buf[:seen]
	done chan struct{}
}

func newTerm(t *testing.T, pty *serialtest.PTY) *term {
	tm := &term{t: t, pty: pty, done: make(chan struct{})}
	go func() {
		defer close(tm.done)
		b := make([]byte, 4096)
		for {
			n, err := pty.Master.Read(b)
			tm.mu.Lock()
			tm.buf = append(tm.buf, b[:n]...)
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return tm
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := tm.pty.Master.Write([]byte(s)); err != nil {
		tm.t.Fatalf("writing to the agent: %v", err)
	}
}

// expect waits until want arrives after what was expected before, and
// returns what came before it. A minute without it fails the test (a
// guard against hanging, not a speed requirement).
func (tm *term) expect(want string) string {
	tm.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		tm.mu.Lock()
		i := bytes.Index(tm.buf[tm.seen:], []byte(want))
		if i >= 0 {
			before := string(tm.buf[tm.seen : tm.seen+i])
			tm.seen += i + len(want)
			tm.mu.Unlock()
			return before
		}
		tail := string(tm.buf[max(tm.seen, len(tm.buf)-300):])
		tm.mu.Unlock()
		if time.Now().After(deadline) {
			tm.t.Fatalf("waited a minute for %q; the last output was %q", want, tail)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hangUp closes the far end, as pulling the USB plug does.
func (tm *term) hangUp() {
	tm.pty.Master.Close()
	<-tm.done
}

// link points a fixed path at a pty's slave, as udev's /dev/serial/by-id
// links point at the current ttyUSBn.
func link(t *testing.T, path string, pty *serialtest.PTY) {
	t.Helper()
	os.Remove(path)
	if err := os.Symlink(pty.SlavePath, path); err != nil {
		t.Fatal(err)
	}
}

const banner = "type a prompt, or /help\r\n> "

// crlf is text as the console shows it.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
