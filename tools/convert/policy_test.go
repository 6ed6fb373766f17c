package convert_test

import (
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/tools/convert"
)

// The defaults are the measured ones documented on DefaultPolicy; a change
// here needs new measurements there.
func TestDefaultPolicy(t *testing.T) {
	const (
		f32 = quant.TypeF32
		f16 = quant.TypeF16
		q8  = quant.TypeQ8_0
		q4  = quant.TypeQ4_0
	)
	want := map[quant.Type]string{
		f32: convert.Policy{convert.ClassEmbedding: f32, convert.ClassHead: f32, convert.ClassAttention: f32, convert.ClassFFN: f32,
			convert.ClassLoRA: f32, convert.ClassDecayLoRA: f32, convert.ClassVector: f32}.String(),
		f16: convert.Policy{convert.ClassEmbedding: f16, convert.ClassHead: f16, convert.ClassAttention: f16, convert.ClassFFN: f16,
			convert.ClassLoRA: f16, convert.ClassDecayLoRA: f32, convert.ClassVector: f32}.String(),
		q8: convert.Policy{convert.ClassEmbedding: q8, convert.ClassHead: q8, convert.ClassAttention: q8, convert.ClassFFN: q8,
			convert.ClassLoRA: f16, convert.ClassDecayLoRA: f32, convert.ClassVector: f32}.String(),
		q4: convert.Policy{convert.ClassEmbedding: q8, convert.ClassHead: q4, convert.ClassAttention: q4, convert.ClassFFN: q4,
			convert.ClassLoRA: f16, convert.ClassDecayLoRA: f32, convert.ClassVector: f32}.String(),
	}
	for typ, w := range want {
		p, err := convert.DefaultPolicy(typ)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != len(convert.Classes) {
			t.Errorf("%s: policy sets %d classes, want all %d", typ, len(p), len(convert.Classes))
		}
		if got := p.String(); got != w {
			t.Errorf("%s: policy %s, want %s", typ, got, w)
		}
	}
	for _, bad := range []quant.Type{quant.TypeBF16, quant.TypeQ6_K} {
		if _, err := convert.DefaultPolicy(bad); err == nil {
			t.Errorf("--type %s accepted", bad)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := convert.ParsePolicy("q8_0", "head=f16")
	if err != nil || p[convert.ClassHead] != quant.TypeF16 || p[convert.ClassAttention] != quant.TypeQ8_0 {
		t.Errorf("ParsePolicy(q8_0, head=f16) = %v, %v", p, err)
	}
	for _, c := range [][2]string{{"q9", ""}, {"q6_k", ""}, {"f16", "nope=f16"}} {
		if _, err := convert.ParsePolicy(c[0], c[1]); err == nil {
			t.Errorf("ParsePolicy(%q, %q) accepted", c[0], c[1])
		}
	}
}
