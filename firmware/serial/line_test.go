package serial

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// events reads every event from input (fed in chunks of one byte and as a
// whole, which must agree) and renders them as strings.
func events(t *testing.T, input string, max int) (got []string, echo string) {
	t.Helper()
	render := func(r io.Reader) ([]string, string) {
		var e bytes.Buffer
		lr := NewLineReader(r, max, &e)
		var out []string
		for {
			ev, err := lr.Next()
			if err == io.EOF {
				return out, e.String()
			}
			if err != nil {
				t.Fatal(err)
			}
			switch ev.Kind {
			case Line:
				out = append(out, "line:"+string(ev.Text))
			default:
				out = append(out, ev.Kind.String())
			}
		}
	}
	got, echo = render(strings.NewReader(input))
	slow, slowEcho := render(iotest.OneByteReader(strings.NewReader(input)))
	if strings.Join(got, "|") != strings.Join(slow, "|") || echo != slowEcho {
		t.Errorf("%q: byte-at-a-time reading differs: %q vs %q", input, slow, got)
	}
	return got, echo
}

func TestLineEditing(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     []string
	}{
		{"LF", "hello\nworld\n", 0, []string{"line:hello", "line:world"}},
		{"CR", "hello\rworld\r", 0, []string{"line:hello", "line:world"}},
		{"CRLF counts once", "hello\r\nworld\r\n", 0, []string{"line:hello", "line:world"}},
		{"LFCR is two ends", "a\n\rb\n", 0, []string{"line:a", "line:", "line:b"}},
		{"blank lines", "\r\n\r\n", 0, []string{"line:", "line:"}},
		{"backspace", "helo\bp\x08\x08lp\n", 0, []string{"line:help"}},
		{"DEL", "abc\x7f\x7fx\n", 0, []string{"line:ax"}},
		{"backspace on empty", "\b\x7fok\n", 0, []string{"line:ok"}},
		{"backspace deletes a whole rune", "né\x7f\n", 0, []string{"line:n"}},
		{"backspace in invalid UTF-8 deletes a byte", "a\xff\xfe\x7f\n", 0, []string{"line:a\xff"}},
		{"non-UTF-8 kept", "\xc3\x28\xff\n", 0, []string{"line:\xc3(\xff"}},
		{"tab kept, other controls dropped", "a\tb\x00\x01\x02c\n", 0, []string{"line:a\tbc"}},
		{"arrow keys dropped", "ab\x1b[D\x1b[1;5Cc\x1bOA\n", 0, []string{"line:abc"}},
		{"Alt-x dropped", "a\x1bxb\n", 0, []string{"line:ab"}},
		{"Ctrl-U clears", "junk\x15good\n", 0, []string{"line:good"}},
		{"Ctrl-C interrupts", "half\x03next\n", 0, []string{"interrupt", "line:next"}},
		{"exactly max", "abcd\n", 4, []string{"line:abcd"}},
		{"over max", "abcde\nok\n", 4, []string{"too long", "line:ok"}},
		{"over max then backspace cannot rescue", "abcde\x7f\x7f\nok\n", 4, []string{"too long", "line:ok"}},
		{"partial line at EOF dropped", "done\nhalf", 0, []string{"line:done"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := events(t, tc.in, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("%q → %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLineEcho(t *testing.T) {
	_, echo := events(t, "ab\x7fc\r\n", 0)
	if want := "ab\b \bc\r\n"; echo != want {
		t.Errorf("echo %q, want %q", echo, want)
	}
	_, echo = events(t, "abcdefgh\n", 4)
	if want := "abcd\r\n"; echo != want {
		t.Errorf("over-long line echo %q, want %q (echo stops at the limit)", echo, want)
	}
}

func TestLineReadError(t *testing.T) {
	boom := errors.New("boom")
	lr := NewLineReader(io.MultiReader(strings.NewReader("one\ntwo"), iotest.ErrReader(boom)), 0, nil)
	if ev, err := lr.Next(); err != nil || string(ev.Text) != "one" {
		t.Fatalf("first: %v %q", err, ev.Text)
	}
	if _, err := lr.Next(); err != boom {
		t.Fatalf("got %v, want the read error", err)
	}
}
