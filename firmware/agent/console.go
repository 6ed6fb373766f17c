package agent

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gosling-edge/gosling/firmware/serial"
)

// writeTimeout bounds a write to the console: a port nobody reads (no flow
// control, a far end gone quiet) must not stall the answer for the other
// outputs. What cannot be written in time is dropped.
const writeTimeout = 5 * time.Second

// promptMarker tells the person at the terminal the agent is listening.
const promptMarker = "> "

// console is the serial port as the agent's output: whichever port is
// open now, or none while it is unplugged (output is dropped then).
type console struct {
	logf func(string, ...any)

	mu      sync.Mutex
	port    *serial.Port
	opens   int
	failing bool // a write failed on this port; logged once
}

func (c *console) attach(p *serial.Port) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.port, c.failing = p, false
	c.opens++
}

func (c *console) detach(p *serial.Port) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.port == p {
		c.port = nil
	}
}

func (c *console) status(path string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.port == nil {
		return "waiting for " + path
	}
	if c.opens > 1 {
		return fmt.Sprintf("%s open (reopened %d times)", path, c.opens-1)
	}
	return path + " open"
}

// raw writes bytes as they are.
func (c *console) raw(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.port
	if p == nil || len(b) == 0 {
		return
	}
	p.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := p.Write(b); err != nil && !c.failing {
		c.failing = true
		c.logf("serial %s: output dropped: %v", p.Path(), err)
	}
}

// text writes text with "\n" as "\r\n": the port is raw, so the terminal
// gets no newline translation from the line discipline.
func (c *console) text(s string) {
	if strings.Contains(s, "\n") {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	c.raw([]byte(s))
}

func (c *console) marker() { c.raw([]byte(promptMarker)) }

type rawWriter struct{ c *console }

func (w rawWriter) Write(b []byte) (int, error) { w.c.raw(b); return len(b), nil }

type textWriter struct{ c *console }

func (w textWriter) Write(b []byte) (int, error) { w.c.text(string(b)); return len(b), nil }

func (c *console) textWriter() io.Writer { return textWriter{c} }

// serveConsole is the console on one open port: a banner, then lines in,
// commands answered at once, prompts submitted. It returns when the port
// fails or closes; serial.Device then reopens it when it comes back.
func (a *Agent) serveConsole(ctx context.Context, p *serial.Port) error {
	c := a.console
	c.attach(p)
	defer c.detach(p)
	board := a.opt.Board
	if board == "" {
		board = "this board"
	}
	c.text(fmt.Sprintf("\ngosling agent on %s: type a prompt, or /help\n", board))
	c.marker()
	var echo io.Writer
	if a.opt.Echo {
		echo = rawWriter{c}
	}
	lr := serial.NewLineReader(p, a.opt.MaxLine, echo)
	for {
		ev, err := lr.Next()
		if err != nil {
			return err
		}
		switch ev.Kind {
		case serial.TooLong:
			c.text(fmt.Sprintf("line longer than %d bytes: ignored\n", lr.Max()))
			c.marker()
		case serial.Interrupt:
			if !a.Abort() { // else the answer ends with [stopped] and a marker
				c.marker()
			}
		case serial.Line:
			// Invalid UTF-8 (noise, a wrong baud rate, a Latin-1
			// terminal) becomes U+FFFD: the tokenizer and the answer
			// only ever see valid text.
			line := strings.TrimSpace(strings.ToValidUTF8(string(ev.Text), "\uFFFD"))
			switch {
			case line == "":
				c.marker()
			case strings.HasPrefix(line, "/"):
				if reply := a.command(line); reply != "" {
					c.text(reply)
					c.marker()
				}
			default:
				ahead, err := a.submit(job{source: "serial", prompt: line, console: true})
				switch {
				case err != nil:
					c.text(err.Error() + "\n")
					c.marker()
				case ahead > 0:
					c.text(fmt.Sprintf("(queued, %d ahead)\n", ahead))
				}
			}
		}
	}
}
