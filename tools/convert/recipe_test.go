package convert

import (
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
)

// TestTensorType checks the llama-quantize recipe for rwkv7 tensors of the
// 0.1B shape (width 768: a multiple of 256) and the demo's (320: not).
func TestTensorType(t *testing.T) {
	f16 := quant.TypeF16
	cases := []struct {
		preset, name string
		dims         []uint64
		in, want     quant.Type
	}{
		{"Q4_K_M", "blk.0.time_mix_key.weight", []uint64{768, 768}, f16, quant.TypeQ4_K},
		{"Q4_K_M", "output.weight", []uint64{768, 65536}, f16, quant.TypeQ6_K},
		{"Q4_K_M", "token_embd.weight", []uint64{768, 65536}, f16, quant.TypeQ4_K},
		{"Q4_K_M", "blk.0.time_mix_key.weight", []uint64{320, 320}, f16, quant.TypeQ5_0},
		{"Q4_K_M", "output.weight", []uint64{320, 8192}, f16, quant.TypeQ8_0},
		{"Q4_0", "output.weight", []uint64{768, 65536}, f16, quant.TypeQ6_K},
		{"Q4_0", "output.weight", []uint64{320, 8192}, f16, quant.TypeQ8_0},
		{"Q8_0", "output.weight", []uint64{768, 65536}, f16, quant.TypeQ8_0},
		{"Q2_K", "blk.0.channel_mix_value.weight", []uint64{1280, 320}, f16, quant.TypeQ2_K},
		{"Q2_K", "blk.0.time_mix_value.weight", []uint64{320, 320}, f16, quant.TypeQ4_0},
		{"Q3_K_S", "blk.0.channel_mix_key.weight", []uint64{320, 1280}, f16, quant.TypeQ4_0},
		{"Q5_K_S", "blk.0.channel_mix_key.weight", []uint64{320, 1280}, f16, quant.TypeQ5_1},
		{"Q6_K", "blk.0.channel_mix_key.weight", []uint64{320, 1280}, f16, quant.TypeQ8_0},
		{"IQ4_XS", "blk.0.channel_mix_key.weight", []uint64{320, 1280}, f16, quant.TypeIQ4_NL},
		{"IQ4_XS", "output.weight", []uint64{768, 65536}, f16, quant.TypeQ6_K},
		{"Q4_K_M", "blk.0.time_mix_w1.weight", []uint64{768, 64}, quant.TypeF32, quant.TypeF32},
		{"Q4_K_M", "blk.0.time_mix_a2.weight", []uint64{64, 768}, f16, f16},
		{"Q4_K_M", "blk.0.time_mix_lerp_fused.weight", []uint64{768, 1, 1, 6}, quant.TypeF32, quant.TypeF32},
		{"Q4_K_M", "blk.0.attn_norm.weight", []uint64{768}, quant.TypeF32, quant.TypeF32},
		{"Q4_K_M", "blk.0.time_mix_k_k", []uint64{768}, quant.TypeF32, quant.TypeF32},
		{"F16", "output.weight", []uint64{768, 65536}, quant.TypeF32, f16},
		{"BF16", "blk.0.time_mix_key.weight", []uint64{320, 320}, f16, quant.TypeBF16},
	}
	for _, c := range cases {
		p, err := ParsePreset(c.preset)
		if err != nil {
			t.Fatal(err)
		}
		if got := TensorType(p, c.name, c.dims, c.in, false); got != c.want {
			t.Errorf("%s %s %v: got %v, want %v", c.preset, c.name, c.dims, got, c.want)
		}
	}
	p, _ := ParsePreset("q4_k_m")
	if got := TensorType(p, "output.weight", []uint64{768, 65536}, f16, true); got != quant.TypeQ4_K {
		t.Errorf("pure head: got %v, want Q4_K", got)
	}
	if _, err := ParsePreset("IQ2_XXS"); err == nil {
		t.Error("IQ2_XXS accepted")
	}
}

// Overrides set classes and groups over the preset's rules, reach the
// LoRAs llama-quantize leaves alone, and fall back where the rows do not fit.
func TestOverrides(t *testing.T) {
	p, _ := ParsePreset("Q4_K_M")
	p, err := p.WithOverrides("head=q8_0, att=q6_k,att.value=q8_0,lora.w=q5_k,embd=f16")
	if err != nil {
		t.Fatal(err)
	}
	f16, f32 := quant.TypeF16, quant.TypeF32
	cases := []struct {
		name string
		dims []uint64
		want quant.Type
	}{
		{"output.weight", []uint64{768, 65536}, quant.TypeQ8_0},
		{"token_embd.weight", []uint64{768, 65536}, f16},
		{"blk.3.time_mix_key.weight", []uint64{768, 768}, quant.TypeQ6_K},
		{"blk.3.time_mix_receptance.weight", []uint64{768, 768}, quant.TypeQ6_K},
		{"blk.3.time_mix_value.weight", []uint64{768, 768}, quant.TypeQ8_0},
		{"blk.3.time_mix_value.weight", []uint64{320, 320}, quant.TypeQ8_0},
		{"blk.3.time_mix_key.weight", []uint64{320, 320}, quant.TypeQ8_0}, // Q6_K falls back
		{"blk.3.channel_mix_key.weight", []uint64{768, 3072}, quant.TypeQ4_K},
		{"blk.3.time_mix_w1.weight", []uint64{768, 64}, quant.TypeQ5_K},
		{"blk.3.time_mix_w2.weight", []uint64{64, 768}, quant.TypeQ5_1}, // Q5_K falls back
		{"blk.3.time_mix_a1.weight", []uint64{768, 64}, f32},            // no rule: kept
		{"blk.3.time_mix_k_k.weight", []uint64{768}, f32},
	}
	for _, c := range cases {
		if got := TensorType(p, c.name, c.dims, f32, false); got != c.want {
			t.Errorf("%s %v: got %v, want %v", c.name, c.dims, got, c.want)
		}
	}
	if got := TensorType(p, "output.weight", []uint64{768, 65536}, f32, true); got != quant.TypeQ8_0 {
		t.Errorf("an override under --pure: got %v, want Q8_0", got)
	}
	q, _ := ParsePreset("Q4_K_M")
	if q.Rules != nil {
		t.Errorf("WithOverrides changed the preset table: %v", q.Rules)
	}
	for _, bad := range []string{"attn=q8_0", "head", "head=q9_9", "head=iq2_xxs"} {
		if _, err := q.WithOverrides(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, c := range TensorClasses {
		name := "blk.0." + strings.Fields(c.Tensors)[0]
		if c.Name == "embd" || c.Name == "head" {
			name = c.Tensors
		}
		name = strings.TrimSuffix(name, ",")
		if got := TensorClass(name); got != c.Name {
			t.Errorf("TensorClass(%s) = %q, want %q", name, got, c.Name)
		}
	}
}

// Q4_G is Q4_K_M with its rules; an override still wins over them.
func TestQ4G(t *testing.T) {
	p, err := ParsePreset("q4_g")
	if err != nil {
		t.Fatal(err)
	}
	f32 := quant.TypeF32
	cases := []struct {
		name string
		dims []uint64
		want quant.Type
	}{
		{"output.weight", []uint64{768, 65536}, quant.TypeQ5_K},
		{"token_embd.weight", []uint64{768, 65536}, quant.TypeQ4_K},
		{"blk.0.time_mix_receptance.weight", []uint64{768, 768}, quant.TypeQ4_K},
		{"blk.0.time_mix_key.weight", []uint64{768, 768}, quant.TypeQ5_K},
		{"blk.0.time_mix_value.weight", []uint64{768, 768}, quant.TypeQ5_K},
		{"blk.0.channel_mix_value.weight", []uint64{3072, 768}, quant.TypeQ4_K},
		{"blk.0.time_mix_w1.weight", []uint64{768, 64}, quant.TypeQ8_0},
		{"blk.0.time_mix_a1.weight", []uint64{768, 64}, quant.TypeQ6_K},
		{"blk.0.time_mix_a2.weight", []uint64{64, 768}, quant.TypeQ8_0}, // Q6_K falls back
		{"blk.0.time_mix_g2.weight", []uint64{128, 768}, quant.TypeQ5_0},
		{"blk.0.time_mix_v1.weight", []uint64{768, 32}, quant.TypeQ4_K},
		{"blk.0.time_mix_k_k.weight", []uint64{768}, f32},
		{"blk.0.time_mix_key.weight", []uint64{320, 320}, quant.TypeQ5_1}, // the demo's width
	}
	for _, c := range cases {
		if got := TensorType(p, c.name, c.dims, f32, false); got != c.want {
			t.Errorf("%s %v: got %v, want %v", c.name, c.dims, got, c.want)
		}
	}
	q, _ := p.WithOverrides("head=q6_k")
	if got := TensorType(q, "output.weight", []uint64{768, 65536}, f32, false); got != quant.TypeQ6_K {
		t.Errorf("Q4_G with head=q6_k: head %v", got)
	}
	if again, _ := ParsePreset("Q4_G"); again.Rules["head"] != quant.TypeQ5_K {
		t.Error("an override changed the preset's own rules")
	}
}
