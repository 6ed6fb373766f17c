package runtime

import (
	"fmt"
	"runtime/debug"

	"github.com/gosling-edge/gosling/arm64"
)

// DefaultChunk is how many prompt tokens Prefill runs through each weight
// matrix at once: the weights are read once per chunk instead of once per
// token, while the buffers stay small (the 0.1B shape needs about 2 MB).
const DefaultChunk = 32

// Context holds the scratch buffers of the forward pass, for up to Chunk
// tokens at a time. It is allocated once; Forward and Prefill allocate
// nothing. A Context is used by one goroutine at a time; make one per
// concurrent sequence.
//
// Every buffer holds T rows (T ≤ Chunk), one per token, row-major.
type Context struct {
	m     *Model
	chunk int

	x                      []float32 // the residual stream
	xx, d, out             []float32
	xr, xw, xk, xv, xa, xg []float32
	r, w, k, v, a, g, kk   []float32
	vFirst, vMix, y        []float32
	loraW, loraA           []float32
	loraV, loraG           []float32
	ffn                    []float32
	xq                     []int8    // the current input as Q8 blocks
	xd                     []float32 // and their scales
	logits                 []float32

	one [1]int32 // Forward's token, so that it allocates nothing
	mv  matVecJob
	mm  matMulJob
	err error
}

// NewContext allocates the scratch buffers for single tokens and prompt
// chunks of DefaultChunk tokens.
func (m *Model) NewContext() *Context { return m.NewContextChunk(DefaultChunk) }

// NewContextChunk is NewContext with a chosen prefill chunk size (≥ 1).
func (m *Model) NewContextChunk(chunk int) *Context {
	chunk = max(chunk, 1)
	c := m.Config
	D := c.Embd
	vec := func(n int) []float32 { return make([]float32, chunk*n) }
	maxCols := max(D, c.FFN, c.RankW, c.RankA, c.RankV, c.RankG)
	maxCols = (maxCols + arm64.QK - 1) / arm64.QK * arm64.QK
	return &Context{
		m: m, chunk: chunk,
		x: vec(D), xx: vec(D), d: vec(D), out: vec(D),
		xr: vec(D), xw: vec(D), xk: vec(D), xv: vec(D), xa: vec(D), xg: vec(D),
		r: vec(D), w: vec(D), k: vec(D), v: vec(D), a: vec(D), g: vec(D), kk: vec(D),
		vFirst: vec(D), vMix: vec(D), y: vec(D),
		loraW: vec(c.RankW), loraA: vec(c.RankA), loraV: vec(c.RankV), loraG: vec(c.RankG),
		ffn:    vec(c.FFN),
		xq:     make([]int8, chunk*maxCols),
		xd:     vec(maxCols / arm64.QK),
		logits: make([]float32, c.Vocab),
	}
}

// Forward feeds one token to the model, advancing s, and returns the
// logits for the next token. The returned slice belongs to the Context and
// is overwritten by the next call.
func (c *Context) Forward(s *State, token int) ([]float32, error) {
	if token < 0 || token >= c.m.Vocab {
		return nil, fmt.Errorf("token %d out of range [0, %d)", token, c.m.Vocab)
	}
	c.one[0] = int32(token)
	return c.run(s, c.one[:], true)
}

// Chunk is the largest number of tokens one Prefill step runs together.
func (c *Context) Chunk() int { return c.chunk }

// Prefill feeds a prompt, Chunk tokens at a time: the big matrices run as
// matrix × matrix over each chunk (weights read once per chunk), the WKV
// recurrence token by token. It returns the logits after the last token
// (computed for that token only). The result equals feeding the tokens one
// by one with Forward, up to float summation order in the kernels.
func (c *Context) Prefill(s *State, tokens []int32) ([]float32, error) {
	if len(tokens) == 0 {
		return nil, fmt.Errorf("prefill: no tokens")
	}
	for start := 0; start < len(tokens); start += c.chunk {
		end := min(start+c.chunk, len(tokens))
		logits, err := c.run(s, tokens[start:end], end == len(tokens))
		if err != nil || end == len(tokens) {
			return logits, err
		}
	}
	panic("unreachable")
}

func (c *Context) run(s *State, tokens []int32, wantLogits bool) (logits []float32, err error) {
	m := c.m
	for _, t := range tokens {
		if t < 0 || int(t) >= m.Vocab {
			return nil, fmt.Errorf("token %d out of range [0, %d)", t, m.Vocab)
		}
	}
	if len(s.Layers) != m.Layers || len(s.Layers[0].AttXPrev) != m.Embd {
		return nil, fmt.Errorf("state does not belong to this model")
	}
	// The calling goroutine reads the mapping too (embedding rows, its
	// share of every product): turn a fault there into an error as well.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer c.catchFault(&err)
	c.err = nil
	if err := c.forward(s, tokens); err != nil {
		return nil, err
	}
	s.Tokens += int64(len(tokens))
	if !wantLogits {
		return nil, nil
	}
	// logits = head · LN(x; ln_out), for the last token only
	D := m.Embd
	T := len(tokens)
	xx := c.xx[:D]
	arm64.LayerNorm(xx, c.x[(T-1)*D:T*D], m.LNOutW, m.LNOutB, m.NormEps)
	c.mul(m.Head, c.logits, xx, 1)
	return c.logits, c.err
}

// forward runs tokens (at most c.chunk) through every block, leaving the
// final residual stream in c.x.
func (c *Context) forward(s *State, tokens []int32) error {
	m := c.m
	D := m.Embd
	// x = LN(emb[token]; ln0)
	for t, tok := range tokens {
		x := c.x[t*D : (t+1)*D]
		if err := m.Emb.row(x, int(tok)); err != nil {
			return err
		}
		arm64.LayerNorm(x, x, m.LN0W, m.LN0B, m.NormEps)
	}
	for i := range m.Blocks {
		c.timeMix(i, &m.Blocks[i], &s.Layers[i], len(tokens))
		c.channelMix(&m.Blocks[i], &s.Layers[i], len(tokens))
	}
	return c.err
}

// timeMix is the attention-like half of a block for T tokens: token
// shift, the r/k/v projections, the data-dependent decay w, in-context
// learning rate a, gate g and value residual, then the WKV-7 delta-rule
// update per head, token after token.
func (c *Context) timeMix(li int, l *Block, s *LayerState, T int) {
	m := c.m
	D := m.Embd
	xx := c.xx[:T*D]
	for t := 0; t < T; t++ {
		arm64.LayerNorm(xx[t*D:(t+1)*D], c.x[t*D:(t+1)*D], l.LN1W, l.LN1B, m.NormEps)
	}

	// Token shift: every projection sees a per-channel mix of this token and
	// the previous one.
	tokenShift(c.d[:T*D], s.AttXPrev, xx, D)
	lerp(c.xr, xx, c.d, l.XR)
	lerp(c.xw, xx, c.d, l.XW)
	lerp(c.xk, xx, c.d, l.XK)
	lerp(c.xv, xx, c.d, l.XV)
	lerp(c.xa, xx, c.d, l.XA)
	lerp(c.xg, xx, c.d, l.XG)

	c.mul(l.WR, c.r, c.xr, T)
	c.mul(l.WK, c.k, c.xk, T)
	c.mul(l.WV, c.v, c.xv, T)

	// w = exp(−e^−0.5 · sigmoid(w0 + tanh(xw·w1)·w2))
	c.mul(l.W1, c.loraW, c.xw, T)
	tanhInPlace(c.loraW[:T*m.RankW])
	c.mul(l.W2, c.w, c.loraW, T)
	arm64.Decay(c.w[:T*D], c.w[:T*D], l.W0)

	// a = sigmoid(a0 + (xa·a1)·a2)
	c.mul(l.A1, c.loraA, c.xa, T)
	c.mul(l.A2, c.a, c.loraA, T)
	arm64.Sigmoid(c.a[:T*D], c.a[:T*D], l.A0)

	// g = sigmoid(xg·g1)·g2
	c.mul(l.G1, c.loraG, c.xg, T)
	arm64.Sigmoid(c.loraG[:T*m.RankG], c.loraG[:T*m.RankG], nil)
	c.mul(l.G2, c.g, c.loraG, T)

	// Value residual: layer 0's v is remembered; later layers mix towards it.
	if li == 0 {
		copy(c.vFirst[:T*D], c.v[:T*D])
	} else {
		c.mul(l.V1, c.loraV, c.xv, T)
		c.mul(l.V2, c.vMix, c.loraV, T)
		arm64.Sigmoid(c.vMix[:T*D], c.vMix[:T*D], l.V0)
		for i, v := range c.v[:T*D] {
			c.v[i] = v + (c.vFirst[i]-v)*c.vMix[i]
		}
	}

	for t := 0; t < T; t++ {
		c.wkv(l, s, t)
	}

	// x = x + Wo·(y ⊙ g)
	mul(c.y[:T*D], c.y[:T*D], c.g[:T*D])
	c.mul(l.WO, c.out, c.y, T)
	add(c.x[:T*D], c.out[:T*D])
}

// wkv runs the recurrence for token t of the chunk: key normalisation, the
// delta-rule update of every head's state, the group norm and the bonus.
func (c *Context) wkv(l *Block, s *LayerState, t int) {
	m := c.m
	D, N := m.Embd, m.HeadSize
	at := func(buf []float32) []float32 { return buf[t*D : (t+1)*D] }
	r, w, k, v, a, kk, y := at(c.r), at(c.w), at(c.k), at(c.v), at(c.a), at(c.kk), at(c.y)

	// kk = normalize_per_head(k ⊙ k_k);  k = k ⊙ (1 + (a − 1) ⊙ k_a)
	mul(kk, k, l.KK)
	for h := 0; h < m.Heads; h++ {
		normalize(kk[h*N : (h+1)*N])
	}
	for i := range k {
		k[i] *= 1 + (a[i]-1)*l.KA[i]
	}

	for h := 0; h < m.Heads; h++ {
		hs, he := h*N, (h+1)*N
		yh := y[hs:he]
		arm64.WKV7(s.WKV[h*N*N:(h+1)*N*N], r[hs:he], w[hs:he], k[hs:he], v[hs:he], kk[hs:he], a[hs:he], yh)
		// y = GroupNorm(y; ln_x) + (Σ_j r_j·k_j·r_k[h,j])·v
		arm64.LayerNorm(yh, yh, l.LNXW[hs:he], l.LNXB[hs:he], m.GNormEps)
		var bonus float32
		for j := hs; j < he; j++ {
			bonus += r[j] * k[j] * l.RK[j]
		}
		for j := range yh {
			yh[j] += bonus * v[hs+j]
		}
	}
}

// channelMix is the feed-forward half for T tokens: token shift, then
// x = x + Wv·relu(Wk·xk)².
func (c *Context) channelMix(l *Block, s *LayerState, T int) {
	D := c.m.Embd
	xx := c.xx[:T*D]
	for t := 0; t < T; t++ {
		arm64.LayerNorm(xx[t*D:(t+1)*D], c.x[t*D:(t+1)*D], l.LN2W, l.LN2B, c.m.NormEps)
	}
	tokenShift(c.d[:T*D], s.FFNXPrev, xx, D)
	lerp(c.xk, xx, c.d, l.FFNXK)
	c.mul(l.FFNK, c.ffn, c.xk, T)
	for i, v := range c.ffn[:T*c.m.FFN] {
		v = max(v, 0)
		c.ffn[i] = v * v
	}
	c.mul(l.FFNV, c.out, c.ffn, T)
	add(c.x[:T*D], c.out[:T*D])
}

// matVecJob is one matrix × vector product, split by rows over the pool.
type matVecJob struct {
	m      *Matrix
	out, x []float32
	xq     []int8
	xd     []float32
}

func (j *matVecJob) run(lo, hi int) { j.m.mulRows(j.out, j.x, j.xq, j.xd, lo, hi) }

// matMulJob is one matrix × T vectors product, split by rows.
type matMulJob struct {
	m      *Matrix
	out, x []float32
	xq     []int8
	xd     []float32
	t      int
}

func (j *matMulJob) run(lo, hi int) { j.m.mulRowsT(j.out, j.x, j.xq, j.xd, j.t, lo, hi) }

// mul computes out_t = W·x_t for the T rows of x on the pool, quantizing x
// to Q8 blocks first when W is quantized. One token takes the matrix ×
// vector kernels, several the matrix × matrix ones. The first error is
// kept in c.err.
func (c *Context) mul(w *Matrix, out, x []float32, T int) {
	if c.err != nil {
		return
	}
	out, x = out[:T*w.Rows], x[:T*w.Cols]
	var xq []int8
	var xd []float32
	if w.Quantized() {
		xq, xd = c.xq[:T*w.Cols], c.xd[:T*w.Cols/arm64.QK]
		arm64.QuantizeQ8(xq, xd, x)
	}
	if T == 1 {
		j := &c.mv
		j.m, j.out, j.x, j.xq, j.xd = w, out, x, xq, xd
		c.err = c.m.Pool.Run(j, w.Rows)
		return
	}
	j := &c.mm
	j.m, j.out, j.x, j.xq, j.xd, j.t = w, out, x, xq, xd, T
	c.err = c.m.Pool.Run(j, w.Rows)
}

// catchFault turns a memory fault on the model mapping (the file truncated
// while in use) into an error instead of a crash.
func (c *Context) catchFault(err *error) {
	if r := recover(); r != nil {
		*err = c.m.Pool.faultError(r)
	}
}
