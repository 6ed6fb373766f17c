package runtime_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/synth"
)

// retyped copies a GGUF file, giving one tensor another type (with zero
// bytes of the new type's size): a stand-in for llama-quantize's files of
// the types gosling does not compute with (the IQ1/IQ2/IQ3, ternary and
// MXFP4 types).
func retyped(t *testing.T, src, tensor string, typ quant.Type) string {
	t.Helper()
	g, err := quant.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	w := quant.NewWriter()
	for _, kv := range g.Meta.KVs {
		if kv.Key == "general.alignment" {
			continue
		}
		w.Add(kv.Key, kv.Value)
	}
	found := false
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		if ti.Name != tensor {
			data := append([]byte(nil), g.Bytes(ti)...)
			if err := w.AddTensorBytes(ti.Name, ti.Type, ti.Dims, data); err != nil {
				t.Fatal(err)
			}
			continue
		}
		found = true
		rb, err := typ.RowBytes(ti.Cols())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddTensorBytes(ti.Name, typ, ti.Dims, make([]byte, rb*ti.Rows())); err != nil {
			t.Fatal(err)
		}
	}
	if !found {
		t.Fatalf("%s has no tensor %s", src, tensor)
	}
	out := filepath.Join(t.TempDir(), strings.ToLower(typ.String())+".gguf")
	if err := w.WriteFile(out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// A GGUF holding a type gosling does not compute with is refused at load,
// with a message naming the type and the tensor, never run or misread.
func TestRefusesUnsupportedTensorTypes(t *testing.T) {
	// Width 256: rows of K-quants and IQ types are 256-value super-blocks.
	shape := synth.Shape{Layers: 1, Embd: 256, Vocab: 300, FFN: 256, RankW: 32, RankA: 32, RankV: 32, RankG: 32}
	src := synthModel(t, shape, quant.TypeQ8_0)
	if m, err := runtime.Load(src, runtime.Options{}); err != nil {
		t.Fatalf("the unmodified file: %v", err)
	} else {
		m.Close()
	}
	for _, c := range []struct {
		tensor string
		typ    quant.Type
	}{
		{"output.weight", quant.TypeIQ2_XXS},
		{"blk.0.time_mix_key.weight", quant.TypeIQ3_S},
		{"blk.0.channel_mix_value.weight", quant.TypeTQ1_0},
		{"token_embd.weight", quant.TypeIQ1_M},
		{"blk.0.time_mix_g1.weight", quant.TypeMXFP4},
	} {
		path := retyped(t, src, c.tensor, c.typ)
		m, err := runtime.Load(path, runtime.Options{})
		if err == nil {
			m.Close()
			t.Errorf("%s as %s: loaded", c.tensor, c.typ)
			continue
		}
		msg := err.Error()
		t.Logf("%s as %s: %s", c.tensor, c.typ, msg)
		if !strings.Contains(msg, c.tensor) || !strings.Contains(msg, c.typ.String()) {
			t.Errorf("%s as %s: error %q does not name both", c.tensor, c.typ, msg)
		}
	}
}
