package tokenizer

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// fuzzTokenizers returns a small vocabulary with overlapping tokens (and
// its tokenizer), checked against the naive longest match, and the
// official tokenizer.
func fuzzTokenizers(f *testing.F) (small [][]byte, smallTok, officialTok *Tokenizer) {
	small = byteVocab("ab", "abc", "abcd", "bcd", "cd", "ddd", "\xe4\xbd", "\xe4\xbd\xa0", "\n\n", "  ", "    ")
	smallTok, err := New(small)
	if err != nil {
		f.Fatal(err)
	}
	_, officialTok = officialTokenizer(f)
	return small, smallTok, officialTok
}

func FuzzEncodeDecode(f *testing.F) {
	for _, s := range []string{"", "abcd", "Hello, world!\n\n", "你好 🙂", "\xff\xe4\xbd\x80", strings.Repeat(" ", 130)} {
		f.Add([]byte(s))
	}
	small, smallTok, officialTok := fuzzTokenizers(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		ids := smallTok.Encode(text)
		if want := naiveEncode(small, text); !slices.Equal(ids, want) {
			t.Fatalf("Encode(%q) = %v, naive longest match gives %v", text, ids, want)
		}
		if got := smallTok.Decode(ids); !bytes.Equal(got, text) {
			t.Fatalf("small vocab: Decode(Encode(%q)) = %q", text, got)
		}
		ids = officialTok.Encode(text)
		for _, id := range ids {
			if id <= 0 || int(id) >= officialTok.Size() {
				t.Fatalf("Encode(%q) produced id %d", text, id)
			}
		}
		if got := officialTok.Decode(ids); !bytes.Equal(got, text) {
			t.Fatalf("Decode(Encode(%q)) = %q", text, got)
		}
		d := officialTok.NewStreamDecoder()
		var out []byte
		for _, id := range ids {
			out = d.Append(out, id)
		}
		if out = d.Flush(out); !bytes.Equal(out, text) {
			t.Fatalf("stream decode of %q = %q", text, out)
		}
	})
}

func FuzzParseVocab(f *testing.F) {
	for _, s := range []string{
		"1 'a' 1\n2 b'\\xff' 1\n",
		"1 \"'\" 1\n2 '\\u200b' 3\n3 '\\U0001f642' 4\n",
		"1 rb'\\x' 3\n2 '\\101\\q' 3\n",
		"1 'a' 2\n", "2 'a' 1\n", "1 '\\ud800' 3\n", "1 'a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		vocab, err := ParseVocab(bytes.NewReader(file))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteVocab(&buf, vocab); err != nil {
			t.Fatal(err)
		}
		back, err := ParseVocab(&buf)
		if err != nil {
			t.Fatalf("rereading what WriteVocab wrote: %v\n%s", err, buf.Bytes())
		}
		if len(back) != len(vocab) {
			t.Fatalf("round trip: %d entries, want %d", len(back), len(vocab))
		}
		for id := range vocab {
			if !bytes.Equal(back[id], vocab[id]) {
				t.Fatalf("round trip: id %d = %q, want %q", id, back[id], vocab[id])
			}
		}
	})
}

func FuzzEscapeGGUF(f *testing.F) {
	for _, s := range []string{"", "'", `'"`, `\`, "\t\n\r\x7f\x80\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		s := EscapeGGUF(tok)
		checkGGUFForm(t, tok, s)
		if got := UnescapeGGUF(s); !bytes.Equal(got, tok) {
			t.Fatalf("UnescapeGGUF(EscapeGGUF(%q)) = %q", tok, got)
		}
		UnescapeGGUF(string(tok)) // arbitrary input must not panic
	})
}
