package tokenizer

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gosling-edge/gosling/tools/fixtures"
)

// officialVocab is the repository's copy of the official vocabulary (the
// converter embeds it), so these tests run in a plain clone; the fixtures
// folder holds an identical file.
const officialVocab = "../../tools/convert/rwkv_vocab_v20230424.txt"

// The official vocabulary, parsed and built once for all tests.
var official struct {
	once  sync.Once
	vocab [][]byte
	tok   *Tokenizer
	err   error
}

func officialTokenizer(t testing.TB) ([][]byte, *Tokenizer) {
	t.Helper()
	official.once.Do(func() {
		f, err := os.Open(officialVocab)
		if err != nil {
			official.err = err
			return
		}
		defer f.Close()
		official.vocab, official.err = ParseVocab(f)
		if official.err == nil {
			official.tok, official.err = New(official.vocab)
		}
	})
	if official.err != nil {
		t.Fatal(official.err)
	}
	return official.vocab, official.tok
}

type tokenizerCase struct {
	InputKind     string   `json:"input_kind"`
	Text          *string  `json:"text"`
	UTF8Hex       string   `json:"utf8_hex"`
	IDs           []int32  `json:"ids"`
	TokenBytesHex []string `json:"token_bytes_hex"`
	DecodedHex    string   `json:"decoded_hex"`
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("fixture hex %q: %v", s, err)
	}
	return b
}

func TestOfficialCases(t *testing.T) {
	_, tk := officialTokenizer(t)
	raw, err := os.ReadFile(fixtures.Path(t, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []tokenizerCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("tokenizer.json: %v", err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("tokenizer.json has no cases")
	}
	for i, c := range file.Cases {
		input := mustHex(t, c.UTF8Hex)
		if c.Text != nil && c.InputKind == "text" && string(input) != *c.Text {
			t.Errorf("case %d: fixture text and utf8_hex disagree", i)
		}
		got := tk.Encode(input)
		if !slices.Equal(got, c.IDs) {
			t.Errorf("case %d (%q): Encode = %v, want %v", i, input, got, c.IDs)
			continue
		}
		if len(c.TokenBytesHex) != len(c.IDs) {
			t.Fatalf("case %d: fixture has %d token byte strings for %d ids", i, len(c.TokenBytesHex), len(c.IDs))
		}
		for j, id := range c.IDs {
			if want := mustHex(t, c.TokenBytesHex[j]); !bytes.Equal(tk.Token(int(id)), want) {
				t.Errorf("case %d: Token(%d) = %x, want %x", i, id, tk.Token(int(id)), want)
			}
		}
		if dec, want := tk.Decode(got), mustHex(t, c.DecodedHex); !bytes.Equal(dec, want) {
			t.Errorf("case %d: Decode = %x, want %x", i, dec, want)
		}
	}
}

// naiveEncode is the specification written the slow, obvious way: at each
// position try every token and keep the longest that matches.
func naiveEncode(vocab [][]byte, text []byte) []int32 {
	var out []int32
	for i := 0; i < len(text); {
		best, bestLen := int32(-1), 0
		for id := 1; id < len(vocab); id++ {
			if n := len(vocab[id]); n > bestLen && bytes.HasPrefix(text[i:], vocab[id]) {
				best, bestLen = int32(id), n
			}
		}
		if best < 0 {
			return nil
		}
		out = append(out, best)
		i += bestLen
	}
	return out
}

func TestEncodeMatchesNaiveOnSmallVocab(t *testing.T) {
	vocab := byteVocab("ab", "abc", "abcd", "bcd", "cd", "ddd", "\xe4\xbd", "\xe4\xbd\xa0")
	tk, err := New(vocab)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "abcde", "abdd", "bcdabcab", "ddddddd",
		"\xe4\xbd\xa0\xe4\xbd", "\xe4", "xabcdx", "abcabcabc"} {
		got, want := tk.Encode([]byte(s)), naiveEncode(vocab, []byte(s))
		if !slices.Equal(got, want) {
			t.Errorf("Encode(%q) = %v, want %v", s, got, want)
		}
		if dec := tk.Decode(got); string(dec) != s {
			t.Errorf("Decode(Encode(%q)) = %q", s, dec)
		}
	}
}

// byteVocab returns a vocabulary with ids 1..256 the single bytes and the
// given extra tokens after them.
func byteVocab(extra ...string) [][]byte {
	v := make([][]byte, 257, 257+len(extra))
	for b := range 256 {
		v[b+1] = []byte{byte(b)}
	}
	for _, s := range extra {
		v = append(v, []byte(s))
	}
	return v
}

func TestEncodeMatchesNaiveOnOfficialVocab(t *testing.T) {
	vocab, tk := officialTokenizer(t)
	inputs := []string{
		"The quick brown fox jumps over the lazy dog.\n\n",
		"User: 你好，请介绍一下你自己。\n\nAssistant:",
		"    def f(x):\r\n\t\treturn x ** 2  # 🙂👍🏽\n",
		"\x00\x01\xff\xfe\xe4\xbd",
		strings.Repeat("-", 200) + strings.Repeat(" ", 300),
	}
	if testing.Short() {
		inputs = inputs[:2]
	}
	for _, s := range inputs {
		got, want := tk.Encode([]byte(s)), naiveEncode(vocab, []byte(s))
		if !slices.Equal(got, want) {
			t.Errorf("Encode(%q) = %v, naive longest match gives %v", s, got, want)
		}
	}
}

func TestOfficialVocabShape(t *testing.T) {
	vocab, tk := officialTokenizer(t)
	if tk.Size() != len(vocab) {
		t.Errorf("Size = %d, want %d", tk.Size(), len(vocab))
	}
	for b := range 256 {
		if got := tk.Token(b + 1); !bytes.Equal(got, []byte{byte(b)}) {
			t.Errorf("Token(%d) = %x, want the single byte %02x", b+1, got, b)
		}
		if got := tk.Encode([]byte{byte(b)}); !slices.Equal(got, []int32{int32(b + 1)}) {
			t.Errorf("Encode(%02x) = %v, want [%d]", b, got, b+1)
		}
	}
	for _, id := range []int{-1, 0, len(vocab), len(vocab) + 5} {
		if got := tk.Token(id); got != nil {
			t.Errorf("Token(%d) = %x, want nil", id, got)
		}
	}
	// Every token encodes to itself unless a longer-first greedy split
	// covers it, and always decodes back.
	for id := 1; id < len(vocab); id++ {
		ids := tk.Encode(vocab[id])
		if !bytes.Equal(tk.Decode(ids), vocab[id]) {
			t.Fatalf("token %d does not round trip: %v", id, ids)
		}
	}
}

func TestEncodeEmptyAndAppend(t *testing.T) {
	_, tk := officialTokenizer(t)
	if got := tk.Encode(nil); len(got) != 0 {
		t.Errorf("Encode(nil) = %v", got)
	}
	dst := []int32{7, 8}
	dst = tk.AppendEncode(dst, []byte("\n\n"))
	if len(dst) != 3 || dst[0] != 7 || dst[1] != 8 || !bytes.Equal(tk.Token(int(dst[2])), []byte("\n\n")) {
		t.Errorf("AppendEncode kept %v", dst)
	}
	out := tk.AppendDecode([]byte("x"), dst[2], 0, -3, 1<<30)
	if string(out) != "x\n\n" {
		t.Errorf("AppendDecode with end-of-text and bad ids = %q, want %q", out, "x\n\n")
	}
}

func TestAppendEncodeDoesNotAllocate(t *testing.T) {
	_, tk := officialTokenizer(t)
	text := []byte("Hello, world! 你好世界 🙂 \xff\xfe" + strings.Repeat(" lorem ipsum", 20))
	dst := make([]int32, 0, len(text))
	allocs := testing.AllocsPerRun(20, func() {
		dst = tk.AppendEncode(dst[:0], text)
	})
	if allocs != 0 {
		t.Errorf("AppendEncode allocates %v times with enough room in dst", allocs)
	}
}

func TestNewErrors(t *testing.T) {
	dup := byteVocab("ab", "cd", "ab")
	if _, err := New(dup); err == nil || !strings.Contains(err.Error(), "257") || !strings.Contains(err.Error(), "259") {
		t.Errorf("duplicate tokens: err = %v, want one naming ids 257 and 259", err)
	}
	missing := byteVocab("ab")
	missing[0x42] = nil // byte 0x41 'A'
	if _, err := New(missing); err == nil || !strings.Contains(err.Error(), "0x41") {
		t.Errorf("missing single byte: err = %v, want one naming 0x41", err)
	}
	if _, err := New(nil); err == nil {
		t.Error("empty vocabulary accepted")
	}
}

func TestNewIgnoresEndOfTextAndHoles(t *testing.T) {
	v := byteVocab("<s>", "", "abc")
	v[0] = []byte("ab") // end-of-text must never be matched
	v = append(v, nil)
	tk, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Size() != len(v) {
		t.Errorf("Size = %d, want %d", tk.Size(), len(v))
	}
	if tk.Token(0) != nil || tk.Token(258) != nil || tk.Token(260) != nil {
		t.Error("end-of-text or holes have bytes")
	}
	got := tk.Encode([]byte("ab<s>abc"))
	want := []int32{'a' + 1, 'b' + 1, 257, 259}
	if !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
}

func TestNewCopiesVocab(t *testing.T) {
	v := byteVocab("abc")
	tk, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	v[257][0] = 'z'
	if got := tk.Encode([]byte("abc")); !slices.Equal(got, []int32{257}) {
		t.Errorf("tokenizer changed with the caller's slice: %v", got)
	}
}

func TestConcurrentEncode(t *testing.T) {
	_, tk := officialTokenizer(t)
	text := []byte(strings.Repeat("concurrent use 同时使用 ", 50))
	want := tk.Encode(text)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := tk.Encode(text); !slices.Equal(got, want) {
					t.Error("concurrent Encode disagrees")
					return
				}
			}
		}()
	}
	wg.Wait()
}
