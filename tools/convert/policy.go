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

// DefaultPolicy is the policy `gosling convert --type t` uses.
//
// F32 keeps everything exact. The others follow llama.cpp's files (so that
// ours and theirs are alike): vectors and the decay LoRA stay F32, the other
// LoRAs F16, and the big matrices take the requested type.
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
