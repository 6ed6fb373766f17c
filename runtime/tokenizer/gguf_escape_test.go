package tokenizer

import (
	"bytes"
	"testing"
)

// Python's repr(bytes)[2:-1], worked out by hand from CPython's rules.
func TestEscapeGGUFMatchesPythonRepr(t *testing.T) {
	cases := []struct{ tok, want string }{
		{"", ""},
		{"hello world", "hello world"},
		{"'", "'"},       // repr b"'": double quotes, ' unescaped
		{`"`, `"`},       // repr b'"'
		{`'"`, `\'"`},    // both: single quotes, ' escaped
		{"it's", "it's"}, // repr b"it's"
		{`\`, `\\`},      // repr b'\\'
		{"\t\n\r", `\t\n\r`},
		{"\x00\x1f\x7f\x80\xff", `\x00\x1f\x7f\x80\xff`},
		{"\xe4\xbd\xa0", `\xe4\xbd\xa0`}, // bytes repr escapes all non-ASCII
		{"\x0b\x0c", `\x0b\x0c`},         // no \v \f in repr
		{`~ !`, `~ !`},
	}
	for _, c := range cases {
		if got := EscapeGGUF([]byte(c.tok)); got != c.want {
			t.Errorf("EscapeGGUF(%q) = %s, want %s", c.tok, got, c.want)
		}
		if got := UnescapeGGUF(c.want); !bytes.Equal(got, []byte(c.tok)) {
			t.Errorf("UnescapeGGUF(%s) = %q, want %q", c.want, got, c.tok)
		}
	}
}

// checkGGUFForm asserts that s uses only what llama.cpp's unescaper reads
// the way we do: printable ASCII, and the escapes \\ \' \t \n \r and \x
// with two lower-case hex digits.
func checkGGUFForm(t *testing.T, tok []byte, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			t.Fatalf("EscapeGGUF(%q) = %q holds the raw byte %#x", tok, s, c)
		}
		if c != '\\' {
			continue
		}
		if i+1 == len(s) {
			t.Fatalf("EscapeGGUF(%q) = %q ends in a backslash", tok, s)
		}
		switch s[i+1] {
		case '\\', '\'', 't', 'n', 'r':
			i++
		case 'x':
			if i+3 >= len(s) || !isLowerHex(s[i+2]) || !isLowerHex(s[i+3]) {
				t.Fatalf("EscapeGGUF(%q) = %q has a bad \\x escape", tok, s)
			}
			i += 3
		default:
			t.Fatalf("EscapeGGUF(%q) = %q has the escape \\%c", tok, s, s[i+1])
		}
	}
}

func isLowerHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func TestEscapeGGUFAllBytes(t *testing.T) {
	for b := range 256 {
		for _, tok := range [][]byte{{byte(b)}, {'\'', byte(b)}, {'"', byte(b), '\''}, {byte(b), byte(b), 'x'}} {
			s := EscapeGGUF(tok)
			checkGGUFForm(t, tok, s)
			if got := UnescapeGGUF(s); !bytes.Equal(got, tok) {
				t.Fatalf("UnescapeGGUF(EscapeGGUF(%q)) = %q", tok, got)
			}
		}
	}
}

func TestEscapeGGUFOfficialVocab(t *testing.T) {
	vocab, _ := officialTokenizer(t)
	for id := 1; id < len(vocab); id++ {
		s := EscapeGGUF(vocab[id])
		checkGGUFForm(t, vocab[id], s)
		if got := UnescapeGGUF(s); !bytes.Equal(got, vocab[id]) {
			t.Fatalf("id %d: UnescapeGGUF(%s) = %q, want %q", id, s, got, vocab[id])
		}
	}
}

func TestUnescapeGGUFLenient(t *testing.T) {
	cases := []struct{ in, want string }{
		{`\xAB`, "\xab"},
		{`\"`, `"`},
		{`\q`, "q"}, // llama.cpp drops the backslash of unknown escapes
		{`a\`, `a\`},
		{`\x4`, `\x4`},
		{`\xg0`, `\xg0`},
		{`\x`, `\x`},
	}
	for _, c := range cases {
		if got := UnescapeGGUF(c.in); string(got) != c.want {
			t.Errorf("UnescapeGGUF(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}
