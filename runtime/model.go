package runtime

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
)

// Model is an RWKV-7 model bound to a memory-mapped GGUF file. It is
// immutable after Load and may be shared by any number of Contexts.
type Model struct {
	Config
	Tokenizer *tokenizer.Tokenizer
	File      *quant.File
	Pool      *Pool

	emb         *Matrix   // token_embd  [V][D]
	ln0w, ln0b  []float32 // token_embd_norm, applied to the embedding
	layers      []layer
	lnOutW      []float32
	lnOutB      []float32
	head        *Matrix // output [V][D]
	eotID       int     // "\n\n" in the tokenizer, -1 if absent
	weightBytes int64
}

// layer holds the weights of one block, named as in DESIGN §4.
type layer struct {
	ln1w, ln1b []float32
	ln2w, ln2b []float32

	// time mix
	xr, xw, xk, xv, xa, xg []float32 // token-shift lerp coefficients
	w0, a0, v0             []float32
	w1, w2                 *Matrix // decay LoRA: D→RankW→D
	a1, a2                 *Matrix // in-context learning rate LoRA
	v1, v2                 *Matrix // value residual LoRA (nil in layer 0)
	g1, g2                 *Matrix // gate LoRA
	kK, kA, rK             []float32
	wr, wk, wv, wo         *Matrix
	lnxW, lnxB             []float32

	// channel mix
	ffnXK      []float32
	ffnK, ffnV *Matrix
}

// Options tune how a model is loaded.
type Options struct {
	// Threads is the number of goroutines that share each matrix product
	// (the calling one included). 0 means 1.
	Threads int
}

// Load maps a GGUF file and binds every tensor. Nothing of the weights is
// read here beyond what the operating system does on first touch.
func Load(path string, opt Options) (*Model, error) {
	g, err := quant.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := bind(g)
	if err != nil {
		g.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Pool = NewPool(opt.Threads)
	return m, nil
}

// Close stops the workers and releases the mapping.
func (m *Model) Close() error {
	if m.Pool != nil {
		m.Pool.Close()
	}
	return m.File.Close()
}

// WeightBytes is the size of all tensors: what one token reads, at most.
func (m *Model) WeightBytes() int64 { return m.weightBytes }

// EndOfReplyID is the token "\n\n" that ends a chat reply, or -1.
func (m *Model) EndOfReplyID() int { return m.eotID }

var blockTensor = regexp.MustCompile(`^blk\.(\d+)\.(.+)$`)

// knownBlockTensors are every per-layer tensor of the rwkv7 layout.
var knownBlockTensors = map[string]bool{
	"attn_norm.weight": true, "attn_norm.bias": true, "attn_norm_2.weight": true, "attn_norm_2.bias": true,
	"time_mix_lerp_fused.weight": true,
	"time_mix_w0.weight":         true, "time_mix_w1.weight": true, "time_mix_w2.weight": true,
	"time_mix_a0.weight": true, "time_mix_a1.weight": true, "time_mix_a2.weight": true,
	"time_mix_v0.weight": true, "time_mix_v1.weight": true, "time_mix_v2.weight": true,
	"time_mix_g1.weight": true, "time_mix_g2.weight": true,
	"time_mix_k_k.weight": true, "time_mix_k_a.weight": true, "time_mix_r_k.weight": true,
	"time_mix_receptance.weight": true, "time_mix_key.weight": true, "time_mix_value.weight": true,
	"time_mix_output.weight": true, "time_mix_ln.weight": true, "time_mix_ln.bias": true,
	"channel_mix_lerp_k.weight": true, "channel_mix_key.weight": true, "channel_mix_value.weight": true,
}

var knownTopTensors = map[string]bool{
	"token_embd.weight": true, "token_embd_norm.weight": true, "token_embd_norm.bias": true,
	"output_norm.weight": true, "output_norm.bias": true, "output.weight": true,
}

func bind(g *quant.File) (*Model, error) {
	c, err := configFromFile(g)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: c, File: g}
	// Refuse tensors we would silently ignore: a variant of the architecture
	// (DeepEmbed, a hybrid) computes something else.
	for i := range g.Tensors {
		t := &g.Tensors[i]
		m.weightBytes += int64(t.Size)
		if knownTopTensors[t.Name] {
			continue
		}
		if s := blockTensor.FindStringSubmatch(t.Name); s != nil {
			if n, _ := strconv.Atoi(s[1]); n < c.Layers && knownBlockTensors[s[2]] {
				continue
			}
		}
		return nil, fmt.Errorf("tensor %s: not part of the RWKV-7 layout gosling runs (a model variant?)", t.Name)
	}
	D := c.Embd
	b := binder{g: g}
	m.emb = b.matrix("token_embd.weight", c.Vocab, D)
	m.ln0w = b.vector("token_embd_norm.weight", D)
	m.ln0b = b.vector("token_embd_norm.bias", D)
	m.lnOutW = b.vector("output_norm.weight", D)
	m.lnOutB = b.vector("output_norm.bias", D)
	m.head = b.matrix("output.weight", c.Vocab, D)
	m.layers = make([]layer, c.Layers)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("blk.%d.", i)
		l.ln1w = b.vector(p+"attn_norm.weight", D)
		l.ln1b = b.vector(p+"attn_norm.bias", D)
		l.ln2w = b.vector(p+"attn_norm_2.weight", D)
		l.ln2b = b.vector(p+"attn_norm_2.bias", D)
		lerp := b.vector(p+"time_mix_lerp_fused.weight", 6*D)
		if lerp != nil {
			l.xr, l.xw, l.xk, l.xv, l.xa, l.xg = lerp[0:D], lerp[D:2*D], lerp[2*D:3*D], lerp[3*D:4*D], lerp[4*D:5*D], lerp[5*D:6*D]
		}
		l.w0 = b.vector(p+"time_mix_w0.weight", D)
		l.w1 = b.matrix(p+"time_mix_w1.weight", c.RankW, D)
		l.w2 = b.matrix(p+"time_mix_w2.weight", D, c.RankW)
		l.a0 = b.vector(p+"time_mix_a0.weight", D)
		l.a1 = b.matrix(p+"time_mix_a1.weight", c.RankA, D)
		l.a2 = b.matrix(p+"time_mix_a2.weight", D, c.RankA)
		if i > 0 {
			l.v0 = b.vector(p+"time_mix_v0.weight", D)
			l.v1 = b.matrix(p+"time_mix_v1.weight", c.RankV, D)
			l.v2 = b.matrix(p+"time_mix_v2.weight", D, c.RankV)
		}
		l.g1 = b.matrix(p+"time_mix_g1.weight", c.RankG, D)
		l.g2 = b.matrix(p+"time_mix_g2.weight", D, c.RankG)
		l.kK = b.vector(p+"time_mix_k_k.weight", D)
		l.kA = b.vector(p+"time_mix_k_a.weight", D)
		l.rK = b.vector(p+"time_mix_r_k.weight", D)
		l.wr = b.matrix(p+"time_mix_receptance.weight", D, D)
		l.wk = b.matrix(p+"time_mix_key.weight", D, D)
		l.wv = b.matrix(p+"time_mix_value.weight", D, D)
		l.wo = b.matrix(p+"time_mix_output.weight", D, D)
		l.lnxW = b.vector(p+"time_mix_ln.weight", D)
		l.lnxB = b.vector(p+"time_mix_ln.bias", D)
		l.ffnXK = b.vector(p+"channel_mix_lerp_k.weight", D)
		l.ffnK = b.matrix(p+"channel_mix_key.weight", c.FFN, D)
		l.ffnV = b.matrix(p+"channel_mix_value.weight", D, c.FFN)
	}
	if b.err != nil {
		return nil, b.err
	}
	tok, err := tokenizerFromFile(g, c.Vocab)
	if err != nil {
		return nil, err
	}
	m.Tokenizer = tok
	m.eotID = -1
	if ids := tok.Encode([]byte("\n\n")); len(ids) == 1 {
		m.eotID = int(ids[0])
	}
	return m, nil
}

// binder binds tensors and keeps the first error, so bind reads as a list.
type binder struct {
	g   *quant.File
	err error
}

func (b *binder) matrix(name string, rows, cols int) *Matrix {
	if b.err != nil {
		return nil
	}
	m, err := bindMatrix(b.g, name, rows, cols)
	b.err = err
	return m
}

func (b *binder) vector(name string, n int) []float32 {
	if b.err != nil {
		return nil
	}
	v, err := bindVector(b.g, name, n)
	b.err = err
	return v
}

// GGUF token types (llama.cpp's llama_token_type).
const (
	tokenTypeNormal  = 1
	tokenTypeControl = 3
	tokenTypeUnused  = 5
)

// tokenizerFromFile builds the World tokenizer from the vocabulary the GGUF
// carries (tokens stored Python-escaped, as llama.cpp's converter writes
// them). Control and padding entries are never matched.
func tokenizerFromFile(g *quant.File, rows int) (*tokenizer.Tokenizer, error) {
	model, err := g.Meta.String("tokenizer.ggml.model")
	if err != nil {
		return nil, err
	}
	if model != "rwkv" {
		return nil, fmt.Errorf("metadata key tokenizer.ggml.model = %q, want \"rwkv\"", model)
	}
	toks, err := g.Meta.Strings("tokenizer.ggml.tokens")
	if err != nil {
		return nil, err
	}
	types, _ := g.Meta.Int32s("tokenizer.ggml.token_type")
	if types != nil && len(types) != len(toks) {
		return nil, fmt.Errorf("metadata key tokenizer.ggml.token_type: %d entries for %d tokens", len(types), len(toks))
	}
	if len(toks) > rows {
		return nil, fmt.Errorf("metadata key tokenizer.ggml.tokens: %d tokens but the output matrix has %d rows", len(toks), rows)
	}
	vocab := make([][]byte, len(toks))
	for id, s := range toks {
		if id == 0 {
			continue // end of text
		}
		if types != nil && (types[id] == tokenTypeUnused || types[id] == tokenTypeControl) {
			continue
		}
		vocab[id] = tokenizer.UnescapeGGUF(s)
	}
	return tokenizer.New(vocab)
}
