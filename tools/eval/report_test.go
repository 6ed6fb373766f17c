package eval_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/tools/eval"
)

// The JSON form has every key, with null for what is not a number.
func TestResultJSON(t *testing.T) {
	var c eval.Comparison
	if err := c.Add([]float32{1, 2}, []float32{1, 2.5}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c.Result())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := []string{"tokens", "vocab", "top1_agree", "predicted", "max_kl_at", "max_abs_dlogit_at", "nonfinite_steps",
		"mean_kl", "max_kl", "median_kl", "p99_kl", "top1", "max_abs_dlogit", "mean_abs_dlogit",
		"ppl_ref", "ppl_quant", "nll_ref", "nll_quant"}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if len(m) != len(keys) {
		t.Errorf("%d keys, want %d: %s", len(m), len(keys), b)
	}
	if m["tokens"] != 1.0 || m["max_abs_dlogit"] != 0.5 || m["ppl_ref"] != nil || m["nll_quant"] != nil {
		t.Errorf("one step: %s", b)
	}
}

// Within: every step finite, max |Δ| against the reference's scale, and
// top-1 on at least 90% of the steps.
func TestWithin(t *testing.T) {
	add := func(c *eval.Comparison, ref, got []float32) {
		if err := c.Add(ref, got); err != nil {
			t.Fatal(err)
		}
	}
	var c eval.Comparison
	for range 9 {
		add(&c, []float32{10, 0, -20}, []float32{10.5, 0, -20})
	}
	r := c.Result()
	if r.MaxAbsRef != 20 || !r.Within(0.5/20) || r.Within(0.49/20) {
		t.Errorf("max |Δ| %v of max |logit| %v", r.MaxAbsDiff, r.MaxAbsRef)
	}
	add(&c, []float32{1, 0, 0}, []float32{0, 1, 0}) // 9 of 10 agree
	if r := c.Result(); r.Top1Agree != 9 || !r.Within(0.1) {
		t.Errorf("9 of 10 top-1: %+v", r)
	}
	add(&c, []float32{1, 0, 0}, []float32{0, 1, 0}) // 9 of 11
	if r := c.Result(); r.Within(0.1) {
		t.Errorf("9 of 11 top-1 passed: %s", r.Summary())
	}
	var inf eval.Comparison
	add(&inf, []float32{1, 0, 0}, []float32{float32(math.Inf(1)), 0, 0})
	if r := inf.Result(); r.Within(1e30) {
		t.Errorf("an infinite logit passed: %s", r.Summary())
	}
}

func TestParseTokens(t *testing.T) {
	ids, err := eval.ParseTokens("10 11\n12,13\t14\r\n")
	if err != nil || !slices.Equal(ids, []int{10, 11, 12, 13, 14}) {
		t.Errorf("%v %v", ids, err)
	}
	for _, bad := range []string{"", " ,\n", "1,x", "1,-2"} {
		if ids, err := eval.ParseTokens(bad); err == nil {
			t.Errorf("%q: %v", bad, ids)
		}
	}
}

func TestDescribe(t *testing.T) {
	m := writeModel(t, quant.TypeQ8_0, nil)
	d := eval.Describe("q.gguf", m)
	if d.Path != "q.gguf" || d.WeightBytes != m.WeightBytes() || d.BitsPerWeight <= 8 || d.BitsPerWeight >= 32 ||
		!strings.Contains(d.Types, "Q8_0×") || !strings.Contains(d.Types, "F32×") {
		t.Errorf("%+v", d)
	}
}

// WriteLogits writes the rows the model gives token by token; WriteState
// the state's three parts, layer after layer.
func TestWriteLogitsAndState(t *testing.T) {
	m := writeModel(t, quant.TypeF32, nil)
	tokens := []int{5, 6, 7}
	var buf bytes.Buffer
	s := m.NewState()
	last, err := eval.WriteLogits(&buf, m.NewContext(), s, tokens)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 4*m.Vocab*len(tokens) || s.Tokens != 3 {
		t.Fatalf("%d bytes, state at %d tokens", buf.Len(), s.Tokens)
	}
	ctx, want := m.NewContext(), m.NewState()
	for i, id := range tokens {
		l, err := ctx.Forward(want, id)
		if err != nil {
			t.Fatal(err)
		}
		row := floats(buf.Bytes()[4*m.Vocab*i : 4*m.Vocab*(i+1)])
		if !slices.Equal(row, l) {
			t.Fatalf("row %d differs from Forward's logits", i)
		}
		if i == len(tokens)-1 && !slices.Equal(last, l) {
			t.Error("the last row returned differs")
		}
	}
	if _, err := eval.WriteLogits(&buf, m.NewContext(), m.NewState(), []int{m.Vocab}); err == nil {
		t.Error("a token outside the vocabulary accepted")
	}

	dir := filepath.Join(t.TempDir(), "state")
	if err := eval.WriteState(dir, s); err != nil {
		t.Fatal(err)
	}
	var kv, att, ffn []float32
	for _, l := range s.Layers {
		kv, att, ffn = append(kv, l.WKV...), append(att, l.AttXPrev...), append(ffn, l.FFNXPrev...)
	}
	for name, want := range map[string][]float32{"state_att_kv.bin": kv, "state_att_shift.bin": att, "state_ffn_shift.bin": ffn} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !slices.Equal(floats(b), want) || len(want) == 0 {
			t.Errorf("%s: %d values, want %d (%v)", name, len(b)/4, len(want), err)
		}
	}
}

func floats(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
