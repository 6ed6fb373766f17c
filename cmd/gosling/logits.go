package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	register("logits", "write the logits after each of a list of tokens (for verification)", runLogits)
}

func runLogits(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("logits -m MODEL --tokens 1,2,3 --out FILE [--state-in F] [--state-out F] [--state-raw DIR]",
		"Feeds the tokens one by one (never batched) from the zero state, or from the\n"+
			"state saved in --state-in, and writes the logits after each token to FILE as\n"+
			"little-endian float32, one row of V values per token (V = rows of the output\n"+
			"matrix, padding included). Continuing a saved state gives the same bits as\n"+
			"one uninterrupted run. --state-out saves the final state (a gosling state\n"+
			"file); --state-raw writes it as state_att_kv.bin, state_att_shift.bin and\n"+
			"state_ffn_shift.bin in the layout of the reference fixtures.", stderr)
	mf := addModelFlags(fs.FlagSet)
	sf := addStateFlags(fs.FlagSet)
	tokens := fs.String("tokens", "", "comma-separated token ids, no spaces")
	out := fs.String("out", "", "output `file` (a plain write; /dev/null works)")
	stateRaw := fs.String("state-raw", "", "write the final state into this `directory`")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *tokens == "" || *out == "" {
		return usagef("--tokens and --out are required")
	}
	var ids []int
	for _, f := range strings.Split(*tokens, ",") {
		id, err := strconv.Atoi(f)
		if err != nil {
			return usagef("--tokens: %q is not a token id", f)
		}
		ids = append(ids, id)
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	for _, id := range ids {
		if id < 0 || id >= m.Vocab {
			return usagef("--tokens: id %d is outside the model's %d rows", id, m.Vocab)
		}
	}
	s, _, err := sf.load(m)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	c := m.NewContext()
	var logits []float32
	row := make([]byte, 0, 4*m.Vocab) // one row's bytes, reused for every token
	for _, id := range ids {
		logits, err = c.Forward(s, id)
		if err != nil {
			f.Close()
			return err
		}
		row = appendF32(row[:0], logits)
		if _, err := w.Write(row); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := sf.save(stderr, m, s, logits); err != nil {
		return err
	}
	if *stateRaw != "" {
		if err := os.MkdirAll(*stateRaw, 0o755); err != nil {
			return err
		}
		var kv, att, ffn []float32
		for _, l := range s.Layers {
			kv = append(kv, l.WKV...)
			att = append(att, l.AttXPrev...)
			ffn = append(ffn, l.FFNXPrev...)
		}
		for name, v := range map[string][]float32{"state_att_kv.bin": kv, "state_att_shift.bin": att, "state_ffn_shift.bin": ffn} {
			if err := writeF32File(filepath.Join(*stateRaw, name), v); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stderr, "wrote %d × %d logits to %s\n", len(ids), m.Vocab, *out)
	return nil
}

// appendF32 appends v to buf as little-endian float32.
func appendF32(buf []byte, v []float32) []byte {
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
	}
	return buf
}

func writeF32File(path string, v []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(appendF32(nil, v)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
