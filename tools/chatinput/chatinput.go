// Package chatinput reads the messages of a terminal chat. On a terminal
// a message is typed with line editing and history (golang.org/x/term's
// Terminal, in raw mode only while a line is read, so that Ctrl-C during a
// reply is still a signal); from a pipe or a file it is read line by line.
// Either way a line ending in a backslash continues on the next one, and
// on a terminal a multi-line paste (bracketed paste) is one message.
package chatinput

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// ErrInterrupt is returned by Read for Ctrl-C at the prompt: what was
// typed of the message is dropped.
var ErrInterrupt = errors.New("interrupted")

// Reader reads messages. Make one with New.
type Reader struct {
	prompt, more string

	// On a terminal:
	fd   int
	out  io.Writer
	t    *term.Terminal
	keys *keyReader
	mu   sync.Mutex
	raw  *term.State // the settings to restore while a line is read in raw mode

	// Otherwise:
	br *bufio.Reader
}

// New reads messages from in, prompting with prompt (and with more for a
// continuation line). Line editing is used when in and out are both the
// terminal (*os.File ttys); otherwise nothing is prompted or echoed and in
// is read as it is.
func New(in io.Reader, out io.Writer, prompt, more string) *Reader {
	r := &Reader{prompt: prompt, more: more}
	fin, ok1 := in.(*os.File)
	fout, ok2 := out.(*os.File)
	if ok1 && ok2 && term.IsTerminal(int(fin.Fd())) && term.IsTerminal(int(fout.Fd())) {
		r.fd, r.out = int(fin.Fd()), fout
		r.keys = &keyReader{r: fin}
		r.newTerminal()
		return r
	}
	r.br = bufio.NewReader(in)
	return r
}

// Terminal reports whether the reader edits lines on a terminal.
func (r *Reader) Terminal() bool { return r.t != nil }

// Read returns the next message. At the end of the input (Ctrl-D on an
// empty line) it returns io.EOF, with any unfinished message first; Ctrl-C
// at the prompt returns ErrInterrupt.
func (r *Reader) Read() (string, error) {
	if r.t != nil {
		return r.readTerminal()
	}
	var msg []string
	for {
		line, err := r.br.ReadString('\n')
		if line == "" && err != nil {
			if len(msg) > 0 && errors.Is(err, io.EOF) {
				return strings.Join(msg, "\n"), nil
			}
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			msg = append(msg, cont)
			if err == nil {
				continue
			}
			return strings.Join(msg, "\n"), nil
		}
		return strings.Join(append(msg, line), "\n"), nil
	}
}

// newTerminal starts a line editor, keeping the history of the last one.
// Terminal.ReadLine leaves its line and unread input behind when it
// returns for Ctrl-C or Ctrl-D, so a fresh one follows each of those.
func (r *Reader) newTerminal() {
	old := r.t
	r.t = term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{r.keys, r.out}, r.prompt)
	r.t.SetBracketedPasteMode(true)
	if old != nil {
		r.t.History = old.History
	}
}

func (r *Reader) readTerminal() (string, error) {
	// Raw mode only while the line is read: during the reply the
	// terminal is itself again, and Ctrl-C sends SIGINT.
	old, err := term.MakeRaw(r.fd)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	r.raw = old
	r.mu.Unlock()
	defer r.restore()
	// A terminal that does not know its size (0×0, a bare pty) keeps
	// the editor's default of 80 columns.
	if w, h, err := term.GetSize(r.fd); err == nil && w > 0 && h > 0 {
		r.t.SetSize(w, h)
	}
	var msg []string
	r.t.SetPrompt(r.prompt)
	// Not reset between the lines of a message: the Ctrl-C may have come
	// in the same read as the line before.
	r.keys.ctrlC = false
	for {
		line, err := r.t.ReadLine()
		pasted := errors.Is(err, term.ErrPasteIndicator)
		switch {
		case pasted:
		case errors.Is(err, io.EOF) && r.keys.ctrlC:
			r.t.Write([]byte("^C\n"))
			r.newTerminal()
			return "", ErrInterrupt
		case errors.Is(err, io.EOF):
			r.t.Write([]byte("\n"))
			r.newTerminal()
			if len(msg) > 0 {
				return strings.Join(msg, "\n"), nil
			}
			return "", err
		case err != nil:
			return "", err
		}
		// A pasted line is followed by the rest of the paste; a typed one
		// ending in a backslash by the next typed line.
		if cont, ok := strings.CutSuffix(line, `\`); ok && !pasted {
			msg = append(msg, cont)
		} else if pasted {
			msg = append(msg, line)
		} else {
			return strings.Join(append(msg, line), "\n"), nil
		}
		r.t.SetPrompt(r.more)
	}
}

func (r *Reader) restore() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.raw != nil {
		term.Restore(r.fd, r.raw)
		r.raw = nil
	}
}

// Close gives the terminal its settings back if a Read is still under
// way in raw mode (the program is leaving while it waits for a line); the
// Read itself goes on. It closes nothing.
func (r *Reader) Close() error {
	if r.t != nil {
		r.restore()
	}
	return nil
}

// keyReader notes a Ctrl-C among the bytes read: Terminal.ReadLine
// answers Ctrl-C and Ctrl-D alike (io.EOF), and a chat must tell them
// apart (stop the line, or leave).
type keyReader struct {
	r     io.Reader
	ctrlC bool
}

func (k *keyReader) Read(b []byte) (int, error) {
	n, err := k.r.Read(b)
	if bytes.IndexByte(b[:n], 3) >= 0 {
		k.ctrlC = true
	}
	return n, err
}
