package runtime

import (
	"fmt"
	"runtime/debug"

	"github.com/gosling-edge/gosling/arm64"
)

// Context holds the scratch buffers of one forward pass. It is allocated
// once; Forward allocates nothing. A Context is used by one goroutine at a
// time; make one per concurrent sequence.
type Context struct {
	m *Model

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

	mv  matVecJob
	err error
}

// NewContext allocates the scratch buffers for the model.
func (m *Model) NewContext() *Context {
	c := m.Config
	D := c.Embd
	vec := func(n int) []float32 { return make([]float32, n) }
	maxCols := max(D, c.FFN, c.RankW, c.RankA, c.RankV, c.RankG)
	maxCols = (maxCols + arm64.QK - 1) / arm64.QK * arm64.QK
	return &Context{
		m: m,
		x: vec(D), xx: vec(D), d: vec(D), out: vec(D),
		xr: vec(D), xw: vec(D), xk: vec(D), xv: vec(D), xa: vec(D), xg: vec(D),
		r: vec(D), w: vec(D), k: vec(D), v: vec(D), a: vec(D), g: vec(D), kk: vec(D),
		vFirst: vec(D), vMix: vec(D), y: vec(D),
		loraW: vec(c.RankW), loraA: vec(c.RankA), loraV: vec(c.RankV), loraG: vec(c.RankG),
		ffn:    vec(c.FFN),
		xq:     make([]int8, maxCols),
		xd:     vec(maxCols / arm64.QK),
		logits: vec(c.Vocab),
	}
}

// Forward feeds one token to the model, advancing s, and returns the
// logits for the next token. The returned slice belongs to the Context and
// is overwritten by the next call.
func (c *Context) Forward(s *State, token int) (logits []float32, err error) {
	m := c.m
	if token < 0 || token >= m.Vocab {
		return nil, fmt.Errorf("token %d out of range [0, %d)", token, m.Vocab)
	}
	if len(s.Layers) != m.Layers || len(s.Layers[0].AttXPrev) != m.Embd {
		return nil, fmt.Errorf("state does not belong to this model")
	}
	// The calling goroutine reads the mapping too (embedding rows, its
	// share of every product): turn a fault there into an error as well.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer c.catchFault(&err)
	c.err = nil

	// x = LN(emb[token]; ln0)
	if err := m.Emb.row(c.x, token); err != nil {
		return nil, err
	}
	arm64.LayerNorm(c.x, c.x, m.LN0W, m.LN0B, m.NormEps)
	for i := range m.Blocks {
		c.timeMix(i, &m.Blocks[i], &s.Layers[i])
		c.channelMix(&m.Blocks[i], &s.Layers[i])
	}
	// logits = head · LN(x; ln_out)
	arm64.LayerNorm(c.xx, c.x, m.LNOutW, m.LNOutB, m.NormEps)
	c.mul(m.Head, c.logits, c.xx)
	if c.err != nil {
		return nil, c.err
	}
	s.Tokens++
	return c.logits, nil
}

// timeMix is the attention-like half of a block: token shift, the r/k/v
// projections, the data-dependent decay w, in-context learning rate a, gate
// g and value residual, then the WKV-7 delta-rule update per head.
func (c *Context) timeMix(li int, l *Block, s *LayerState) {
	m := c.m
	N := m.HeadSize
	xx := c.xx
	arm64.LayerNorm(xx, c.x, l.LN1W, l.LN1B, m.NormEps)

	// Token shift: every projection sees a per-channel mix of this token and
	// the previous one.
	sub(c.d, s.AttXPrev, xx)
	copy(s.AttXPrev, xx)
	lerp(c.xr, xx, c.d, l.XR)
	lerp(c.xw, xx, c.d, l.XW)
	lerp(c.xk, xx, c.d, l.XK)
	lerp(c.xv, xx, c.d, l.XV)
	lerp(c.xa, xx, c.d, l.XA)
	lerp(c.xg, xx, c.d, l.XG)

	c.mul(l.WR, c.r, c.xr)
	c.mul(l.WK, c.k, c.xk)
	c.mul(l.WV, c.v, c.xv)

	// w = exp(−e^−0.5 · sigmoid(w0 + tanh(xw·w1)·w2))
	c.mul(l.W1, c.loraW, c.xw)
	tanhInPlace(c.loraW)
	c.mul(l.W2, c.w, c.loraW)
	for i, z := range c.w {
		c.w[i] = exp32(-decayScale * sigmoid(l.W0[i]+z))
	}

	// a = sigmoid(a0 + (xa·a1)·a2)
	c.mul(l.A1, c.loraA, c.xa)
	c.mul(l.A2, c.a, c.loraA)
	for i, z := range c.a {
		c.a[i] = sigmoid(l.A0[i] + z)
	}

	// g = sigmoid(xg·g1)·g2
	c.mul(l.G1, c.loraG, c.xg)
	sigmoidInPlace(c.loraG)
	c.mul(l.G2, c.g, c.loraG)

	// Value residual: layer 0's v is remembered; later layers mix towards it.
	if li == 0 {
		copy(c.vFirst, c.v)
	} else {
		c.mul(l.V1, c.loraV, c.xv)
		c.mul(l.V2, c.vMix, c.loraV)
		for i, v := range c.v {
			c.v[i] = v + (c.vFirst[i]-v)*sigmoid(l.V0[i]+c.vMix[i])
		}
	}

	// kk = normalize_per_head(k ⊙ k_k);  k = k ⊙ (1 + (a − 1) ⊙ k_a)
	mul(c.kk, c.k, l.KK)
	for h := 0; h < m.Heads; h++ {
		normalize(c.kk[h*N : (h+1)*N])
	}
	for i, k := range c.k {
		c.k[i] = k * (1 + (c.a[i]-1)*l.KA[i])
	}

	for h := 0; h < m.Heads; h++ {
		hs := h * N
		he := hs + N
		y := c.y[hs:he]
		arm64.WKV7(s.WKV[h*N*N:(h+1)*N*N], c.r[hs:he], c.w[hs:he], c.k[hs:he], c.v[hs:he], c.kk[hs:he], c.a[hs:he], y)
		// y = GroupNorm(y; ln_x) + (Σ_j r_j·k_j·r_k[h,j])·v
		arm64.LayerNorm(y, y, l.LNXW[hs:he], l.LNXB[hs:he], m.GNormEps)
		var bonus float32
		for j := hs; j < he; j++ {
			bonus += c.r[j] * c.k[j] * l.RK[j]
		}
		for j := range y {
			y[j] += bonus * c.v[hs+j]
		}
	}

	// x = x + Wo·(y ⊙ g)
	mul(c.y, c.y, c.g)
	c.mul(l.WO, c.out, c.y)
	add(c.x, c.out)
}

// channelMix is the feed-forward half: token shift, then
// x = x + Wv·relu(Wk·xk)².
func (c *Context) channelMix(l *Block, s *LayerState) {
	xx := c.xx
	arm64.LayerNorm(xx, c.x, l.LN2W, l.LN2B, c.m.NormEps)
	sub(c.d, s.FFNXPrev, xx)
	copy(s.FFNXPrev, xx)
	lerp(c.xk, xx, c.d, l.FFNXK)
	c.mul(l.FFNK, c.ffn, c.xk)
	for i, v := range c.ffn {
		v = max(v, 0)
		c.ffn[i] = v * v
	}
	c.mul(l.FFNV, c.out, c.ffn)
	add(c.x, c.out)
}

// matVecJob is one matrix × vector product, split by rows over the pool.
type matVecJob struct {
	m      *Matrix
	out, x []float32
	xq     []int8
	xd     []float32
}

func (j *matVecJob) run(lo, hi int) { j.m.mulRows(j.out, j.x, j.xq, j.xd, lo, hi) }

// mul computes out = W·x on the pool, quantizing x to Q8 blocks first when
// W is quantized. The first error is kept in c.err.
func (c *Context) mul(w *Matrix, out, x []float32) {
	if c.err != nil {
		return
	}
	j := &c.mv
	j.m, j.out, j.x = w, out[:w.Rows], x[:w.Cols]
	if w.Quantized() {
		j.xq, j.xd = c.xq[:w.Cols], c.xd[:w.Cols/arm64.QK]
		arm64.QuantizeQ8(j.xq, j.xd, j.x)
	}
	c.err = c.m.Pool.Run(j, w.Rows)
}

// catchFault turns a memory fault on the model mapping (the file truncated
// while in use) into an error instead of a crash.
func (c *Context) catchFault(err *error) {
	if r := recover(); r != nil {
		*err = faultError(r)
	}
}
