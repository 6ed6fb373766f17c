package serial

import (
	"bytes"
	"io"
	"testing"
)

// FuzzLineReader: whatever arrives, the reader never panics, never returns
// a line longer than its limit or holding a byte it promises to drop, and
// its echo holds only what it means to send.
func FuzzLineReader(f *testing.F) {
	for _, s := range []string{"hello\r\n", "a\x7f\x08\x03\x15\x1b[1;5D\n", "\xff\xfe\xc3\n", "\r\r\n\n", "x\x1b\x1b[[[\n"} {
		f.Add([]byte(s), 8)
	}
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		max = max%64 + 1
		if max < 1 {
			max = -max + 1
		}
		var echo bytes.Buffer
		lr := NewLineReader(bytes.NewReader(in), max, &echo)
		lines := 0
		for {
			ev, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind == Line {
				lines++
				if len(ev.Text) > max {
					t.Fatalf("line of %d bytes, limit %d", len(ev.Text), max)
				}
				for _, c := range ev.Text {
					if c < 0x20 && c != '\t' || c == del {
						t.Fatalf("line %q holds control byte %#x", ev.Text, c)
					}
				}
			}
		}
		if ends := bytes.Count(in, []byte{'\r'}) + bytes.Count(in, []byte{'\n'}); lines > ends {
			t.Fatalf("%d lines from %d line ends", lines, ends)
		}
		for _, c := range echo.Bytes() {
			if c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\b' {
				t.Fatalf("echo holds control byte %#x", c)
			}
		}
	})
}
