package checkpoint

import (
	"fmt"
	"regexp"
)

// Hugging Face / flash-linear-attention (fla) checkpoints rename the
// official tensors and change some layouts (fla's utils/convert_from_rwkv7.py
// does this). toOfficial undoes both, so the converter sees one naming:
//
//	model.embeddings.weight            emb.weight
//	model.norm.{weight,bias}           ln_out.*
//	lm_head.weight                     head.weight
//	model.layers.i.pre_norm.*          blocks.i.ln0.*
//	model.layers.i.attn_norm.*         blocks.i.ln1.*
//	model.layers.i.ffn_norm.*          blocks.i.ln2.*
//	model.layers.i.attn.{r,k,v,o}_proj blocks.i.att.{receptance,key,value,output}
//	model.layers.i.attn.g_norm.*       blocks.i.att.ln_x.*
//	model.layers.i.attn.X_lora.lora.0.weight [rank,C]  blocks.i.att.X1 [C,rank] (transposed)
//	model.layers.i.attn.X_lora.lora.2.weight [C,rank]  blocks.i.att.X2 [rank,C] (transposed)
//	model.layers.i.attn.X_lora.lora.2.bias   [C]       blocks.i.att.X0 [1,1,C]  (X = w, a, v)
//	model.layers.i.attn.{k_k,k_a} [C], model.layers.i.ffn.x_k [C]  → [1,1,C]
//	model.layers.i.attn.x_* [1,1,C], r_k [H,N], ffn.{key,value}.weight: unchanged
//
// fla's g_lora has no bias (the official model has no g0), so a
// g_lora.lora.2.bias is an unknown key. Names already in the official form
// pass through unchanged.

type layoutFix int

const (
	keepLayout  layoutFix = iota
	transpose             // a LoRA matrix fla stores as a torch Linear weight
	toRowVector           // [C] → [1,1,C], the official shape of mixing vectors
)

type flaRule struct {
	official string
	fix      layoutFix
}

var (
	officialNameRE = regexp.MustCompile(`^(emb\.weight|head\.weight|ln_out\.(weight|bias)|blocks\.[0-9]+\..+)$`)
	flaLayerRE     = regexp.MustCompile(`^model\.layers\.([0-9]+)\.(.+)$`)

	flaTopLevel = map[string]string{
		"model.embeddings.weight": "emb.weight",
		"model.norm.weight":       "ln_out.weight",
		"model.norm.bias":         "ln_out.bias",
		"lm_head.weight":          "head.weight",
	}
	flaLayer = map[string]flaRule{}
)

func init() {
	for fla, off := range map[string]string{
		"pre_norm": "ln0", "attn_norm": "ln1", "ffn_norm": "ln2",
		"attn.g_norm": "att.ln_x",
	} {
		flaLayer[fla+".weight"] = flaRule{off + ".weight", keepLayout}
		flaLayer[fla+".bias"] = flaRule{off + ".bias", keepLayout}
	}
	for _, x := range []string{"r", "w", "k", "v", "a", "g"} {
		flaLayer["attn.x_"+x] = flaRule{"att.x_" + x, toRowVector}
	}
	flaLayer["attn.k_k"] = flaRule{"att.k_k", toRowVector}
	flaLayer["attn.k_a"] = flaRule{"att.k_a", toRowVector}
	flaLayer["attn.r_k"] = flaRule{"att.r_k", keepLayout}
	for fla, off := range map[string]string{"r": "receptance", "k": "key", "v": "value", "o": "output"} {
		flaLayer["attn."+fla+"_proj.weight"] = flaRule{"att." + off + ".weight", keepLayout}
	}
	for _, x := range []string{"w", "a", "v", "g"} {
		flaLayer["attn."+x+"_lora.lora.0.weight"] = flaRule{"att." + x + "1", transpose}
		flaLayer["attn."+x+"_lora.lora.2.weight"] = flaRule{"att." + x + "2", transpose}
		if x != "g" {
			flaLayer["attn."+x+"_lora.lora.2.bias"] = flaRule{"att." + x + "0", toRowVector}
		}
	}
	flaLayer["ffn.x_k"] = flaRule{"ffn.x_k", toRowVector}
	flaLayer["ffn.key.weight"] = flaRule{"ffn.key.weight", keepLayout}
	flaLayer["ffn.value.weight"] = flaRule{"ffn.value.weight", keepLayout}
}

// officialName maps a safetensors tensor name to its official name and the
// layout change to undo.
func officialName(name string) (string, layoutFix, error) {
	if officialNameRE.MatchString(name) {
		return name, keepLayout, nil
	}
	if off, ok := flaTopLevel[name]; ok {
		return off, keepLayout, nil
	}
	if m := flaLayerRE.FindStringSubmatch(name); m != nil {
		if r, ok := flaLayer[m[2]]; ok {
			return "blocks." + m[1] + "." + r.official, r.fix, nil
		}
	}
	return "", 0, fmt.Errorf("%q has no official RWKV-7 name (not a known fla / Hugging Face key)", name)
}

// toOfficial renames t and restores the official layout.
func toOfficial(t *Tensor) error {
	name, fix, err := officialName(t.Name)
	if err != nil {
		return err
	}
	t.Name = name
	switch fix {
	case toRowVector:
		switch {
		case len(t.Shape) == 1:
			t.Shape = []int{1, 1, t.Shape[0]}
		case len(t.Shape) == 3 && t.Shape[0] == 1 && t.Shape[1] == 1:
		default:
			return fmt.Errorf("shape %v, want [C] or [1,1,C]", t.Shape)
		}
	case transpose:
		if len(t.Shape) != 2 {
			return fmt.Errorf("shape %v, want a 2-D LoRA matrix", t.Shape)
		}
		t.Data = transpose2D(t.Data, t.Shape[0], t.Shape[1], t.DType.Size())
		t.Shape = []int{t.Shape[1], t.Shape[0]}
	}
	return nil
}

// transpose2D returns a new row-major [cols, rows] copy of a row-major
// [rows, cols] matrix of es-byte elements.
func transpose2D(src []byte, rows, cols, es int) []byte {
	dst := make([]byte, len(src))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			copy(dst[(c*rows+r)*es:(c*rows+r+1)*es], src[(r*cols+c)*es:])
		}
	}
	return dst
}
