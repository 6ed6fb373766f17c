// Package convert turns RWKV-7 checkpoints (tensors under the official
// RWKV-LM names) into GGUF files laid out as llama.cpp's rwkv7
// architecture, with the vocabulary embedded.
package convert

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
)

//go:embed rwkv_vocab_v20230424.txt
var worldVocab []byte

// Tokenizer is the tokenizer of the vocabulary file at path
// (rwkv_vocab_v20230424.txt format), or of the built-in World vocabulary
// for path "".
func Tokenizer(path string) (*tokenizer.Tokenizer, error) {
	v, err := WorldVocab()
	if path != "" {
		v, err = tokenizer.ReadVocabFile(path)
	}
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.New(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tok, nil
}

// WorldVocab parses the built-in World vocabulary (rwkv_vocab_v20230424.txt).
func WorldVocab() ([][]byte, error) {
	return tokenizer.ParseVocab(bytes.NewReader(worldVocab))
}

// Tensor is one input tensor under its official RWKV-LM name: a row-major
// shape and a loader, so that a converter holds one tensor at a time.
type Tensor struct {
	Shape   []int
	Float32 func() ([]float32, error)
}

// Input is a checkpoint: official tensor names → tensors.
type Input map[string]Tensor

// Options control a conversion.
type Options struct {
	Policy Policy // type per tensor class
	// Preset, when set, replaces Policy: every tensor gets the type
	// `gosling quantize` would give it in an F32 file (TensorType), so the
	// output is what converting to F32 and quantizing with the preset
	// writes. Imatrix (may be nil) then weighs the quantizers' errors.
	Preset   *Preset
	Imatrix  *quant.Imatrix
	Vocab    [][]byte // vocabulary by id ([0] unused); nil means the World vocabulary
	Name     string   // general.name
	Progress func(done, total uint64)
	// Warn receives notes about choices made (e.g. a tensor kept in F16
	// because its rows are not whole quantization blocks).
	Warn func(string)
}

// shape is the model's dimensions, all read from tensor shapes.
type shape struct {
	layers, embd, vocab, headSize, ffn int
	rankW, rankA, rankV, rankG         int
	hasV0InLayer0                      bool
}

var blockName = regexp.MustCompile(`^blocks\.(\d+)\.(.+)$`)

// blockKeys are the per-layer tensors of an official x070 checkpoint.
// v0/v1/v2 are absent from layer 0 (some checkpoints carry unused copies).
var blockKeys = []string{
	"ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias",
	"att.x_r", "att.x_w", "att.x_k", "att.x_v", "att.x_a", "att.x_g",
	"att.w0", "att.w1", "att.w2", "att.a0", "att.a1", "att.a2",
	"att.v0", "att.v1", "att.v2", "att.g1", "att.g2",
	"att.k_k", "att.k_a", "att.r_k",
	"att.receptance.weight", "att.key.weight", "att.value.weight", "att.output.weight",
	"att.ln_x.weight", "att.ln_x.bias",
	"ffn.x_k", "ffn.key.weight", "ffn.value.weight",
}

// inspect checks the tensor set and reads every size from the shapes.
func inspect(in Input) (shape, error) {
	var s shape
	known := map[string]bool{"emb.weight": true, "ln_out.weight": true, "ln_out.bias": true, "head.weight": true,
		"blocks.0.ln0.weight": true, "blocks.0.ln0.bias": true}
	for name := range in {
		m := blockName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 1<<16 {
			return s, fmt.Errorf("tensor %s: bad layer number", name)
		}
		s.layers = max(s.layers, n+1)
	}
	for i := 0; i < s.layers; i++ {
		for _, k := range blockKeys {
			known[fmt.Sprintf("blocks.%d.%s", i, k)] = true
		}
	}
	for name := range in {
		if !known[name] {
			hint := ""
			if strings.Contains(name, "s_emb") || strings.Contains(name, "ffn.s") {
				hint = " (the DeepEmbed variant is not supported)"
			}
			return s, fmt.Errorf("tensor %s: unknown to the RWKV-7 x070 layout%s", name, hint)
		}
	}
	if s.layers == 0 {
		return s, fmt.Errorf("no blocks.N.* tensors: not an RWKV-7 checkpoint")
	}
	get := func(name string, rank int) ([]int, error) {
		t, ok := in[name]
		if !ok {
			return nil, fmt.Errorf("tensor %s: missing", name)
		}
		if len(t.Shape) != rank {
			return nil, fmt.Errorf("tensor %s: shape %v, want %d dimensions", name, t.Shape, rank)
		}
		return t.Shape, nil
	}
	emb, err := get("emb.weight", 2)
	if err != nil {
		return s, err
	}
	s.vocab, s.embd = emb[0], emb[1]
	rk, err := get("blocks.0.att.r_k", 2)
	if err != nil {
		return s, err
	}
	s.headSize = rk[1]
	if s.headSize == 0 || rk[0]*rk[1] != s.embd {
		return s, fmt.Errorf("tensor blocks.0.att.r_k: shape %v does not split width %d into heads", rk, s.embd)
	}
	ffn, err := get("blocks.0.ffn.key.weight", 2)
	if err != nil {
		return s, err
	}
	s.ffn = ffn[0]
	rank := func(name string) (int, error) {
		d, err := get(name, 2)
		if err != nil {
			return 0, err
		}
		return d[1], nil
	}
	if s.rankW, err = rank("blocks.0.att.w1"); err != nil {
		return s, err
	}
	if s.rankA, err = rank("blocks.0.att.a1"); err != nil {
		return s, err
	}
	if s.rankG, err = rank("blocks.0.att.g1"); err != nil {
		return s, err
	}
	if s.layers > 1 {
		if s.rankV, err = rank("blocks.1.att.v1"); err != nil {
			return s, err
		}
	} else {
		s.rankV = s.rankA
	}
	_, s.hasV0InLayer0 = in["blocks.0.att.v0"]
	// Every expected tensor must be there with the expected shape.
	C, H, N := s.embd, s.embd/s.headSize, s.headSize
	want := map[string][]int{
		"emb.weight": {s.vocab, C}, "head.weight": {s.vocab, C},
		"ln_out.weight": {C}, "ln_out.bias": {C},
		"blocks.0.ln0.weight": {C}, "blocks.0.ln0.bias": {C},
	}
	for i := 0; i < s.layers; i++ {
		p := fmt.Sprintf("blocks.%d.", i)
		for _, k := range []string{"ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias", "att.ln_x.weight", "att.ln_x.bias"} {
			want[p+k] = []int{C}
		}
		for _, k := range []string{"att.x_r", "att.x_w", "att.x_k", "att.x_v", "att.x_a", "att.x_g", "att.w0", "att.a0", "att.k_k", "att.k_a", "ffn.x_k"} {
			want[p+k] = []int{1, 1, C}
		}
		want[p+"att.r_k"] = []int{H, N}
		want[p+"att.w1"], want[p+"att.w2"] = []int{C, s.rankW}, []int{s.rankW, C}
		want[p+"att.a1"], want[p+"att.a2"] = []int{C, s.rankA}, []int{s.rankA, C}
		want[p+"att.g1"], want[p+"att.g2"] = []int{C, s.rankG}, []int{s.rankG, C}
		if i > 0 {
			want[p+"att.v0"] = []int{1, 1, C}
			want[p+"att.v1"], want[p+"att.v2"] = []int{C, s.rankV}, []int{s.rankV, C}
		}
		for _, k := range []string{"receptance", "key", "value", "output"} {
			want[p+"att."+k+".weight"] = []int{C, C}
		}
		want[p+"ffn.key.weight"] = []int{s.ffn, C}
		want[p+"ffn.value.weight"] = []int{C, s.ffn}
	}
	for name, w := range want {
		t, ok := in[name]
		if !ok {
			return s, fmt.Errorf("tensor %s: missing", name)
		}
		if !slices.Equal(t.Shape, w) {
			return s, fmt.Errorf("tensor %s: shape %v, want %v", name, t.Shape, w)
		}
	}
	return s, nil
}

// outTensor is one GGUF tensor to write: its ggml dims, class and how to
// compute its float32 values (in GGUF row-major order).
type outTensor struct {
	name  string
	dims  []uint64 // ggml order
	class Class
	load  func() ([]float32, error)
}

// plan lists the GGUF tensors in llama.cpp's order with their sources.
func plan(in Input, s shape) []outTensor {
	var out []outTensor
	C := uint64(s.embd)
	src := func(name string) func() ([]float32, error) {
		return loadChecked(name, in[name])
	}
	add := func(name string, class Class, load func() ([]float32, error), dims ...uint64) {
		out = append(out, outTensor{name: name, dims: dims, class: class, load: load})
	}
	// transposed loads a [rows, cols] tensor and returns it as [cols, rows]:
	// the LoRA matrices are used as x·W1 in the checkpoint and as W·x here.
	transposed := func(name string) func() ([]float32, error) {
		return func() ([]float32, error) {
			v, err := src(name)()
			if err != nil {
				return nil, err
			}
			sh := in[name].Shape
			return transpose(v, sh[0], sh[1]), nil
		}
	}
	add("token_embd.weight", ClassEmbedding, src("emb.weight"), C, uint64(s.vocab))
	add("token_embd_norm.weight", ClassVector, src("blocks.0.ln0.weight"), C)
	add("token_embd_norm.bias", ClassVector, src("blocks.0.ln0.bias"), C)
	for i := 0; i < s.layers; i++ {
		p := fmt.Sprintf("blocks.%d.", i)
		b := fmt.Sprintf("blk.%d.", i)
		rw, ra, rv, rg := uint64(s.rankW), uint64(s.rankA), uint64(s.rankV), uint64(s.rankG)
		add(b+"attn_norm.weight", ClassVector, src(p+"ln1.weight"), C)
		add(b+"attn_norm.bias", ClassVector, src(p+"ln1.bias"), C)
		add(b+"attn_norm_2.weight", ClassVector, src(p+"ln2.weight"), C)
		add(b+"attn_norm_2.bias", ClassVector, src(p+"ln2.bias"), C)
		lerps := []string{"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"}
		add(b+"time_mix_lerp_fused.weight", ClassVector, func() ([]float32, error) {
			var all []float32
			for _, l := range lerps {
				v, err := src(p + "att." + l)()
				if err != nil {
					return nil, err
				}
				all = append(all, v...)
			}
			return all, nil
		}, C, 1, 1, 6)
		add(b+"time_mix_w0.weight", ClassVector, src(p+"att.w0"), C)
		add(b+"time_mix_w1.weight", ClassDecayLoRA, transposed(p+"att.w1"), C, rw)
		add(b+"time_mix_w2.weight", ClassDecayLoRA, transposed(p+"att.w2"), rw, C)
		add(b+"time_mix_a0.weight", ClassVector, src(p+"att.a0"), C)
		add(b+"time_mix_a1.weight", ClassLoRA, transposed(p+"att.a1"), C, ra)
		add(b+"time_mix_a2.weight", ClassLoRA, transposed(p+"att.a2"), ra, C)
		if i == 0 {
			// llama.cpp requires v0/v1/v2 in every layer although layer 0
			// never uses them; like its converter, store copies of a0/a1/a2.
			add(b+"time_mix_v0.weight", ClassVector, src(p+"att.a0"), C)
			add(b+"time_mix_v1.weight", ClassLoRA, transposed(p+"att.a1"), C, ra)
			add(b+"time_mix_v2.weight", ClassLoRA, transposed(p+"att.a2"), ra, C)
		} else {
			add(b+"time_mix_v0.weight", ClassVector, src(p+"att.v0"), C)
			add(b+"time_mix_v1.weight", ClassLoRA, transposed(p+"att.v1"), C, rv)
			add(b+"time_mix_v2.weight", ClassLoRA, transposed(p+"att.v2"), rv, C)
		}
		add(b+"time_mix_g1.weight", ClassLoRA, transposed(p+"att.g1"), C, rg)
		add(b+"time_mix_g2.weight", ClassLoRA, transposed(p+"att.g2"), rg, C)
		add(b+"time_mix_k_k.weight", ClassVector, src(p+"att.k_k"), C)
		add(b+"time_mix_k_a.weight", ClassVector, src(p+"att.k_a"), C)
		add(b+"time_mix_r_k.weight", ClassVector, src(p+"att.r_k"), C)
		add(b+"time_mix_key.weight", ClassAttention, src(p+"att.key.weight"), C, C)
		add(b+"time_mix_value.weight", ClassAttention, src(p+"att.value.weight"), C, C)
		add(b+"time_mix_receptance.weight", ClassAttention, src(p+"att.receptance.weight"), C, C)
		add(b+"time_mix_ln.weight", ClassVector, src(p+"att.ln_x.weight"), C)
		add(b+"time_mix_ln.bias", ClassVector, src(p+"att.ln_x.bias"), C)
		add(b+"time_mix_output.weight", ClassAttention, src(p+"att.output.weight"), C, C)
		add(b+"channel_mix_lerp_k.weight", ClassVector, src(p+"ffn.x_k"), C)
		add(b+"channel_mix_key.weight", ClassFFN, src(p+"ffn.key.weight"), C, uint64(s.ffn))
		add(b+"channel_mix_value.weight", ClassFFN, src(p+"ffn.value.weight"), uint64(s.ffn), C)
	}
	add("output_norm.weight", ClassVector, src("ln_out.weight"), C)
	add("output_norm.bias", ClassVector, src("ln_out.bias"), C)
	add("output.weight", ClassHead, src("head.weight"), C, uint64(s.vocab))
	return out
}

// loadChecked loads a tensor and refuses NaN or infinite weights: a
// checkpoint holding them is corrupt, and they would poison every token.
func loadChecked(name string, t Tensor) func() ([]float32, error) {
	return func() ([]float32, error) {
		v, err := t.Float32()
		if err != nil {
			return nil, fmt.Errorf("tensor %s: %w", name, err)
		}
		for i, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("tensor %s: value %d is %v (corrupt checkpoint?)", name, i, x)
			}
		}
		return v, nil
	}
}

func transpose(v []float32, rows, cols int) []float32 {
	out := make([]float32, len(v))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = v[r*cols+c]
		}
	}
	return out
}

// Summary describes a finished conversion.
type Summary struct {
	Layers, Embd, Vocab, HeadSize, FFN int
	RankW, RankA, RankV, RankG         int
	Tensors                            int
	Bytes                              uint64 // tensor data
	Types                              map[quant.Type]int
}

// Write converts in to a GGUF file at path (temp file + rename). Without
// opt.Name, general.name is the file's name without its extension.
func Write(in Input, path string, opt Options) (Summary, error) {
	if opt.Name == "" {
		opt.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	w, sum, err := Build(in, opt)
	if err != nil {
		return sum, err
	}
	return sum, w.WriteFile(path, opt.Progress)
}

// String is the summary as gosling convert and synth print it.
func (s Summary) String() string {
	return fmt.Sprintf("L%d D%d V%d FFN%d LoRA w%d a%d v%d g%d, %d tensors", s.Layers, s.Embd, s.Vocab, s.FFN,
		s.RankW, s.RankA, s.RankV, s.RankG, s.Tensors)
}

// Build prepares the GGUF writer without writing.
func Build(in Input, opt Options) (*quant.Writer, Summary, error) {
	var sum Summary
	s, err := inspect(in)
	if err != nil {
		return nil, sum, err
	}
	if opt.Policy == nil {
		opt.Policy, _ = DefaultPolicy(quant.TypeF32)
	}
	vocab := opt.Vocab
	if vocab == nil {
		if vocab, err = WorldVocab(); err != nil {
			return nil, sum, fmt.Errorf("built-in vocabulary: %w", err)
		}
	}
	w := quant.NewWriter()
	writeMetadata(w, s, opt, vocab)
	sum = Summary{Layers: s.layers, Embd: s.embd, Vocab: s.vocab, HeadSize: s.headSize, FFN: s.ffn,
		RankW: s.rankW, RankA: s.rankA, RankV: s.rankV, RankG: s.rankG, Types: map[quant.Type]int{}}
	for _, t := range plan(in, s) {
		typ := opt.Policy[t.class]
		var imat []float32
		if opt.Preset != nil {
			typ = TensorType(*opt.Preset, t.name, t.dims, quant.TypeF32, false)
			imat = imatrixWeights(opt.Imatrix, t.name, int(t.dims[0]))
		} else if typ == quant.TypeQ8_0 || typ == quant.TypeQ4_0 {
			if t.dims[0]%quant.QK != 0 {
				if opt.Warn != nil {
					opt.Warn(fmt.Sprintf("%s: rows of %d values are not whole %d-value blocks; stored as F16", t.name, t.dims[0], quant.QK))
				}
				typ = quant.TypeF16
			}
		}
		err := w.AddTensor(t.name, typ, t.dims, func(out io.Writer) error {
			v, err := t.load()
			if err != nil {
				return err
			}
			buf, err := encodeRows(typ, v, int(t.dims[0]), imat)
			if err != nil {
				return err
			}
			_, err = out.Write(buf)
			return err
		})
		if err != nil {
			return nil, sum, err
		}
		sum.Tensors++
		sum.Types[typ]++
	}
	sum.Bytes = w.TotalTensorBytes()
	return w, sum, nil
}

// encodeRows stores v, rows of rowLen values, in type t; imat (nil or one
// importance per column) weighs the quantizer's errors.
func encodeRows(t quant.Type, v []float32, rowLen int, imat []float32) ([]byte, error) {
	rb, err := t.RowBytes(rowLen)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, rb*(len(v)/rowLen))
	return buf, quant.QuantizeRows(t, buf, v, rowLen, imat)
}

// GGUF token types (llama.cpp).
const (
	tokenNormal  = 1
	tokenControl = 3
	tokenUnused  = 5
)

// writeMetadata writes the keys llama.cpp's rwkv7 loader reads, in the
// order its converter writes them, and the vocabulary.
func writeMetadata(w *quant.Writer, s shape, opt Options, vocab [][]byte) {
	const arch = "rwkv7"
	name := opt.Name
	if name == "" {
		name = "rwkv7"
	}
	w.Add("general.architecture", arch)
	w.Add("general.name", name)
	w.Add(arch+".context_length", uint32(1048576))
	w.Add(arch+".embedding_length", uint32(s.embd))
	w.Add(arch+".block_count", uint32(s.layers))
	w.Add(arch+".attention.layer_norm_epsilon", float32(1e-5))
	w.Add(arch+".wkv.head_size", uint32(s.headSize))
	w.Add(arch+".attention.decay_lora_rank", uint32(s.rankW))
	w.Add(arch+".attention.iclr_lora_rank", uint32(s.rankA))
	w.Add(arch+".attention.value_residual_mix_lora_rank", uint32(s.rankV))
	w.Add(arch+".attention.gate_lora_rank", uint32(s.rankG))
	w.Add(arch+".feed_forward_length", uint32(s.ffn))
	ft := fileType(opt.Policy)
	if opt.Preset != nil {
		ft = opt.Preset.FileType
	}
	w.Add("general.file_type", ft)
	w.Add(arch+".attention.head_count", uint32(0)) // required by llama.cpp, unused

	// Token 0 is end of text; then the vocabulary as llama.cpp stores it
	// (Python-escaped bytes); then padding up to the model's rows. A model
	// with fewer rows than the vocabulary keeps the first rows−1 entries.
	toks := make([]string, s.vocab)
	types := make([]int32, s.vocab)
	toks[0], types[0] = "<s>", tokenControl
	for id := 1; id < s.vocab; id++ {
		if id < len(vocab) && len(vocab[id]) > 0 {
			toks[id], types[id] = tokenizer.EscapeGGUF(vocab[id]), tokenNormal
		} else {
			toks[id], types[id] = fmt.Sprintf("[PAD%d]", id), tokenUnused
		}
	}
	w.Add("tokenizer.ggml.model", "rwkv")
	w.Add("tokenizer.ggml.tokens", toks)
	w.Add("tokenizer.ggml.token_type", types)
	w.Add("tokenizer.ggml.bos_token_id", uint32(0))
	w.Add("tokenizer.ggml.eos_token_id", uint32(0))
	// "\n\n" ends a reply; its id depends on the vocabulary.
	for id := 1; id < min(len(vocab), s.vocab); id++ {
		if string(vocab[id]) == "\n\n" {
			w.Add("tokenizer.ggml.eot_token_id", uint32(id))
			break
		}
	}
	if q := opt.Policy[ClassAttention]; q == quant.TypeQ8_0 || q == quant.TypeQ4_0 || opt.Preset != nil && isQuantized(opt.Preset.Default) {
		w.Add("general.quantization_version", uint32(2))
	}
}
