package convert

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gosling-edge/gosling/quant"
)

// Class groups tensors that share a storage decision. Which class gets
// which type is a measured choice (see Policy), not a per-tensor guess.
type Class string

// The tensor classes of an RWKV-7 model.
const (
	ClassEmbedding Class = "emb"        // token_embd
	ClassHead      Class = "head"       // output
	ClassAttention Class = "att"        // time_mix receptance/key/value/output
	ClassFFN       Class = "ffn"        // channel_mix key/value
	ClassLoRA      Class = "lora"       // a1 a2 v1 v2 g1 g2
	ClassDecayLoRA Class = "decay-lora" // w1 w2: feed exp(−exp(·)), the most sensitive
	ClassVector    Class = "vector"     // every 1-D tensor and the token-shift lerps
)

// Classes lists every class, in a stable order.
var Classes = []Class{ClassEmbedding, ClassHead, ClassAttention, ClassFFN, ClassLoRA, ClassDecayLoRA, ClassVector}

// Policy maps each class to the type its tensors are stored in.
type Policy map[Class]quant.Type

// DefaultPolicy is the policy `gosling convert --type t` uses. It was set
// by measurement with `gosling eval` (KL of the next-token distribution
// against the F32 file); the README's section "Quantization" has every
// figure and the commands.
//
// F32 keeps everything exact. F16 stores the big matrices and the LoRAs in
// F16 (bf16 checkpoints mostly fit F16 exactly: KL 0 on the demo model).
//
// In every other type the vectors and the decay LoRA stay F32 and the other
// LoRAs F16, as in llama.cpp's files. Quantizing the LoRAs, even to Q4_0,
// changed the KL of the demo model's Q4_0 file by under 0.5 % (random
// models: a few %), but they are under 5 % of the bytes and the published
// advice calls them sensitive, so they are not where bytes are saved.
//
// Q8_0 stores every big matrix (r/k/v/o, FFN, head, embedding) in Q8_0:
// on the demo model (L6 D320 V8192, 4096 held-out tokens) mean KL 0.00011
// nats, top-1 agreement 99.3 %.
//
// Q4_0 stores r/k/v/o, FFN and head in Q4_0 and the embedding in Q8_0. Of
// the single-class upgrades the embedding cut the KL most per byte, and it
// costs nothing per token: one row of it is read per token, so decoding
// reads the same bytes as all-Q4_0, and only the rows of tokens in use
// become resident. Demo model, 4096 held-out tokens:
//
//	policy                                         MB     mean KL  top-1
//	all big matrices Q4_0 (= llama-quantize --pure)  8.97  0.0156   90.8 %
//	default: embedding Q8_0                         10.28  0.0105   92.9 %  (+14.6 %)
//	head and embedding Q8_0, LoRAs Q4_0             10.28  0.0062   94.8 %
//
// The last line is lower still at the same bytes, but reads the head at 8
// bits every token (the 0.1B shape: ≈ 25 MB more per token) and puts the
// LoRAs at 4 bits; --override head=q8_0,lora=q4_0,decay-lora=q4_0 gives it.
// On the 0.1B shape (V65536) the Q8_0 embedding adds 21 % to the file.
func DefaultPolicy(t quant.Type) (Policy, error) {
	p := Policy{ClassVector: quant.TypeF32, ClassDecayLoRA: quant.TypeF32}
	switch t {
	case quant.TypeF32:
		for _, c := range Classes {
			p[c] = quant.TypeF32
		}
	case quant.TypeF16:
		p[ClassLoRA] = quant.TypeF16
		for _, c := range []Class{ClassEmbedding, ClassHead, ClassAttention, ClassFFN} {
			p[c] = quant.TypeF16
		}
	case quant.TypeQ8_0, quant.TypeQ4_0:
		p[ClassLoRA] = quant.TypeF16
		for _, c := range []Class{ClassEmbedding, ClassHead, ClassAttention, ClassFFN} {
			p[c] = t
		}
		if t == quant.TypeQ4_0 {
			p[ClassEmbedding] = quant.TypeQ8_0
		}
	default:
		return nil, fmt.Errorf("--type %s: gosling writes f32, f16, q8_0 or q4_0", strings.ToLower(t.String()))
	}
	return p, nil
}

// Set overrides the type of one class.
func (p Policy) Set(c Class, t quant.Type) error {
	if !validClass(c) {
		return fmt.Errorf("unknown tensor class %q (want one of %s)", c, classList())
	}
	switch t {
	case quant.TypeF32, quant.TypeF16, quant.TypeQ8_0, quant.TypeQ4_0:
	default:
		return fmt.Errorf("class %s: type %s is not one gosling runs (f32, f16, q8_0, q4_0)", c, t)
	}
	if c == ClassVector && t != quant.TypeF32 && t != quant.TypeF16 {
		return fmt.Errorf("class %s: vectors are stored as f32 or f16", c)
	}
	p[c] = t
	return nil
}

// String formats the policy as "emb=q8_0,head=q8_0,…".
func (p Policy) String() string {
	var parts []string
	for _, c := range Classes {
		parts = append(parts, fmt.Sprintf("%s=%s", c, strings.ToLower(p[c].String())))
	}
	return strings.Join(parts, ",")
}

// ParseOverrides reads "head=q8_0,emb=f16" into the policy.
func (p Policy) ParseOverrides(s string) error {
	if s == "" {
		return nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("override %q: want class=type", kv)
		}
		t, err := quant.ParseType(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("override %q: %w", kv, err)
		}
		if err := p.Set(Class(strings.TrimSpace(k)), t); err != nil {
			return err
		}
	}
	return nil
}

func validClass(c Class) bool {
	for _, k := range Classes {
		if k == c {
			return true
		}
	}
	return false
}

// ParsePolicy is the default policy of the type named typ ("q8_0") with
// the overrides ("head=f16,emb=q8_0", or "") applied: what convert's and
// synth's --type and --override ask for.
func ParsePolicy(typ, overrides string) (Policy, error) {
	t, err := quant.ParseType(typ)
	if err != nil {
		return nil, fmt.Errorf("--type: %w", err)
	}
	p, err := DefaultPolicy(t)
	if err != nil {
		return nil, err
	}
	if err := p.ParseOverrides(overrides); err != nil {
		return nil, fmt.Errorf("--override: %w", err)
	}
	return p, nil
}

// ClassList names the classes, for help texts.
func ClassList() string { return classList() }

func classList() string {
	s := make([]string, len(Classes))
	for i, c := range Classes {
		s[i] = string(c)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// fileType is general.file_type as llama.cpp numbers it (llama_ftype):
// the type of the big matrices.
func fileType(p Policy) uint32 {
	switch p[ClassAttention] {
	case quant.TypeF16:
		return 1
	case quant.TypeQ4_0:
		return 2
	case quant.TypeQ8_0:
		return 7
	}
	return 0
}

// PolicyType says whether a --type name is one of convert's own policies
// (f32, f16, q8_0, q4_0; see DefaultPolicy) rather than a quantize preset.
func PolicyType(name string) bool {
	switch strings.ToLower(name) {
	case "f32", "f16", "q8_0", "q4_0":
		return true
	}
	return false
}

// OptionsFor are the conversion options a --type and --override ask for:
// one of the policies (f32, f16, q8_0, q4_0: PolicyType) with overrides
// of its classes, or a quantize type or preset (ParsePreset) with
// overrides of quantize's tensor classes. withImatrix says whether an
// importance matrix will be set, which only a preset can use; what
// describes the choice for a summary line.
func OptionsFor(typ, override string, withImatrix bool) (opt Options, what string, err error) {
	if PolicyType(typ) {
		if opt.Policy, err = ParsePolicy(typ, override); err != nil {
			return opt, "", err
		}
		if withImatrix {
			return opt, "", fmt.Errorf("--imatrix works with a --type preset (Q4_K_M, Q6_K, …), not with --type %s", typ)
		}
		return opt, opt.Policy.String(), nil
	}
	p, err := ParsePreset(typ)
	if err != nil {
		return opt, "", err
	}
	if p, err = p.WithOverrides(override); err != nil {
		return opt, "", err
	}
	opt.Preset = &p
	return opt, p.Name, nil
}
