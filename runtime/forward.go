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
	logits                 []float32
	ones                   []float32 // D ones

	one [1]int32 // Forward's token, so that it allocates nothing
	obs InputObserver
	vj  verifyJob
	err error

	hj    headJob // the per-head work of the current layer (heads)
	hitem [1]item

	// The batch of products being queued for one hand-off to the pool
	// (see queue and flush), and their inputs in the quantized forms the
	// products take.
	prods [maxBatch]product
	items [maxBatch]item
	nb    int
	q     [maxBatch]quantizedInput
	nq    int
}

// maxBatch is the most products one hand-off carries: a layer's first
// stage (r, k, v and the four LoRA first products).
const maxBatch = 8

// quantizedInput is an input vector in one quantized form (see actKind),
// for the products of a batch that read it in that form; room is the
// slot's buffers, a the part of them holding src.
type quantizedInput struct {
	src  []float32
	kind actKind
	a    acts
	room acts
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
	ctx := &Context{
		m: m, chunk: chunk,
		x: vec(D), xx: vec(D), d: vec(D), out: vec(D),
		xr: vec(D), xw: vec(D), xk: vec(D), xv: vec(D), xa: vec(D), xg: vec(D),
		r: vec(D), w: vec(D), k: vec(D), v: vec(D), a: vec(D), g: vec(D), kk: vec(D),
		vFirst: vec(D), vMix: vec(D), y: vec(D),
		loraW: vec(c.RankW), loraA: vec(c.RankA), loraV: vec(c.RankV), loraG: vec(c.RankG),
		ffn:    vec(c.FFN),
		logits: make([]float32, c.Vocab),
	}
	ctx.ones = make([]float32, D)
	for i := range ctx.ones {
		ctx.ones[i] = 1
	}
	// A batch of several products reads inputs of the model's width or a
	// LoRA rank; only a batch of one (slot 0) can read the FFN's width.
	cols := max(D, c.RankW, c.RankA, c.RankV, c.RankG)
	cols = (cols + arm64.QKK - 1) / arm64.QKK * arm64.QKK
	for i := range ctx.q {
		n := cols
		if i == 0 {
			n = maxCols
		}
		ctx.q[i].room = acts{
			q: make([]int8, chunk*n),
			d: vec(n / arm64.QK), s: vec(n / arm64.QK),
			bs: make([]int16, chunk*n/16),
		}
	}
	return ctx
}

// An InputObserver sees the input of every matrix product the Context
// runs: x holds T rows of w.Cols values, one per token. An importance
// matrix is built from these (the sums of x² per column). x belongs to the
// Context and must not be kept.
type InputObserver interface {
	ObserveInput(w *Matrix, x []float32, T int)
}

// Observe makes o see every matrix product's input from now on (nil: none,
// the default; the forward pass then pays one nil check per product).
func (c *Context) Observe(o InputObserver) { c.obs = o }

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

// Prefill feeds one chunk of a prompt, 1 to Chunk tokens: the big
// matrices run as matrix × matrix (weights read once for the chunk), the
// WKV recurrence token by token. It returns the logits after the last token
// (computed for that token only). The result equals feeding the tokens one
// by one with Forward, up to float summation order in the kernels. A longer
// prompt goes through Generator.Feed, which splits it.
func (c *Context) Prefill(s *State, tokens []int32) ([]float32, error) {
	if len(tokens) == 0 || len(tokens) > c.chunk {
		return nil, fmt.Errorf("prefill: %d tokens, want 1 to %d (the chunk)", len(tokens), c.chunk)
	}
	return c.run(s, tokens, true)
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
	if !m.Emb.finite.Load() {
		if err := c.verify(m.Emb); err != nil {
			return err
		}
	}
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
	arm64.Lerp(c.xr, xx, c.d, l.XR)
	arm64.Lerp(c.xw, xx, c.d, l.XW)
	arm64.Lerp(c.xk, xx, c.d, l.XK)
	arm64.Lerp(c.xv, xx, c.d, l.XV)
	arm64.Lerp(c.xa, xx, c.d, l.XA)
	arm64.Lerp(c.xg, xx, c.d, l.XG)

	// The products come in two hand-offs to the pool: first everything
	// that reads the shifted inputs (r, k, v and the first halves of the
	// LoRAs), then the second halves of the LoRAs.
	//
	//	w = exp(−e^−0.5 · sigmoid(w0 + tanh(xw·w1)·w2))
	//	a = sigmoid(a0 + (xa·a1)·a2)
	//	g = sigmoid(xg·g1)·g2
	//	v = v + (v_first − v) · sigmoid(v0 + (xv·v1)·v2), after layer 0
	c.queue(l.WR, c.r, c.xr, T)
	c.queue(l.WK, c.k, c.xk, T)
	c.queue(l.WV, c.v, c.xv, T)
	c.queue(l.W1, c.loraW, c.xw, T)
	c.queue(l.A1, c.loraA, c.xa, T)
	c.queue(l.G1, c.loraG, c.xg, T)
	if li > 0 {
		c.queue(l.V1, c.loraV, c.xv, T)
	}
	c.flush()

	tanhInPlace(c.loraW[:T*m.RankW])
	arm64.Sigmoid(c.loraG[:T*m.RankG], c.loraG[:T*m.RankG], nil)
	c.queue(l.W2, c.w, c.loraW, T)
	c.queue(l.A2, c.a, c.loraA, T)
	c.queue(l.G2, c.g, c.loraG, T)
	if li > 0 {
		c.queue(l.V2, c.vMix, c.loraV, T)
	}
	c.flush()

	// Everything from here to Wo is per channel or per head, so the pool
	// splits it by heads: the decay, a and the value residual, then the
	// WKV-7 recurrence of each head, token after token (see heads).
	if c.err == nil {
		c.hj = headJob{c: c, l: l, s: s, li: li, t: T}
		c.hitem[0] = item{&c.hj, m.Heads, 1, 1}
		c.err = m.pool.RunBatch(c.hitem[:])
		c.hj = headJob{}
	}

	// x = x + Wo·(y ⊙ g), y ⊙ g done by heads
	c.mul(l.WO, c.out, c.y, T)
	arm64.Add(c.x[:T*D], c.x[:T*D], c.out[:T*D])
}

// headJob is the per-head part of a layer's time mix for the T tokens of
// a chunk, split by heads over the pool: each share owns its heads' WKV
// states, so shares never touch the same memory.
type headJob struct {
	c     *Context
	l     *Block
	s     *LayerState
	li, t int
}

func (j *headJob) run(lo, hi int) {
	for t := 0; t < j.t; t++ {
		j.c.heads(j.l, j.s, j.li, t, lo, hi)
	}
}

// heads runs token t of the chunk for heads lo..hi-1: the decay, the
// in-context learning rate a and the value residual of their channels, key
// normalisation, the delta-rule update of each head's state, the group
// norm, the bonus and the gate. Every step is per channel or per head, so
// the result does not depend on how the heads are split.
func (c *Context) heads(l *Block, s *LayerState, li, t, lo, hi int) {
	m := c.m
	D, N := m.Embd, m.HeadSize
	cs, ce := lo*N, hi*N // the channels of these heads
	at := func(buf []float32) []float32 { return buf[t*D+cs : t*D+ce] }
	r, w, k, v, a, kk, y := at(c.r), at(c.w), at(c.k), at(c.v), at(c.a), at(c.kk), at(c.y)

	arm64.Decay(w, w, l.W0[cs:ce])
	arm64.Sigmoid(a, a, l.A0[cs:ce])

	// Value residual: layer 0's v is remembered; later layers mix towards it.
	if vFirst := at(c.vFirst); li == 0 {
		copy(vFirst, v)
	} else {
		// v += (v_first − v) ⊙ vMix, the difference in this token's row of
		// d (the token shift's, no longer needed; each share its channels)
		vMix, dv := at(c.vMix), at(c.d)
		arm64.Sigmoid(vMix, vMix, l.V0[cs:ce])
		arm64.Sub(dv, vFirst, v)
		arm64.Lerp(v, v, dv, vMix)
	}

	// kk = normalize_per_head(k ⊙ k_k);  k = k ⊙ (1 + (a − 1) ⊙ k_a)
	arm64.Mul(kk, k, l.KK[cs:ce])
	for h := 0; h < hi-lo; h++ {
		normalize(kk[h*N : (h+1)*N])
	}
	dk, ones := at(c.d), c.ones[cs:ce]
	arm64.Sub(dk, a, ones)                // a − 1
	arm64.Lerp(dk, ones, dk, l.KA[cs:ce]) // 1 + (a − 1)·k_a
	arm64.Mul(k, k, dk)

	for h := lo; h < hi; h++ {
		hs, he := (h-lo)*N, (h-lo+1)*N // within this share's channels
		yh := y[hs:he]
		arm64.WKV7(s.WKV[h*N*N:(h+1)*N*N], r[hs:he], w[hs:he], k[hs:he], v[hs:he], kk[hs:he], a[hs:he], yh)
		// y = GroupNorm(y; ln_x) + (Σ_j r_j·k_j·r_k[h,j])·v
		arm64.LayerNorm(yh, yh, l.LNXW[cs+hs:cs+he], l.LNXB[cs+hs:cs+he], m.GNormEps)
		arm64.Bonus(yh, r[hs:he], k[hs:he], l.RK[cs+hs:cs+he], v[hs:he])
	}
	arm64.Mul(y, y, at(c.g))
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
	arm64.Lerp(c.xk, xx, c.d, l.FFNXK)
	c.mul(l.FFNK, c.ffn, c.xk, T)
	arm64.ReluSquare(c.ffn, c.ffn[:T*c.m.FFN])
	c.mul(l.FFNV, c.out, c.ffn, T)
	arm64.Add(c.x[:T*D], c.x[:T*D], c.out[:T*D])
}

// product is one matrix product of a batch: out_t = W·x_t for T rows,
// split by rows over the pool.
type product struct {
	m      *Matrix
	out, x []float32
	a      acts
	t      int
}

// run computes rows lo..hi-1: one token takes the matrix × vector kernels,
// several the matrix × matrix ones.
func (j *product) run(lo, hi int) {
	if j.t == 1 {
		j.m.mulRows(j.out, j.x, &j.a, lo, hi)
		return
	}
	j.m.mulRowsT(j.out, j.x, &j.a, j.t, lo, hi)
}

// queue adds out_t = W·x_t for the T rows of x to the batch that the next
// flush hands to the pool, quantizing x first in the form W's kernels take
// (once per batch for an input and form that several products read). The
// products of a batch must be independent: none may read another's out.
// A matrix not yet checked for NaN and Inf is checked first (its own run
// on the pool, before the batch is handed over); a failure is kept in c.err.
func (c *Context) queue(w *Matrix, out, x []float32, T int) {
	if c.err != nil {
		return
	}
	if !w.finite.Load() {
		if c.err = c.verify(w); c.err != nil {
			return
		}
	}
	out, x = out[:T*w.Rows], x[:T*w.Cols]
	if c.obs != nil {
		c.obs.ObserveInput(w, x, T)
	}
	j := &c.prods[c.nb]
	*j = product{m: w, out: out, x: x, t: T}
	if k := w.act(); k != actFloat {
		j.a = c.quantized(k, x)
	}
	c.items[c.nb] = item{j, w.Rows, rowAlign, leastRows}
	c.nb++
}

// quantized returns x in the form kind, quantizing it unless a product of
// the batch already took x in that form. The i-th distinct (input, form)
// pair of a batch goes to slot i: only slot 0 has room for an input wider
// than the model (the FFN's second product, always a batch of its own).
func (c *Context) quantized(kind actKind, x []float32) acts {
	for i := range c.q[:c.nq] {
		if q := &c.q[i]; q.kind == kind && len(q.src) == len(x) && &q.src[0] == &x[0] {
			return q.a
		}
	}
	q := &c.q[c.nq]
	c.nq++
	q.src, q.kind = x, kind
	q.a = quantizeInput(kind, q.room, x)
	return q.a
}

// flush runs the queued products in one hand-off to the pool and empties
// the batch. The first error is kept in c.err.
func (c *Context) flush() {
	if c.err == nil {
		c.err = c.m.pool.RunBatch(c.items[:c.nb])
	}
	c.nb, c.nq = 0, 0
}

// mul computes out_t = W·x_t for the T rows of x on the pool: a batch of
// one product.
func (c *Context) mul(w *Matrix, out, x []float32, T int) {
	c.queue(w, out, x, T)
	c.flush()
}

// catchFault turns a memory fault on the model mapping (the file truncated
// while in use) into an error instead of a crash.
func (c *Context) catchFault(err *error) {
	if r := recover(); r != nil {
		*err = c.m.pool.faultError(r)
	}
}
