package tokenizer

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// streamAll feeds ids one at a time and returns the output and the chunk
// each Append produced. It checks that no chunk boundary falls inside a
// valid character of the whole output: splitting the output with
// utf8.DecodeRune (an independent oracle, which also marks each byte that
// belongs to no valid character) gives the places where a cut is allowed.
func streamAll(t *testing.T, tk *Tokenizer, ids []int32) ([]byte, [][]byte) {
	t.Helper()
	d := tk.NewStreamDecoder()
	var out []byte
	var cuts []int
	for _, id := range ids {
		out = d.Append(out, id)
		cuts = append(cuts, len(out))
		// Only a proper prefix of a character may wait; anything complete
		// or hopeless must have gone out.
		if held := d.held[:d.n]; d.n > 0 && (held[0]&0xc0 == 0x80 || utf8.FullRune(held)) {
			t.Fatalf("ids %v: holding %x", ids, held)
		}
	}
	out = d.Flush(out)
	inside := make([]bool, len(out)+1) // inside[p]: p is within a character
	for i := 0; i < len(out); {
		_, size := utf8.DecodeRune(out[i:])
		for p := i + 1; p < i+size; p++ {
			inside[p] = true
		}
		i += size
	}
	chunks := make([][]byte, len(cuts))
	prev := 0
	for i, p := range cuts {
		if inside[p] {
			t.Fatalf("ids %v: step %d cuts the output %x at %d, inside a character", ids, i, out, p)
		}
		chunks[i] = out[prev:p]
		prev = p
	}
	return out, chunks
}

// byteIDs returns the ids of the single-byte tokens for b, in a vocabulary
// built by byteVocab or the official one (id = byte + 1 in both).
func byteIDs(b []byte) []int32 {
	ids := make([]int32, len(b))
	for i, c := range b {
		ids[i] = int32(c) + 1
	}
	return ids
}

func TestStreamDecoderSplitCharacters(t *testing.T) {
	tk, err := New(byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("a\u00e9中🙂👍🏽\U0010FFFFz")
	out, chunks := streamAll(t, tk, byteIDs(text))
	if !bytes.Equal(out, text) {
		t.Fatalf("stream gave %q, want %q", out, text)
	}
	// Byte by byte, each character comes out whole in the step that
	// completes it.
	for i, c := range chunks {
		if len(c) > 0 && !utf8.FullRune(c) || !utf8.Valid(c) {
			t.Errorf("chunk %d = %x is not whole characters", i, c)
		}
	}
}

func TestStreamDecoderInvalidBytes(t *testing.T) {
	tk, err := New(byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		in     string
		chunks []string // output of each Append
	}{
		{"lone continuation", "\x80a", []string{"\x80", "a"}},
		{"truncated then ascii", "\xe4\xbda", []string{"", "", "\xe4\xbda"}},
		{"two leads", "\xe4\xe4\xbd\xa0", []string{"", "\xe4", "", "\xe4\xbd\xa0"}},
		{"never valid lead", "\xf5\xc0\xc1\xff", []string{"\xf5", "\xc0", "\xc1", "\xff"}},
		{"surrogate", "\xed\xa0\x80", []string{"", "\xed\xa0", "\x80"}},
		{"beyond U+10FFFF", "\xf4\x90", []string{"", "\xf4\x90"}},
		{"overlong", "\xe0\x80", []string{"", "\xe0\x80"}},
		{"four bytes", "\xf0\x9f\x99\x82", []string{"", "", "", "\xf0\x9f\x99\x82"}},
		{"too many continuations", "\xc3\xa9\x80", []string{"", "\xc3\xa9", "\x80"}},
	}
	for _, c := range cases {
		d := tk.NewStreamDecoder()
		var got []string
		for _, id := range byteIDs([]byte(c.in)) {
			got = append(got, string(d.Append(nil, id)))
		}
		if len(got) != len(c.chunks) {
			t.Fatalf("%s: %d chunks", c.name, len(got))
		}
		for i := range got {
			if got[i] != c.chunks[i] {
				t.Errorf("%s: chunk %d = %q, want %q", c.name, i, got[i], c.chunks[i])
			}
		}
		if rest := d.Flush(nil); len(rest) != 0 {
			t.Errorf("%s: Flush released %q", c.name, rest)
		}
	}
}

func TestStreamDecoderFlushAndReset(t *testing.T) {
	tk, err := New(byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	d := tk.NewStreamDecoder()
	for _, id := range byteIDs([]byte("x\xf0\x9f\x99")) {
		d.Append(nil, id)
	}
	if got := d.Flush([]byte("<")); string(got) != "<\xf0\x9f\x99" {
		t.Errorf("Flush = %q", got)
	}
	if got := d.Flush(nil); len(got) != 0 {
		t.Errorf("second Flush = %q", got)
	}
	d.Append(nil, 0xe4+1)
	d.Reset()
	if got := d.Append(nil, 'a'+1); string(got) != "a" {
		t.Errorf("after Reset Append = %q, want %q", got, "a")
	}
	if got := d.Append([]byte("k"), 0); string(got) != "k" {
		t.Errorf("end-of-text appended %q", got)
	}
}

func TestStreamDecoderOfficialTokens(t *testing.T) {
	vocab, tk := officialTokenizer(t)
	text := []byte("Emoji 👨‍👩‍👧‍👦🇯🇵 and 中文、日本語のテキスト, Кириллица, العربية. 🙂🙂🙂")
	ids := tk.Encode(text)
	out, _ := streamAll(t, tk, ids)
	if !bytes.Equal(out, text) {
		t.Fatalf("stream %q, want %q", out, text)
	}

	// Random token sequences, mostly of partial-character tokens.
	var partial []int32
	for id := 1; id < len(vocab); id++ {
		if !utf8.Valid(vocab[id]) {
			partial = append(partial, int32(id))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := 2000
	if testing.Short() {
		rounds = 200
	}
	for range rounds {
		ids := make([]int32, rng.IntN(12))
		for i := range ids {
			if rng.IntN(3) == 0 {
				ids[i] = int32(rng.IntN(len(vocab)))
			} else {
				ids[i] = partial[rng.IntN(len(partial))]
			}
		}
		if out, _ := streamAll(t, tk, ids); !bytes.Equal(out, tk.Decode(ids)) {
			t.Fatalf("ids %v: stream %x, Decode %x", ids, out, tk.Decode(ids))
		}
	}
}
