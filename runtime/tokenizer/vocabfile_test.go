package tokenizer

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestParseOfficialVocab(t *testing.T) {
	vocab, _ := officialTokenizer(t)
	if len(vocab) != 65530 {
		t.Fatalf("parsed %d entries, want 65530 (ids 0..65529)", len(vocab))
	}
	if vocab[0] != nil {
		t.Errorf("vocab[0] = %x, want nil", vocab[0])
	}
	// Each line's stated length matches the parsed bytes (ParseVocab checks
	// it too; this reads the file independently).
	f, err := os.Open(officialVocab)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		id, err := strconv.Atoi(text[:strings.IndexByte(text, ' ')])
		if err != nil || id != line {
			t.Fatalf("line %d: id %q", line, text)
		}
		n, err := strconv.Atoi(text[strings.LastIndexByte(text, ' ')+1:])
		if err != nil {
			t.Fatalf("line %d: length in %q", line, text)
		}
		if len(vocab[id]) != n {
			t.Errorf("id %d: %d bytes, line says %d", id, len(vocab[id]), n)
		}
	}
	// A few entries checked by hand.
	for id, want := range map[int]string{1: "\x00", 11: "\n", 129: "\x80", 256: "\xff", 257: "\t\t", 261: "\n\n",
		40: "'", 274: " '", 3082: "\xe5\xbd", 9808: "\u200b", 65529: strings.Repeat(" ", 128)} {
		if string(vocab[id]) != want {
			t.Errorf("id %d = %q, want %q", id, vocab[id], want)
		}
	}
}

func TestWriteVocabReproducesOfficialFile(t *testing.T) {
	vocab, _ := officialTokenizer(t)
	orig, err := os.ReadFile(officialVocab)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteVocab(&buf, vocab); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), orig) {
		a, b := strings.Split(buf.String(), "\n"), strings.Split(string(orig), "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("line %d: wrote %q, official file has %q", i+1, a[i], b[i])
			}
		}
		t.Fatalf("wrote %d lines, official file has %d", len(a), len(b))
	}
	back, err := ParseVocab(&buf)
	if err != nil {
		t.Fatal(err)
	}
	assertSameVocab(t, back, vocab)
}

func assertSameVocab(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for id := 1; id < len(want); id++ {
		if !bytes.Equal(got[id], want[id]) {
			t.Errorf("id %d = %x, want %x", id, got[id], want[id])
		}
	}
}

// Tokens chosen to exercise every branch of both reprs.
func TestWriteVocabRoundTripAwkwardTokens(t *testing.T) {
	vocab := [][]byte{[]byte("ignored"), nil}
	for _, s := range []string{"'", `"`, `'"`, `\`, `\'`, "it's", `say "hi"`, "\t\n\r\x00\x1f\x7f",
		"\u00a0\u00ad\u0085\u00ff", "\u2028\u2029\u200b\ufeff\ue000", "\U0001F642\U000E0001\U0010FFFF",
		"\x80", "\xff'", "\xed\xa0\x80", "\xc0\xaf", "\xe4\xbd", "a b  c", " ", "", "é", "\u0301", "中文"} {
		vocab = append(vocab, []byte(s))
	}
	for b := range 256 {
		vocab = append(vocab, []byte{byte(b)}, []byte{'x', byte(b), '\''})
	}
	var buf bytes.Buffer
	if err := WriteVocab(&buf, vocab); err != nil {
		t.Fatal(err)
	}
	back, err := ParseVocab(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	assertSameVocab(t, back, vocab)
}

// Exact text Python writes, worked out by hand from CPython's repr rules.
func TestWriteVocabMatchesPythonRepr(t *testing.T) {
	cases := []struct{ tok, line string }{
		{"\n\n", `1 '\n\n' 2`},
		{"'", `1 "'" 1`},
		{`'"`, `1 '\'"' 2`},
		{`\`, `1 '\\' 1`},
		{"\x00\x7f", `1 '\x00\x7f' 2`},
		{"\u00a0", `1 '\xa0' 2`},
		{"\u200b", `1 '\u200b' 3`},
		{"\U000E0001", `1 '\U000e0001' 4`},
		{"é中", `1 'é中' 5`},
		{"\xe4\xbd", `1 b'\xe4\xbd' 2`},
		{"\xff'", `1 b"\xff'" 2`},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := WriteVocab(&buf, [][]byte{nil, []byte(c.tok)}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(buf.String(), "\n"); got != c.line {
			t.Errorf("WriteVocab(%q) = %s, want %s", c.tok, got, c.line)
		}
	}
}

func TestParseVocabLiterals(t *testing.T) {
	cases := []struct{ lit, want string }{
		{`'abc'`, "abc"},
		{`"it's"`, "it's"},
		{`'\x41\101\u00e9\U0001F642'`, "AAé\U0001F642"},
		{`'\a\b\f\v\0\\'`, "\a\b\f\v\x00\\"},
		{`'\q'`, `\q`},
		{`b'\xe4\xbd\377'`, "\xe4\xbd\xff"},
		{`b'\u00e9\N'`, `\u00e9\N`},
		{`B"\x00"`, "\x00"},
		{`r'\n'`, `\n`},
		{`rb'\x00\''`, `\x00\'`},
		{`u'é'`, "é"},
		{`''`, ""},
		{`'a b '`, "a b "},
	}
	for _, c := range cases {
		got, err := parsePyLiteral(c.lit)
		if err != nil {
			t.Errorf("%s: %v", c.lit, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s = %q, want %q", c.lit, got, c.want)
		}
	}
}

func TestParseVocabErrors(t *testing.T) {
	cases := []struct{ name, file, want string }{
		{"bad literal", "1 'a' 1\n2 'b 1\n", "line 2"},
		{"unquoted", "1 abc 3\n", "not a quoted"},
		{"length mismatch", "1 'a' 1\n2 'bc' 3\n", "line 2: literal 'bc' is 2 bytes, the line says 3"},
		{"duplicate id", "1 'a' 1\n2 'b' 1\n2 'c' 1\n", "line 3: id 2 repeats"},
		{"out of order", "1 'a' 1\n3 'b' 1\n2 'c' 1\n", "line 2: id 3 leaves a gap"},
		{"gap", "2 'a' 1\n", "line 1: id 2 leaves a gap"},
		{"id zero", "0 'a' 1\n", "line 1: id 0 is reserved"},
		{"id too large", "1 'a' 1\n16777217 'b' 1\n", "line 2: id 16777217 is too large"},
		{"bad id", "x 'a' 1\n", "line 1: bad id"},
		{"negative length", "1 'a' -1\n", "line 1: bad byte length"},
		{"missing length", "1 'a'\n", "line 1"},
		{"only id", "1\n", "line 1"},
		{"non-ascii in bytes", "1 b'é' 2\n", "non-ASCII"},
		{"surrogate", `1 '\ud800' 3` + "\n", "surrogate"},
		{"beyond unicode", `1 '\U00110000' 4` + "\n", "beyond U+10FFFF"},
		{"short hex", `1 '\x4' 1` + "\n", "truncated"},
		{"bad hex", `1 '\xg1' 1` + "\n", "bad hex"},
		{"inner quote", `1 'a'b' 3` + "\n", "unescaped"},
		{"trailing backslash", `1 'a\' 2` + "\n", "closing quote"},
		{"triple quote", `1 '''a''' 1` + "\n", "triple"},
		{"bad prefix", `1 f'a' 1` + "\n", "bad prefix"},
		{"named escape", `1 '\N{BULLET}' 3` + "\n", `\N{...}`},
		{"big octal byte", `1 b'\777' 1` + "\n", "octal"},
		{"invalid utf8", "1 '\xff' 1\n", "invalid UTF-8"},
		{"line too long", "1 '" + strings.Repeat("a", maxVocabLine) + "' 1\n", "line 1: longer than"},
	}
	for _, c := range cases {
		_, err := ParseVocab(strings.NewReader(c.file))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
	}
}

func TestParseVocabTolerates(t *testing.T) {
	v, err := ParseVocab(strings.NewReader("1 'a' 1\r\n\n2 ' ' 1\n   \n3 '' 0"))
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 4 || string(v[1]) != "a" || string(v[2]) != " " || len(v[3]) != 0 {
		t.Errorf("parsed %q", v)
	}
	v, err = ParseVocab(strings.NewReader(""))
	if err != nil || len(v) != 1 {
		t.Errorf("empty file: %q, %v", v, err)
	}
}

// ReadVocabFile reads what WriteVocab wrote, and its errors name the file.
func TestReadVocabFile(t *testing.T) {
	dir := t.TempDir()
	want := [][]byte{nil, []byte("a"), []byte(" the"), {0xe5, 0xbd}}
	var buf bytes.Buffer
	if err := WriteVocab(&buf, want); err != nil {
		t.Fatal(err)
	}
	path := dir + "/vocab.txt"
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadVocabFile(path)
	if err != nil || len(got) != len(want) {
		t.Fatalf("ReadVocabFile: %d tokens, %v", len(got), err)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("token %d: %q, want %q", i, got[i], want[i])
		}
	}
	bad := dir + "/bad.txt"
	os.WriteFile(bad, []byte("1 'a' 1\n3 'b' 1\n"), 0o644)
	if _, err := ReadVocabFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a gap in the ids: %v", err)
	}
	if _, err := ReadVocabFile(dir + "/none.txt"); err == nil || !strings.Contains(err.Error(), "none.txt") {
		t.Errorf("a missing file: %v", err)
	}
}
