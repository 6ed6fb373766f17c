package chatinput_test

import (
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/term"

	"github.com/gosling-edge/gosling/firmware/serial/serialtest"
	"github.com/gosling-edge/gosling/tools/chatinput"
)

// readAll reads messages until an error and returns them with it.
func readAll(r *chatinput.Reader) ([]string, error) {
	var got []string
	for {
		m, err := r.Read()
		if err != nil {
			return got, err
		}
		got = append(got, m)
	}
}

// TestPipe: from a pipe each line is a message (CRLF too), a trailing
// backslash joins the next line, and a message cut by the end of the input
// is still returned.
func TestPipe(t *testing.T) {
	in := "hello\r\nfirst \\\nsecond\\\nthird\n\n\\\nafter an empty line\nlast \\"
	r := chatinput.New(strings.NewReader(in), io.Discard, "User: ", "... ")
	if r.Terminal() {
		t.Fatal("a strings.Reader is no terminal")
	}
	got, err := readAll(r)
	want := []string{"hello", "first \nsecond\nthird", "", "\nafter an empty line", "last "}
	if !errors.Is(err, io.EOF) || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

// TestTerminal types at a pseudo-terminal: editing keys, arrow keys and
// history, continuation, a bracketed paste, Ctrl-C and Ctrl-D; the
// terminal's settings are as before after every message.
func TestTerminal(t *testing.T) {
	pty := serialtest.New(t)
	tty, err := os.OpenFile(pty.SlavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	go io.Copy(io.Discard, pty.Master) // the echo and prompts
	before, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	r := chatinput.New(tty, tty, "User: ", "... ")
	if !r.Terminal() {
		t.Fatal("a pty is a terminal")
	}
	for _, c := range []struct {
		keys string
		want string
		err  error
	}{
		{"hello\r", "hello", nil},
		{"helo\x7f\x7fllo wrld\x1b[D\x1b[D\x1b[Do\r", "hello world", nil}, // backspace, left arrow, insert
		{"\x1b[A\x1b[A\r", "hello", nil},                                  // up twice: the first message again
		{"one \\\rtwo\r", "one \ntwo", nil},
		{"\x1b[200~pasted 1\rpasted 2\rpasted 3\x1b[201~ and typed\r", "pasted 1\npasted 2\npasted 3 and typed", nil},
		{"half a line\x03", "", chatinput.ErrInterrupt},
		{"start \\\r\x03", "", chatinput.ErrInterrupt}, // a continued message dropped as well
		{"after\r", "after", nil},
		{"\x1b[A\x1b[A\x1b[A\r", "pasted 3 and typed", nil}, // after "after" and "start \\": the history survived the Ctrl-Cs
		{"\x04", "", io.EOF},
	} {
		if _, err := pty.Master.Write([]byte(c.keys)); err != nil {
			t.Fatal(err)
		}
		got, err := r.Read()
		if got != c.want || !errors.Is(err, c.err) && err != c.err {
			t.Errorf("keys %q: %q, %v; want %q, %v", c.keys, got, err, c.want, c.err)
		}
		if now, _ := term.GetState(int(tty.Fd())); !reflect.DeepEqual(now, before) {
			t.Errorf("keys %q: the terminal was left in raw mode", c.keys)
		}
	}
}
