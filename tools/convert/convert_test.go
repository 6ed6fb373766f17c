package convert_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

var tiny = synth.Shape{Layers: 2, Embd: 64, Vocab: 300, FFN: 128, RankW: 32, RankA: 32, RankV: 32, RankG: 32}

func tinyInput(t *testing.T) convert.Input {
	in, err := synth.Input(tiny, 1)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestUnknownTensorIsAnError(t *testing.T) {
	in := tinyInput(t)
	in["blocks.0.ffn.s_emb.weight"] = convert.Tensor{Shape: []int{300, 64}}
	_, _, err := convert.Build(in, convert.Options{})
	if err == nil || !strings.Contains(err.Error(), "blocks.0.ffn.s_emb.weight") || !strings.Contains(err.Error(), "DeepEmbed") {
		t.Fatalf("err = %v, want one naming the DeepEmbed tensor", err)
	}
}

func TestWrongShapeIsAnError(t *testing.T) {
	in := tinyInput(t)
	k := in["blocks.1.att.key.weight"]
	k.Shape = []int{32, 128}
	in["blocks.1.att.key.weight"] = k
	_, _, err := convert.Build(in, convert.Options{})
	if err == nil || !strings.Contains(err.Error(), "blocks.1.att.key.weight") {
		t.Fatalf("err = %v, want one naming the tensor", err)
	}
	in = tinyInput(t)
	delete(in, "blocks.1.att.v1")
	if _, _, err := convert.Build(in, convert.Options{}); err == nil || !strings.Contains(err.Error(), "blocks.1.att.v1: missing") {
		t.Fatalf("err = %v, want a missing-tensor error", err)
	}
}

// Layer 0 v0/v1/v2 (present in some official checkpoints, unused) are
// accepted and do not change the output.
func TestLayer0ValueLoRAIgnored(t *testing.T) {
	in := tinyInput(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a.gguf")
	if _, err := convert.Write(in, a, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	in["blocks.0.att.v0"] = in["blocks.1.att.v0"]
	in["blocks.0.att.v1"] = in["blocks.1.att.v1"]
	in["blocks.0.att.v2"] = in["blocks.1.att.v2"]
	b := filepath.Join(dir, "b.gguf")
	if _, err := convert.Write(in, b, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	la, lb := logitsOf(t, a, 5, 9, 2), logitsOf(t, b, 5, 9, 2)
	for i := range la {
		if la[i] != lb[i] {
			t.Fatalf("logit %d differs: %v vs %v", i, la[i], lb[i])
		}
	}
}

func logitsOf(t *testing.T, path string, tokens ...int) []float32 {
	t.Helper()
	m, err := runtime.Load(path, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, s := m.NewContext(), m.NewState()
	var out []float32
	for _, tok := range tokens {
		l, err := c.Forward(s, tok)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l...)
	}
	return out
}

// The vocabulary: token 0 is end of text, then the vocabulary entries,
// then padding up to the model's rows; a model with fewer rows keeps the
// first rows−1 entries.
func TestVocabularyLayout(t *testing.T) {
	in := tinyInput(t) // 300 rows < 65529 World tokens
	path := filepath.Join(t.TempDir(), "v.gguf")
	if _, err := convert.Write(in, path, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	g, err := quant.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	toks, err := g.Meta.Strings("tokenizer.ggml.tokens")
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 300 || toks[0] != "<s>" || toks[1] != `\x00` || toks[261] != `\n\n` {
		t.Errorf("tokens: len %d, [0]=%q [1]=%q [261]=%q", len(toks), toks[0], toks[1], toks[261])
	}
	for id, s := range toks[1:] {
		if strings.HasPrefix(s, "[PAD") {
			t.Fatalf("token %d is padding although the World vocabulary has it", id+1)
		}
	}
	// A small custom vocabulary pads the rest.
	vocab := [][]byte{nil, []byte("a"), []byte("b"), []byte("\n\n")}
	path2 := filepath.Join(t.TempDir(), "v2.gguf")
	if _, err := convert.Write(in, path2, convert.Options{Vocab: vocab}); err != nil {
		t.Fatal(err)
	}
	g2, err := quant.Open(path2)
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close()
	toks2, _ := g2.Meta.Strings("tokenizer.ggml.tokens")
	types, _ := g2.Meta.Int32s("tokenizer.ggml.token_type")
	if len(toks2) != 300 || toks2[3] != `\n\n` || toks2[4] != "[PAD4]" || types[4] != 5 || types[0] != 3 || types[1] != 1 {
		t.Errorf("custom vocabulary: %q %q types %v", toks2[3], toks2[4], types[:5])
	}
	if eot, err := g2.Meta.Uint("tokenizer.ggml.eot_token_id"); err != nil || eot != 3 {
		t.Errorf("eot = %d, %v; want 3", eot, err)
	}
}

func TestPolicyOverrides(t *testing.T) {
	p, err := convert.DefaultPolicy(quant.TypeQ8_0)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ParseOverrides("head=f16,emb=q4_0"); err != nil {
		t.Fatal(err)
	}
	if p[convert.ClassHead] != quant.TypeF16 || p[convert.ClassEmbedding] != quant.TypeQ4_0 {
		t.Errorf("policy %s", p)
	}
	for _, bad := range []string{"nope=f16", "head", "head=q6_k", "vector=q8_0"} {
		if err := p.ParseOverrides(bad); err == nil {
			t.Errorf("override %q accepted", bad)
		}
	}
	if _, err := convert.DefaultPolicy(quant.TypeQ6_K); err == nil {
		t.Error("q6_k accepted as --type")
	}
}

// Without Options.Name, general.name is the output file's name (what
// gosling convert --name's help promises), not a fixed "rwkv7".
func TestWriteNamesTheModelAfterTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my-model.gguf")
	if _, err := convert.Write(tinyInput(t), path, convert.Options{}); err != nil {
		t.Fatal(err)
	}
	g, err := quant.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if name, _ := g.Meta.String("general.name"); name != "my-model" {
		t.Errorf("general.name = %q, want my-model", name)
	}
}
