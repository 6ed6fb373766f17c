package runtime

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"sync"
	"unsafe"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime/grammar"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
)

// Model is an RWKV-7 model bound to a memory-mapped GGUF file. It is
// immutable after Load and may be shared by any number of Contexts.
type Model struct {
	Config
	Tokenizer *tokenizer.Tokenizer
	File      *quant.File
	pool      *pool

	Weights
	eotID       int // "\n\n" in the tokenizer, -1 if absent
	weightBytes int64
	fingerprint struct { // computed once, on first use
		once sync.Once
		f    Fingerprint
		err  error
	}
	grammarVocab struct { // built once, by the first constrained generation
		once sync.Once
		v    *grammar.Vocab
	}
}

// GrammarVocab is the model's vocabulary laid out for grammar masks
// (runtime/grammar), with one entry per logit: built on first use, since
// only constrained generations need it, and shared by every Generator.
func (m *Model) GrammarVocab() *grammar.Vocab {
	m.grammarVocab.once.Do(func() {
		toks := make([][]byte, m.Vocab)
		for id := 1; id < len(toks); id++ {
			if id < m.Tokenizer.Size() {
				toks[id] = m.Tokenizer.Token(id)
			}
		}
		m.grammarVocab.v = grammar.NewVocab(toks)
	})
	return m.grammarVocab.v
}

// Block holds the weights of one layer, named as in the equations of the
// package documentation (doc.go, sections "The forward pass" and "The
// weights", which gives each field's GGUF tensor).
type Block struct {
	LN1W, LN1B []float32 // ln1: before the time mix
	LN2W, LN2B []float32 // ln2: before the channel mix

	// time mix
	XR, XW, XK, XV, XA, XG []float32 // token-shift lerp coefficients
	W0, A0, V0             []float32
	W1, W2                 *Matrix // decay LoRA: D→RankW→D
	A1, A2                 *Matrix // in-context learning rate LoRA
	V1, V2                 *Matrix // value residual LoRA (nil in layer 0)
	G1, G2                 *Matrix // gate LoRA
	KK, KA, RK             []float32
	WR, WK, WV, WO         *Matrix   // receptance, key, value, output
	LNXW, LNXB             []float32 // per-head group norm of the WKV output

	// channel mix
	FFNXK      []float32
	FFNK, FFNV *Matrix
}

// Weights are every tensor of the model, bound to the mapping.
type Weights struct {
	Emb        *Matrix   // token_embd [V][D]
	LN0W, LN0B []float32 // applied to the embedding
	Blocks     []Block
	LNOutW     []float32
	LNOutB     []float32
	Head       *Matrix // output [V][D]
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
	m.pool = newPool(opt.Threads)
	mapped := int64(g.Size)
	m.pool.truncated = func() (int64, int64, bool) {
		st, err := os.Stat(path)
		if err != nil {
			return 0, mapped, true
		}
		return st.Size(), mapped, st.Size() < mapped
	}
	return m, nil
}

// LoadImage binds a model held in memory, e.g. embedded in the binary
// (whose pages the kernel maps from the executable, so this is zero-copy
// too). name is used in messages.
func LoadImage(data []byte, name string, opt Options) (*Model, error) {
	if len(data) > 0 && uintptr(unsafe.Pointer(&data[0]))%8 != 0 {
		// Tensor views need their natural alignment (4 bytes for F32); a
		// misaligned image is copied once into an 8-byte aligned buffer.
		words := make([]uint64, (len(data)+7)/8)
		aligned := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(data))
		copy(aligned, data)
		data = aligned
	}
	g, err := quant.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	g.Path = name
	m, err := bind(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m.pool = newPool(opt.Threads)
	return m, nil
}

// Close stops the workers and releases the mapping.
func (m *Model) Close() error {
	if m.pool != nil {
		m.pool.Close()
	}
	return m.File.Close()
}

// Threads is the number of goroutines that share each matrix product
// (Options.Threads, at least 1).
func (m *Model) Threads() int { return m.pool.Threads() }

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
	m.Emb = b.matrix("token_embd.weight", c.Vocab, D)
	m.LN0W = b.vector("token_embd_norm.weight", D)
	m.LN0B = b.vector("token_embd_norm.bias", D)
	m.LNOutW = b.vector("output_norm.weight", D)
	m.LNOutB = b.vector("output_norm.bias", D)
	m.Head = b.matrix("output.weight", c.Vocab, D)
	m.Blocks = make([]Block, c.Layers)
	for i := range m.Blocks {
		l := &m.Blocks[i]
		p := fmt.Sprintf("blk.%d.", i)
		l.LN1W = b.vector(p+"attn_norm.weight", D)
		l.LN1B = b.vector(p+"attn_norm.bias", D)
		l.LN2W = b.vector(p+"attn_norm_2.weight", D)
		l.LN2B = b.vector(p+"attn_norm_2.bias", D)
		lerp := b.vector(p+"time_mix_lerp_fused.weight", 6*D)
		if lerp != nil {
			l.XR, l.XW, l.XK, l.XV, l.XA, l.XG = lerp[0:D], lerp[D:2*D], lerp[2*D:3*D], lerp[3*D:4*D], lerp[4*D:5*D], lerp[5*D:6*D]
		}
		l.W0 = b.vector(p+"time_mix_w0.weight", D)
		l.W1 = b.matrix(p+"time_mix_w1.weight", c.RankW, D)
		l.W2 = b.matrix(p+"time_mix_w2.weight", D, c.RankW)
		l.A0 = b.vector(p+"time_mix_a0.weight", D)
		l.A1 = b.matrix(p+"time_mix_a1.weight", c.RankA, D)
		l.A2 = b.matrix(p+"time_mix_a2.weight", D, c.RankA)
		if i > 0 {
			l.V0 = b.vector(p+"time_mix_v0.weight", D)
			l.V1 = b.matrix(p+"time_mix_v1.weight", c.RankV, D)
			l.V2 = b.matrix(p+"time_mix_v2.weight", D, c.RankV)
		}
		l.G1 = b.matrix(p+"time_mix_g1.weight", c.RankG, D)
		l.G2 = b.matrix(p+"time_mix_g2.weight", D, c.RankG)
		l.KK = b.vector(p+"time_mix_k_k.weight", D)
		l.KA = b.vector(p+"time_mix_k_a.weight", D)
		l.RK = b.vector(p+"time_mix_r_k.weight", D)
		l.WR = b.matrix(p+"time_mix_receptance.weight", D, D)
		l.WK = b.matrix(p+"time_mix_key.weight", D, D)
		l.WV = b.matrix(p+"time_mix_value.weight", D, D)
		l.WO = b.matrix(p+"time_mix_output.weight", D, D)
		l.LNXW = b.vector(p+"time_mix_ln.weight", D)
		l.LNXB = b.vector(p+"time_mix_ln.bias", D)
		l.FFNXK = b.vector(p+"channel_mix_lerp_k.weight", D)
		l.FFNK = b.matrix(p+"channel_mix_key.weight", c.FFN, D)
		l.FFNV = b.matrix(p+"channel_mix_value.weight", D, c.FFN)
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
