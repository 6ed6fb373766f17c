package checkpoint

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// A tiny fla-named model: one layer, C = 4, rank 2.
func flaTensors() []stTensor {
	return []stTensor{
		{"model.embeddings.weight", "BF16", []int{3, 4}, seq(24)},
		{"model.layers.0.attn.w_lora.lora.0.weight", "BF16", []int{2, 4}, seq(16)}, // [rank, C]
		{"model.layers.0.attn.w_lora.lora.2.weight", "BF16", []int{4, 2}, seq(16)}, // [C, rank]
		{"model.layers.0.attn.w_lora.lora.2.bias", "BF16", []int{4}, seq(8)},
		{"model.layers.0.attn.k_k", "BF16", []int{4}, seq(8)},
		{"model.layers.0.attn.x_r", "BF16", []int{1, 1, 4}, seq(8)},
		{"model.layers.0.attn.r_k", "BF16", []int{2, 2}, seq(8)},
		{"model.layers.0.attn.g_norm.weight", "BF16", []int{4}, seq(8)},
		{"model.layers.0.ffn.x_k", "F32", []int{4}, seq(16)},
		{"lm_head.weight", "F16", []int{3, 4}, seq(24)},
	}
}

func TestSafetensorsFlaMapping(t *testing.T) {
	c, err := openBytes(t, "m.safetensors", safetensorsBytes(t, flaTensors(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Config != nil {
		t.Errorf("no config.json beside the file, Config = %v", c.Config)
	}
	want := map[string][]int{
		"emb.weight":               {3, 4},
		"blocks.0.att.w1":          {4, 2},
		"blocks.0.att.w2":          {2, 4},
		"blocks.0.att.w0":          {1, 1, 4},
		"blocks.0.att.k_k":         {1, 1, 4},
		"blocks.0.att.x_r":         {1, 1, 4},
		"blocks.0.att.r_k":         {2, 2},
		"blocks.0.att.ln_x.weight": {4},
		"blocks.0.ffn.x_k":         {1, 1, 4},
		"head.weight":              {3, 4},
	}
	if len(c.Tensors) != len(want) {
		t.Errorf("%d tensors, want %d", len(c.Tensors), len(want))
	}
	for name, shape := range want {
		tn, ok := c.Get(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if !reflect.DeepEqual(tn.Shape, shape) {
			t.Errorf("%s: shape %v, want %v", name, tn.Shape, shape)
		}
	}
	// w1 is the transpose of lora.0.weight: w1[c][r] = lora0[r][c].
	w1, _ := c.Get("blocks.0.att.w1")
	lora0 := seq(16)
	for r := 0; r < 2; r++ {
		for col := 0; col < 4; col++ {
			got := w1.Data[(col*2+r)*2 : (col*2+r)*2+2]
			src := lora0[(r*4+col)*2 : (r*4+col)*2+2]
			if !bytes.Equal(got, src) {
				t.Fatalf("w1[%d][%d] = % x, want % x", col, r, got, src)
			}
		}
	}
	if d := c.Tensors[len(c.Tensors)-1]; d.DType == 0 {
		t.Error("dtype not set")
	}
	if h, _ := c.Get("head.weight"); h.DType != F16 {
		t.Errorf("head dtype %v", h.DType)
	}
}

// Names already in the official form pass through.
func TestSafetensorsOfficialNames(t *testing.T) {
	c, err := openBytes(t, "o.safetensors", safetensorsBytes(t, []stTensor{
		{"blocks.0.att.w1", "BF16", []int{4, 2}, seq(16)},
		{"blocks.0.att.v0", "BF16", []int{1, 1, 4}, seq(8)},
		{"emb.weight", "BF16", []int{2, 2}, seq(8)},
	}, nil))
	if err != nil {
		t.Fatal(err)
	}
	w1, _ := c.Get("blocks.0.att.w1")
	if !reflect.DeepEqual(w1.Shape, []int{4, 2}) || !bytes.Equal(w1.Data, seq(16)) {
		t.Errorf("w1 changed: %v", w1.Shape)
	}
	if _, ok := c.Get("blocks.0.att.v0"); !ok {
		t.Error("v0 missing")
	}
}

func TestSafetensorsConfigBeside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	os.WriteFile(path, safetensorsBytes(t, flaTensors(), nil), 0o644)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"hidden_size": 4, "model_type": "rwkv7"}`), 0o644)
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Config["hidden_size"] != float64(4) {
		t.Errorf("Config = %v", c.Config)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"hidden_size": `), 0o644)
	_, err = Open(path)
	wantErr(t, err, "config.json")
}

func TestSafetensorsBad(t *testing.T) {
	base := flaTensors()
	setRecord := func(name, field string, v any) func(map[string]any) {
		return func(h map[string]any) { h[name].(map[string]any)[field] = v }
	}
	cases := []struct {
		name    string
		tensors []stTensor
		fix     func(map[string]any)
		want    []string
	}{
		{"offsets past the data", base, setRecord("lm_head.weight", "data_offsets", []int{136, 100000}), []string{"lm_head.weight", "outside"}},
		{"offsets reversed", base, setRecord("lm_head.weight", "data_offsets", []int{20, 10}), []string{"lm_head.weight", "outside"}},
		{"size does not match shape", base, setRecord("lm_head.weight", "shape", []int{3, 5}), []string{"lm_head.weight", "needs"}},
		{"huge shape", base, setRecord("lm_head.weight", "shape", []int64{1 << 20, 1 << 20}), []string{"lm_head.weight", "needs more bytes"}},
		{"negative dimension", base, setRecord("lm_head.weight", "shape", []int{-1, 4}), []string{"lm_head.weight", "out of range"}},
		{"unsupported dtype", base, setRecord("lm_head.weight", "dtype", "I32"), []string{"lm_head.weight", `"I32"`, "not supported"}},
		{"one offset", base, setRecord("lm_head.weight", "data_offsets", []int{0}), []string{"lm_head.weight", "data_offsets"}},
		{"record not an object", base, func(h map[string]any) { h["lm_head.weight"] = 5 }, []string{"lm_head.weight"}},
		{"unknown fla key", append(base[:1:1], stTensor{"model.layers.0.attn.mystery", "BF16", []int{4}, seq(8)}), nil, []string{"model.layers.0.attn.mystery", "no official"}},
		{"g_lora bias", append(base[:1:1], stTensor{"model.layers.0.attn.g_lora.lora.2.bias", "BF16", []int{4}, seq(8)}), nil, []string{"g_lora.lora.2.bias", "no official"}},
		{"LoRA not 2-D", append(base[:1:1], stTensor{"model.layers.0.attn.a_lora.lora.0.weight", "BF16", []int{8}, seq(16)}), nil, []string{"a_lora.lora.0.weight", "2-D"}},
		{"vector of wrong shape", append(base[:1:1], stTensor{"model.layers.0.attn.k_a", "BF16", []int{2, 2}, seq(8)}), nil, []string{"attn.k_a", "[C]"}},
		{"two names for one tensor", append(base[:1:1], stTensor{"emb.weight", "BF16", []int{3, 4}, seq(24)}), nil, []string{"emb.weight", "twice"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openBytes(t, "bad.safetensors", safetensorsBytes(t, tc.tensors, tc.fix))
			wantErr(t, err, tc.want...)
		})
	}
}

func TestSafetensorsBadHeader(t *testing.T) {
	good := safetensorsBytes(t, flaTensors(), nil)
	n := binary.LittleEndian.Uint64(good)
	withLen := func(l uint64, rest []byte) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, l), rest...)
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"length past the file", withLen(n+1000, good[8:]), "header length"},
		{"length over the limit", withLen(maxSafetensorsHeader+1, append([]byte("{"), make([]byte, 200)...)), "limit"},
		{"header cut short", withLen(10, []byte(`{"a":{"dty`)), "header"},
		{"header is a list", withLen(4, []byte(`{}][`)), "after the header"},
		{"bad metadata", withLen(20, []byte(`{"__metadata__": 5} `)), "__metadata__"},
	}
	for _, tc := range cases {
		_, err := parse(tc.data, "")
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
	}
	// A key repeated in the header.
	dup := []byte(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`)
	_, err := parseSafetensors(append(withLen(uint64(len(dup)), dup), 0, 0, 0, 0))
	wantErr(t, err, `"a" twice`)
}
