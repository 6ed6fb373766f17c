package convert

import (
	"fmt"
	"strings"

	"github.com/gosling-edge/gosling/quant"
)

// Preset is a llama-quantize file type ("Q4_K_M"): a default tensor type
// plus the per-tensor rules llama-quantize applies on top of it.
type Preset struct {
	Name     string
	Default  quant.Type
	FileType uint32 // general.file_type (llama_ftype)
	// Rules give tensor classes their own type (see TensorClasses):
	// gosling's presets and --override. They win over every other rule,
	// --pure included, and over llama-quantize's refusal to touch the LoRAs;
	// a type whose blocks do not fit a tensor's rows falls back as above.
	Rules map[string]quant.Type
}

// TensorClasses names the tensor classes --override and the presets' rules
// address, each with the rwkv7 tensor names it covers ("blk.N." omitted).
// A group name (att, ffn, lora) sets all its members.
var TensorClasses = []struct{ Name, Tensors string }{
	{"embd", "token_embd.weight"},
	{"head", "output.weight"},
	{"att.receptance", "time_mix_receptance.weight"},
	{"att.key", "time_mix_key.weight"},
	{"att.value", "time_mix_value.weight"},
	{"att.output", "time_mix_output.weight"},
	{"ffn.key", "channel_mix_key.weight"},
	{"ffn.value", "channel_mix_value.weight"},
	{"lora.w", "time_mix_w1.weight, time_mix_w2.weight (decay)"},
	{"lora.a", "time_mix_a1.weight, time_mix_a2.weight (in-context learning rate)"},
	{"lora.v", "time_mix_v1.weight, time_mix_v2.weight (value residual)"},
	{"lora.g", "time_mix_g1.weight, time_mix_g2.weight (gate)"},
}

// classGroups are the names that stand for several classes.
var classGroups = map[string][]string{
	"att":  {"att.receptance", "att.key", "att.value", "att.output"},
	"ffn":  {"ffn.key", "ffn.value"},
	"lora": {"lora.w", "lora.a", "lora.v", "lora.g"},
}

// classSuffixes map a tensor name's ending to its class.
var classSuffixes = map[string]string{
	"time_mix_receptance.weight": "att.receptance", "time_mix_key.weight": "att.key",
	"time_mix_value.weight": "att.value", "time_mix_output.weight": "att.output",
	"channel_mix_key.weight": "ffn.key", "channel_mix_value.weight": "ffn.value",
	"time_mix_w1.weight": "lora.w", "time_mix_w2.weight": "lora.w",
	"time_mix_a1.weight": "lora.a", "time_mix_a2.weight": "lora.a",
	"time_mix_v1.weight": "lora.v", "time_mix_v2.weight": "lora.v",
	"time_mix_g1.weight": "lora.g", "time_mix_g2.weight": "lora.g",
}

// TensorClass is the class of a tensor name ("" for one in no class: the
// vectors, norms and token-shift lerps, which keep their type).
func TensorClass(name string) string {
	switch name {
	case "token_embd.weight":
		return "embd"
	case "output.weight":
		return "head"
	}
	if !strings.HasPrefix(name, "blk.") {
		return ""
	}
	_, rest, _ := strings.Cut(strings.TrimPrefix(name, "blk."), ".")
	return classSuffixes[rest]
}

// TensorClassList names the classes and groups, for help texts.
func TensorClassList() string {
	var s []string
	for _, c := range TensorClasses {
		s = append(s, c.Name)
	}
	return strings.Join(s, ", ") + "; groups att, ffn, lora"
}

// WithOverrides returns p with the rules of "class=type,…" added (a group
// name sets each member; later entries win).
func (p Preset) WithOverrides(s string) (Preset, error) {
	if s == "" {
		return p, nil
	}
	rules := map[string]quant.Type{}
	for c, t := range p.Rules {
		rules[c] = t
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, fmt.Errorf("--override %q: want class=type", kv)
		}
		t, err := quant.ParseType(strings.TrimSpace(v))
		if err != nil {
			return p, fmt.Errorf("--override %q: %w", kv, err)
		}
		if !t.CanQuantize() {
			return p, fmt.Errorf("--override %q: gosling does not write %v", kv, t)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		members := classGroups[k]
		if members == nil {
			for _, c := range TensorClasses {
				if c.Name == k {
					members = []string{k}
				}
			}
		}
		if members == nil {
			return p, fmt.Errorf("--override %q: unknown class %q (want one of %s)", kv, k, TensorClassList())
		}
		for _, c := range members {
			rules[c] = t
		}
	}
	p.Rules = rules
	return p, nil
}

// presets are llama-quantize's file types that end in a type gosling
// quantizes. For an rwkv7 model the S/M/L variants of one K type differ
// only in rules keyed on attn_v, attn_output, ffn_down, … tensor names,
// which an rwkv7 model does not have, so they give the same tensors and
// differ only in general.file_type.
var presets = []Preset{
	{"F32", quant.TypeF32, 0, nil}, {"F16", quant.TypeF16, 1, nil}, {"BF16", quant.TypeBF16, 32, nil},
	{"Q4_0", quant.TypeQ4_0, 2, nil}, {"Q4_1", quant.TypeQ4_1, 3, nil}, {"Q8_0", quant.TypeQ8_0, 7, nil},
	{"Q5_0", quant.TypeQ5_0, 8, nil}, {"Q5_1", quant.TypeQ5_1, 9, nil}, {"Q2_K", quant.TypeQ2_K, 10, nil},
	{"Q3_K_S", quant.TypeQ3_K, 11, nil}, {"Q3_K_M", quant.TypeQ3_K, 12, nil}, {"Q3_K_L", quant.TypeQ3_K, 13, nil},
	{"Q4_K_S", quant.TypeQ4_K, 14, nil}, {"Q4_K_M", quant.TypeQ4_K, 15, nil},
	{"Q5_K_S", quant.TypeQ5_K, 16, nil}, {"Q5_K_M", quant.TypeQ5_K, 17, nil}, {"Q6_K", quant.TypeQ6_K, 18, nil},
	{"IQ4_NL", quant.TypeIQ4_NL, 25, nil}, {"IQ4_XS", quant.TypeIQ4_XS, 30, nil},
	// gosling's own presets (general.file_type is the llama_ftype of the
	// preset they start from, which llama.cpp names them by).
	{"Q4_G", quant.TypeQ4_K, 15, q4gRules},
	// Single K types by their type name, as llama-quantize's Q3_K/Q4_K/Q5_K
	// aliases (which mean the _M presets).
	{"Q3_K", quant.TypeQ3_K, 12, nil}, {"Q4_K", quant.TypeQ4_K, 15, nil}, {"Q5_K", quant.TypeQ5_K, 17, nil},
}

// q4gRules make Q4_G: llama-quantize's Q4_K_M with RWKV-7's sensitive
// tensors chosen by measurement (README, "Tensor types and quality"): the
// key and value projections, which write the state, and the head in Q5_K;
// the LoRAs, which llama-quantize leaves in the input's type (F32 or F16),
// quantized by how directly they steer the state: the decay LoRA in Q8_0,
// the in-context-learning-rate LoRA in Q6_K, the value-residual and gate
// LoRAs in Q4_K (their rank-wide second halves fall back to Q8_0 and Q5_0).
// On the k512 model it has lower KL than Q4_K_M, with and without an
// importance matrix, in 28 % fewer bytes of products (4.99 bits per weight
// against 6.90). Callers must not modify it (WithOverrides copies).
var q4gRules = map[string]quant.Type{
	"head": quant.TypeQ5_K, "att.key": quant.TypeQ5_K, "att.value": quant.TypeQ5_K,
	"lora.w": quant.TypeQ8_0, "lora.a": quant.TypeQ6_K, "lora.v": quant.TypeQ4_K, "lora.g": quant.TypeQ4_K,
}

// ParsePreset finds a llama-quantize file type or a single type by name.
func ParsePreset(name string) (Preset, error) {
	for _, p := range presets {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
	}
	var names []string
	for _, p := range presets {
		names = append(names, p.Name)
	}
	return Preset{}, fmt.Errorf("--type %q: want one of %s", name, strings.Join(names, ", "))
}

// keepsType lists the rwkv7 matrices llama-quantize never converts: the
// LoRAs and the fused token-shift lerps stay in the input's type.
var keepsType = []string{
	"time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
	"time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
	"time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight",
	"time_mix_g1.weight", "time_mix_g2.weight",
	"time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
}

// Quantizable says whether llama-quantize converts a tensor at all: a
// matrix named *.weight that is not a norm nor one of keepsType.
func Quantizable(name string, dims []uint64) bool {
	if len(dims) < 2 || !strings.HasSuffix(name, "weight") || strings.Contains(name, "_norm.weight") {
		return false
	}
	for _, k := range keepsType {
		if strings.Contains(name, k) {
			return false
		}
	}
	return true
}

// TensorType is the type llama-quantize gives the tensor name of shape
// dims (ggml order: dims[0] is the row length) and input type in under
// preset p. pure skips the per-tensor rules (llama-quantize --pure).
// For a quantized default type the head becomes Q6_K (Q8_0 stays Q8_0, and
// a head whose rows do not fit the default type's blocks becomes Q8_0);
// then a K or IQ4_XS type on rows that are not a multiple of 256 falls
// back: Q2_K/Q3_K → Q4_0, Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0,
// IQ4_XS → IQ4_NL, and to F16 if even that does not fit.
func TensorType(p Preset, name string, dims []uint64, in quant.Type, pure bool) quant.Type {
	if t, ok := p.Rules[TensorClass(name)]; ok && len(dims) >= 2 {
		return fallback(t, int(dims[0]))
	}
	if !Quantizable(name, dims) {
		return in
	}
	t := p.Default
	if pure || !isQuantized(t) {
		return t
	}
	if name == "output.weight" {
		switch nx := int(dims[0]); {
		case nx%t.BlockSize() != 0:
			t = quant.TypeQ8_0
		case t != quant.TypeQ8_0:
			t = quant.TypeQ6_K
		}
	}
	return fallback(t, int(dims[0]))
}

func isQuantized(t quant.Type) bool {
	return t != quant.TypeF32 && t != quant.TypeF16 && t != quant.TypeBF16
}

func fallback(t quant.Type, ncols int) quant.Type {
	if ncols%t.BlockSize() == 0 {
		return t
	}
	switch t {
	case quant.TypeIQ4_XS:
		t = quant.TypeIQ4_NL
	case quant.TypeQ2_K, quant.TypeQ3_K:
		t = quant.TypeQ4_0
	case quant.TypeQ4_K:
		t = quant.TypeQ5_0
	case quant.TypeQ5_K:
		t = quant.TypeQ5_1
	case quant.TypeQ6_K:
		t = quant.TypeQ8_0
	}
	if ncols%t.BlockSize() != 0 {
		return quant.TypeF16
	}
	return t
}

// weights is what Requantize hands the quantizer for tensor name, whose
// rows hold cols values: the imatrix entry's importance, or nil when m is
// nil or has no usable entry (a single-matrix entry of that width).
func imatrixWeights(m *quant.Imatrix, name string, cols int) []float32 {
	if m == nil {
		return nil
	}
	if e := m.Entries[name]; e != nil && e.Columns == cols && len(e.Counts) == 1 {
		return e.Weights()
	}
	return nil
}
