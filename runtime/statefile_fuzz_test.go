package runtime

import (
	"bytes"
	"testing"
)

// FuzzParseStateFile: no input makes the parser panic or allocate more
// than the file's size, and whatever it accepts encodes back to the same
// bytes.
func FuzzParseStateFile(f *testing.F) {
	c := Config{Layers: 2, Embd: 4, Heads: 2, HeadSize: 2, Vocab: 3}
	s := newState(c)
	for i, v := range s.Floats() {
		s.Floats()[i] = float32(i) * 0.5
		_ = v
	}
	s.Tokens = 9
	var fp Fingerprint
	fp[0] = 0xab
	for _, logits := range [][]float32{nil, {1, -2, 3}} {
		b, err := appendStateFile(nil, fp, c, s, logits)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)-3])
	}
	f.Add([]byte("GOSLSTAT"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := parseStateFile(b)
		if err != nil {
			return
		}
		c := Config{Layers: sf.Layers, Embd: sf.Embd, Heads: sf.Heads, HeadSize: sf.HeadSize, Vocab: sf.Vocab}
		again, err := appendStateFile(nil, sf.Fingerprint, c, sf.State, sf.Logits)
		if err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs from the input")
		}
	})
}
