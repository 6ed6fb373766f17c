package eval

import (
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gosling-edge/gosling/runtime"
)

// The layout of the reference fixtures, for comparisons made elsewhere
// (other implementations, older builds): logits as rows of little-endian
// float32, states as three files of the same.

// WriteLogits feeds tokens to step one at a time (never batched), from s,
// and writes the logits after each to w as a row of little-endian float32.
// It returns the last row (the Stepper's buffer).
func WriteLogits(w io.Writer, step runtime.Stepper, s *runtime.State, tokens []int) ([]float32, error) {
	var logits []float32
	var row []byte // one row's bytes, reused for every token
	for _, id := range tokens {
		var err error
		if logits, err = step.Forward(s, id); err != nil {
			return nil, err
		}
		row = appendF32(row[:0], logits)
		if _, err := w.Write(row); err != nil {
			return nil, err
		}
	}
	return logits, nil
}

// WriteLogitsFile is WriteLogits into a file it creates at path, a row per
// write (a plain write, so /dev/null works).
func WriteLogitsFile(path string, step runtime.Stepper, s *runtime.State, tokens []int) ([]float32, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	logits, err := WriteLogits(f, step, s, tokens)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return logits, err
}

// WriteState writes s into dir (created if need be) as state_att_kv.bin,
// state_att_shift.bin and state_ffn_shift.bin, each the layers' values one
// after another.
func WriteState(dir string, s *runtime.State) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var kv, att, ffn []byte
	for _, l := range s.Layers {
		kv = appendF32(kv, l.WKV)
		att = appendF32(att, l.AttXPrev)
		ffn = appendF32(ffn, l.FFNXPrev)
	}
	for name, b := range map[string][]byte{"state_att_kv.bin": kv, "state_att_shift.bin": att, "state_ffn_shift.bin": ffn} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o666); err != nil {
			return err
		}
	}
	return nil
}

// appendF32 appends v to buf as little-endian float32.
func appendF32(buf []byte, v []float32) []byte {
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
	}
	return buf
}
