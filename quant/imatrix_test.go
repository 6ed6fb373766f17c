package quant

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImatrixLlamaFile reads an importance matrix that llama-imatrix wrote
// for testdata/rwkv7-tiny-f16.gguf (see testdata/README.md) and writes it
// back: the bytes must be llama-imatrix's, so llama-quantize reads our files
// as its own.
func TestImatrixLlamaFile(t *testing.T) {
	path := filepath.Join("testdata", "rwkv7-tiny-imatrix.gguf")
	m, err := ReadImatrix(path)
	if err != nil {
		t.Fatal(err)
	}
	model, err := Open(filepath.Join("testdata", "rwkv7-tiny-f16.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	if len(m.Datasets) != 1 || m.ChunkCount == 0 || m.ChunkSize == 0 {
		t.Errorf("metadata: datasets %q, %d chunks of %d", m.Datasets, m.ChunkCount, m.ChunkSize)
	}
	// llama-imatrix collects every matrix product of the blocks (and the
	// head, with --process-output): each entry names a model tensor, has
	// one sum per input column of it, and counted one row per token.
	if len(m.Entries) < 7 {
		t.Errorf("%d entries", len(m.Entries))
	}
	for name, e := range m.Entries {
		ti, ok := model.Tensor(name)
		if !ok {
			t.Errorf("entry %s is not a model tensor", name)
			continue
		}
		if e.Columns != ti.Cols() || len(e.Counts) != 1 || len(e.Sums) != e.Columns {
			t.Errorf("%s: %d columns, %d counts, %d sums; tensor %v", name, e.Columns, len(e.Counts), len(e.Sums), ti.Dims)
		}
		if e.Counts[0] != float32(m.ChunkCount*m.ChunkSize) {
			t.Errorf("%s: count %g, want %d chunks × %d tokens", name, e.Counts[0], m.ChunkCount, m.ChunkSize)
		}
		for j, s := range e.Sums {
			if !(s >= 0) {
				t.Errorf("%s: sum %d = %g", name, j, s)
				break
			}
		}
	}
	if _, ok := m.Entries["output.weight"]; !ok {
		t.Error("no entry for the head")
	}
	out := filepath.Join(t.TempDir(), "rt.gguf")
	if err := m.WriteFile(out); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Errorf("rewritten file differs from llama-imatrix's (%d vs %d bytes)", len(b), len(a))
	}
}

func TestImatrixWeights(t *testing.T) {
	// Two matrices (experts) of three columns: matrix 0 saw 2 rows →
	// sums/2; matrix 1 saw none → 1 everywhere (llama-quantize's rule).
	e := &ImatrixEntry{Columns: 3, Sums: []float32{2, 4, 6, 5, 5, 5}, Counts: []float32{2, 0}}
	want := []float32{1, 2, 3, 1, 1, 1}
	for i, w := range e.Weights() {
		if w != want[i] {
			t.Errorf("weight %d = %g, want %g", i, w, want[i])
		}
	}
	// Counts are rounded to integers first (lround: halves away from 0).
	for _, c := range []struct{ count, want float32 }{{2.4, 5}, {2.5, 10.0 / 3}, {1.5, 5}} {
		e := &ImatrixEntry{Columns: 1, Sums: []float32{10}, Counts: []float32{c.count}}
		if w := e.Weights()[0]; w != c.want {
			t.Errorf("count %g: weight %g, want %g", c.count, w, c.want)
		}
	}
}

func TestImatrixRejects(t *testing.T) {
	build := func(f func(w *Writer)) *File {
		w := NewWriter()
		w.Add("general.type", "imatrix")
		f(w)
		var buf bytes.Buffer
		if err := w.Write(&buf, nil); err != nil {
			t.Fatal(err)
		}
		g, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	f32 := func(v ...float32) []byte { return f32Bytes(v) }
	cases := map[string]struct {
		g    *File
		want string
	}{
		"sums without counts": {build(func(w *Writer) {
			w.AddTensorBytes("a.in_sum2", TypeF32, []uint64{2}, f32(1, 2))
		}), "without"},
		"not F32": {build(func(w *Writer) {
			w.AddTensorBytes("a.in_sum2", TypeF16, []uint64{2}, []byte{0, 0, 0, 0})
			w.AddTensorBytes("a.counts", TypeF32, []uint64{1}, f32(1))
		}), "want F32"},
		"sums not a multiple of the matrices": {build(func(w *Writer) {
			w.AddTensorBytes("a.in_sum2", TypeF32, []uint64{3}, f32(1, 2, 3))
			w.AddTensorBytes("a.counts", TypeF32, []uint64{2}, f32(1, 1))
		}), "3 sums for 2 matrices"},
		"no entries": {build(func(w *Writer) {}), "no .in_sum2"},
	}
	for name, c := range cases {
		if _, err := ParseImatrix(c.g); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
	w := NewWriter()
	w.Add("general.type", "model")
	var buf bytes.Buffer
	w.Write(&buf, nil)
	g, _ := Parse(buf.Bytes())
	if _, err := ParseImatrix(g); err == nil || !strings.Contains(err.Error(), "general.type") {
		t.Errorf("a model file: error %v", err)
	}
	bad := &Imatrix{Entries: map[string]*ImatrixEntry{"a": {Columns: 2, Sums: []float32{1}, Counts: []float32{1}}}}
	if _, err := bad.Writer(); err == nil {
		t.Error("writing an entry with too few sums: no error")
	}
}
