package main

import (
	"archive/zip"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/tools/fixtures"
	"github.com/gosling-edge/gosling/tools/synth"
)

// NaN or infinite weights make every token's logits NaN. The converter
// refuses them (tools/convert loadChecked) and leaves no output file; these
// tests go through `gosling convert` end to end.

var poisonShape = synth.Shape{Layers: 2, Embd: 64, Vocab: 300, FFN: 128, RankW: 32, RankA: 32, RankV: 32, RankG: 32}

// writeSafetensors writes a synthetic checkpoint as an F32 safetensors file
// under the official names, letting poison change one tensor's values.
func writeSafetensors(t *testing.T, path string, poison func(name string, v []float32)) {
	t.Helper()
	in, err := synth.Input(poisonShape, 5)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	header := map[string]any{}
	var body []byte
	for _, name := range names {
		v, err := in[name].Float32()
		if err != nil {
			t.Fatal(err)
		}
		poison(name, v)
		start := len(body)
		for _, x := range v {
			body = binary.LittleEndian.AppendUint32(body, math.Float32bits(x))
		}
		header[name] = map[string]any{"dtype": "F32", "shape": in[name].Shape, "data_offsets": []int{start, len(body)}}
	}
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(append(out, h...), body...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// noOutput checks that a refused conversion left nothing in dir but the input.
func noOutput(t *testing.T, dir, input string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != filepath.Base(input) {
			t.Errorf("a refused conversion left %s behind", e.Name())
		}
	}
}

func TestConvertRefusesNonFiniteWeights(t *testing.T) {
	cases := []struct {
		name   string
		tensor string
		index  int
		value  float32
		want   []string
	}{
		{"NaN in a matrix", "blocks.1.att.key.weight", 5, float32(math.NaN()), []string{"tensor blocks.1.att.key.weight: value 5 is NaN (corrupt checkpoint?)"}},
		{"+Inf in the embedding", "emb.weight", 0, float32(math.Inf(1)), []string{"tensor emb.weight: value 0 is +Inf (corrupt checkpoint?)"}},
		{"-Inf in a vector", "blocks.0.att.w0", 63, float32(math.Inf(-1)), []string{"tensor blocks.0.att.w0: value 63 is -Inf (corrupt checkpoint?)"}},
		{"NaN in the head", "head.weight", 300*64 - 1, float32(math.NaN()), []string{"tensor head.weight: value 19199 is NaN"}},
	}
	for _, tc := range cases {
		for _, typ := range []string{"f16", "q8_0"} {
			t.Run(tc.name+"/"+typ, func(t *testing.T) {
				dir := t.TempDir()
				in := filepath.Join(dir, "poisoned.safetensors")
				writeSafetensors(t, in, func(name string, v []float32) {
					if name == tc.tensor {
						v[tc.index] = tc.value
					}
				})
				out := filepath.Join(dir, "out.gguf")
				wantFailure(t, []string{"convert", in, "-o", out, "--type", typ, "-q"}, tc.want...)
				noOutput(t, dir, in)
			})
		}
	}
	// The same file without the poison converts: the refusals above are
	// about the values, nothing else.
	dir := t.TempDir()
	in := filepath.Join(dir, "clean.safetensors")
	writeSafetensors(t, in, func(string, []float32) {})
	mustRun(t, "convert", in, "-o", filepath.Join(dir, "out.gguf"), "-q")
}

// A .pth whose bf16 storage holds an infinity: the official fixture with
// its first storage's first value overwritten in place (stored entries are
// read as views, so the zip CRC is not consulted).
func TestConvertRefusesNonFinitePth(t *testing.T) {
	src := fixtures.Path(t, "model.pth")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	patched := false
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/data/0") && f.Method == zip.Store {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			binary.LittleEndian.PutUint16(data[off:], 0x7f80) // bf16 +Inf
			patched = true
		}
	}
	if !patched {
		t.Fatal("fixture has no stored data/0 entry")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "inf.pth")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	wantFailure(t, []string{"convert", in, "-o", filepath.Join(dir, "out.gguf"), "-q"}, "value 0 is +Inf (corrupt checkpoint?)")
	noOutput(t, dir, in)
}
