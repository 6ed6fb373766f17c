//go:build linux

package agent_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/firmware/agent"
	"github.com/gosling-edge/gosling/firmware/serial"
	"github.com/gosling-edge/gosling/firmware/serial/serialtest"
)

// console starts an agent whose serial console is a fresh pseudo-terminal
// and returns the terminal at its far end, the banner already read.
func console(t *testing.T, eng agent.Engine, opt agent.Options) (*agent.Agent, *term, func() error) {
	t.Helper()
	pty := serialtest.New(t)
	opt.Engine = eng
	opt.Serial = &serial.Device{Path: pty.SlavePath, Baud: 115200, Retry: 10 * time.Millisecond}
	opt.Echo = true
	if opt.QueueSize == 0 {
		opt.QueueSize = 4
	}
	a, stop := start(t, opt)
	tm := newTerm(t, pty)
	tm.expect(banner)
	return a, tm, stop
}

func TestConsolePrompt(t *testing.T) {
	_, tm, _ := console(t, newFake(), agent.Options{})
	tm.send("hello there\r\n")
	tm.expect("hello there\r\n") // the echo
	tm.expect("echo #1: hello there\r\n> ")
}

func TestConsoleLineEnds(t *testing.T) {
	eng := newFake()
	_, tm, _ := console(t, eng, agent.Options{})
	// CR, LF and CRLF each end one line; backspace and DEL edit.
	tm.send("cr\rlf\ncrlf\r\nhelo\x7f\x08lp\r")
	for i, p := range []string{"cr", "lf", "crlf", "help"} {
		tm.expect("echo #" + string(rune('1'+i)) + ": " + p)
	}
	if got := strings.Join(eng.promptList(), "|"); got != "cr|lf|crlf|help" {
		t.Errorf("prompts %q", got)
	}
}

// TestConsoleInvalidUTF8: bytes that are not UTF-8 (line noise, a wrong
// baud rate, a Latin-1 terminal) reach the model as U+FFFD, never raw.
func TestConsoleInvalidUTF8(t *testing.T) {
	eng := newFake()
	_, tm, _ := console(t, eng, agent.Options{})
	tm.send("caf\xe9 \xff\xfeok \xc3\xa9\r\n")
	tm.expect("echo #1: ")
	if got := eng.promptList(); len(got) != 1 || got[0] != "caf\uFFFD \uFFFDok \u00e9" {
		t.Errorf("prompts %q", got)
	}
}

func TestConsoleLongLine(t *testing.T) {
	eng := newFake()
	_, tm, _ := console(t, eng, agent.Options{MaxLine: 32})
	tm.send(strings.Repeat("x", 100) + "\r\n")
	tm.expect("line longer than 32 bytes: ignored\r\n> ")
	tm.send("short\r\n")
	tm.expect("echo #1: short")
	if got := eng.promptList(); len(got) != 1 {
		t.Errorf("prompts %q: the long line was answered", got)
	}
}

func TestConsoleCommands(t *testing.T) {
	eng := newFake()
	_, tm, _ := console(t, eng, agent.Options{})
	tm.send("/help\r\n")
	for _, c := range []string{"/status", "/reset", "/abort", "/save"} {
		tm.expect(c)
	}
	tm.expect("> ")
	tm.send("hi\r\n")
	tm.expect("echo #1: hi")
	tm.send("/status\r\n")
	tm.expect("status: idle; queued: 0; answered: 1")
	tm.expect("model: fake, 1 turns\r\n> ")
	tm.send("/reset\r\n")
	tm.expect("conversation reset\r\n> ")
	tm.send("again\r\n")
	tm.expect("echo #1: again") // the turn count started over
	tm.send("/save\r\n")
	tm.expect("save failed: no state file configured")
	tm.send("/frobnicate\r\n")
	tm.expect("unknown command /frobnicate; /help lists them")
}

func TestConsoleCtrlCStops(t *testing.T) {
	eng := newFake()
	eng.block = true
	_, tm, _ := console(t, eng, agent.Options{})
	tm.send("tell me everything\r\n")
	tm.expect("echo #1: tell me everything")
	tm.send("\x03")
	tm.expect(" [stopped]\r\n> ")
	tm.send("/abort\r\n")
	tm.expect("nothing to stop")
	close(eng.release)
}

func TestConsoleBusyMessages(t *testing.T) {
	eng := newFake()
	eng.block = true
	_, tm, _ := console(t, eng, agent.Options{Busy: agent.Drop})
	tm.send("first\r\n")
	tm.expect("echo #1: first")
	tm.send("second\r\n")
	tm.expect("busy: answering, prompt dropped\r\n> ")
	close(eng.release)
}

// TestConsoleReopens: the port disappears (the link removed, the line hung
// up) and comes back as a different tty behind the same link; the agent
// reopens it and the conversation goes on where it was.
func TestConsoleReopens(t *testing.T) {
	eng := newFake()
	path := filepath.Join(t.TempDir(), "usb-adapter")
	first := serialtest.New(t)
	link(t, path, first)
	var logs syncBuffer
	a, _ := start(t, agent.Options{Engine: eng, Echo: true, QueueSize: 4,
		Serial: &serial.Device{Path: path, Baud: 115200, Retry: 10 * time.Millisecond},
		Logf:   func(f string, args ...any) { logs.Write([]byte(strings.TrimSpace(sprintf(f, args...)) + "\n")) }})
	tm := newTerm(t, first)
	tm.expect(banner)
	tm.send("one\r\n")
	tm.expect("echo #1: one\r\n> ")

	tm.hangUp()
	second := serialtest.New(t)
	link(t, path, second)
	tm = newTerm(t, second)
	tm.expect(banner)
	tm.send("two\r\n")
	tm.expect("echo #2: two\r\n> ") // turn 2: the conversation went on
	if st := a.Status(); !strings.Contains(st, "reopened 1 times") {
		t.Errorf("status %q", st)
	}
	if l := logs.String(); !strings.Contains(l, "lost") || !strings.Contains(l, "reopened") {
		t.Errorf("the loss and return were not logged:\n%s", l)
	}
}
