//go:build cuda

package cuda

import (
	"unsafe"

	"github.com/gosling-edge/gosling/runtime"
)

// q8buf is an activation buffer with its Q8 twin: f32 [T][n], int8 [T][n],
// scales [T][n/32].
type q8buf struct {
	f, q, d uint64
	n       int
}

func (b *Backend) newQ8(n, T int, what string) (q8buf, error) {
	var err error
	buf := q8buf{n: n}
	if buf.f, err = b.alloc(4*n*T, what); err != nil {
		return buf, err
	}
	if buf.q, err = b.alloc(n*T, what+" (q8)"); err != nil {
		return buf, err
	}
	buf.d, err = b.alloc(4*((n+31)/32)*T, what+" (q8 scales)")
	return buf, err
}

// buffers are the device memory of the activations, shared by all layers.
type buffers struct {
	x, r, w, k, v, a, g, vFirst uint64 // [T][D]
	mix                         [6]q8buf
	y, fx, hid, xo              q8buf
	lw, la, lg, lv              q8buf  // the LoRA hidden layers
	keepAtt, keepFFN            uint64 // decode: the normalised x kept for the state
}

// build allocates the state and the activation buffers, uploads the kernel
// argument structs and records the steps of one forward pass: the prefill
// steps over T tokens, and the fused decode steps for one.
func (b *Backend) build() error {
	m := b.m
	c := m.Config
	D, T := c.Embd, b.opt.Chunk
	var err error
	f32 := func(n int, what string) uint64 {
		if err != nil {
			return 0
		}
		var p uint64
		p, err = b.alloc(4*n, what)
		return p
	}
	q8 := func(n int, what string) q8buf {
		if err != nil {
			return q8buf{}
		}
		var buf q8buf
		buf, err = b.newQ8(n, T, what)
		return buf
	}

	b.nState = len(m.NewState().Floats())
	b.stateDev = f32(b.nState, "state")
	var bf buffers
	bf.x = f32(T*D, "x")
	for i := range bf.mix {
		bf.mix[i] = q8(D, "token shift")
	}
	bf.r, bf.w, bf.k, bf.v = f32(T*D, "r"), f32(T*D, "w"), f32(T*D, "k"), f32(T*D, "v")
	bf.a, bf.g, bf.vFirst = f32(T*D, "a"), f32(T*D, "g"), f32(T*D, "v_first")
	bf.y = q8(D, "y")
	bf.fx = q8(D, "ffn input")
	bf.hid = q8(c.FFN, "ffn hidden")
	bf.lw, bf.la, bf.lg = q8(c.RankW, "lora w"), q8(c.RankA, "lora a"), q8(c.RankG, "lora g")
	bf.lv = q8(max(c.RankV, 32), "lora v")
	bf.xo = q8(D, "output norm")
	bf.keepAtt, bf.keepFFN = f32(D, "kept x (att)"), f32(D, "kept x (ffn)")
	b.logitsDev = f32(c.Vocab, "logits")
	var tokensDev uint64
	if err == nil {
		tokensDev, err = b.alloc(4*T, "tokens")
	}
	if err != nil {
		return err
	}
	b.tokensDev = tokensDev
	if err := b.zero(b.stateDev, 4*b.nState); err != nil {
		return err
	}

	// The argument structs of the per-layer kernels.
	stateOff := 0
	perLayer := b.nState / max(c.Layers, 1)
	layers := make([]layerArgs, c.Layers)
	ups := func(i int) [4]*runtime.Matrix {
		l := &m.Blocks[i]
		u := [4]*runtime.Matrix{l.W2, l.A2, l.G2, l.V2}
		if i == 0 {
			u[3] = nil // layer 0 has no value residual
		}
		return u
	}
	for i := range layers {
		l := &m.Blocks[i]
		base := b.stateDev + 4*uint64(stateOff)
		la := layerArgs{
			LN1W: b.vecPtr(l.LN1W), LN1B: b.vecPtr(l.LN1B), LN2W: b.vecPtr(l.LN2W), LN2B: b.vecPtr(l.LN2B),
			Mix: [6]uint64{b.vecPtr(l.XR), b.vecPtr(l.XW), b.vecPtr(l.XK), b.vecPtr(l.XV), b.vecPtr(l.XA), b.vecPtr(l.XG)},
			KKW: b.vecPtr(l.KK), KA: b.vecPtr(l.KA), RK: b.vecPtr(l.RK), LNXW: b.vecPtr(l.LNXW), LNXB: b.vecPtr(l.LNXB),
			FFNXK:   b.vecPtr(l.FFNXK),
			AttPrev: base, WKV: base + 4*uint64(D), FFNPrev: base + 4*uint64(perLayer-D),
			X: bf.x, R: bf.r, W: bf.w, K: bf.k, V: bf.v, A: bf.a, G: bf.g, VFirst: bf.vFirst,
			Y: bf.y.f, YQ: bf.y.q, YD: bf.y.d, FX: bf.fx.f, FXQ: bf.fx.q, FXD: bf.fx.d,
			D: int64(D), H: int64(c.Heads), Eps: float64(c.NormEps), GEps: float64(c.GNormEps),
			W0: b.vecPtr(l.W0), A0: b.vecPtr(l.A0), V0: b.vecPtr(l.V0), Keep: bf.keepAtt,
		}
		for j := range bf.mix {
			la.XM[j], la.XMQ[j], la.XMD[j] = bf.mix[j].f, bf.mix[j].q, bf.mix[j].d
		}
		hidden := [4]q8buf{bf.lw, bf.la, bf.lg, bf.lv}
		for j, mat := range ups(i) {
			if mat == nil || b.splitLoRA() {
				continue
			}
			la.Up[j], la.UpIn[j] = b.weights[mat], hidden[j].f
			la.UpType[j], la.UpCols[j], la.UpRowBytes[j] = b.devType[mat], int64(mat.Cols), b.devRow[mat]
		}
		layers[i] = la
		stateOff += perLayer
	}
	argSize := uint64(unsafe.Sizeof(layerArgs{}))
	layersDev, err := b.alloc(int(argSize)*len(layers), "layer args")
	if err != nil {
		return err
	}
	if err := b.upload(layersDev, unsafe.Pointer(unsafe.SliceData(layers)), int(argSize)*len(layers), "layer args"); err != nil {
		return err
	}
	top := topArgs{
		Emb: b.weights[m.Emb], LN0W: b.vecPtr(m.LN0W), LN0B: b.vecPtr(m.LN0B),
		LNOutW: b.vecPtr(m.LNOutW), LNOutB: b.vecPtr(m.LNOutB),
		Tokens: tokensDev, X: bf.x, XO: bf.xo.f, XOQ: bf.xo.q, XOD: bf.xo.d,
		EmbType: int64(m.Emb.Type), EmbRowBytes: int64(m.Emb.RowBytes), D: int64(D), Eps: float64(c.NormEps),
	}
	topDev, err := b.alloc(int(unsafe.Sizeof(top)), "top args")
	if err != nil {
		return err
	}
	if err := b.upload(topDev, unsafe.Pointer(&top), int(unsafe.Sizeof(top)), "top args"); err != nil {
		return err
	}

	// Pinned host memory: every launch's parameters, the token ids in, the
	// logits out. Parameters live outside the Go heap, so handing their
	// addresses to the driver breaks no pointer rule.
	// Prefill: at most 14 steps a layer (4 of them optional quantizations)
	// and 6 more; decode: at most 6 a layer and 4 more. Each step takes two
	// pieces of 64 bytes (values and pointers, ≤ maxParams).
	nSteps := 14*c.Layers + 6 + 6*c.Layers + 4
	b.pinnedSize = 64 + nSteps*2*64 + (4*T+63)&^63 + (4*c.Vocab+63)&^63
	if err := b.d.check("cuMemAllocHost", b.d.call(b.d.cuMemAllocHost, uintptr(unsafe.Pointer(&b.pinned)), uintptr(b.pinnedSize))); err != nil {
		return err
	}
	pin := &pinnedArena{base: b.pinned, size: b.pinnedSize}
	b.tSlot = (*uint64)(pin.take(8))
	b.tokensHost = unsafe.Slice((*int32)(pin.take(4*T)), T)
	b.logits = unsafe.Slice((*float32)(pin.take(4*c.Vocab)), c.Vocab)

	if err := b.buildPrefill(&bf, pin, layersDev, topDev); err != nil {
		return err
	}
	if !b.opt.Unfused {
		if err := b.buildDecode(&bf, pin, layersDev, topDev); err != nil {
			return err
		}
	}
	return pin.err
}

// input is where a product reads its vector(s): as floats (F16/F32
// weights) or as Q8 blocks (Q8_0/Q4_0 weights); stride is per token.
type input struct {
	f, q, d uint64
	stride  int
}

// in is a buffer as a product's input.
func in(buf q8buf) input { return input{buf.f, buf.q, buf.d, buf.n} }

// job describes out = mat·in for the product kernels.
func (b *Backend) job(mat *runtime.Matrix, in input, out uint64, outStride, epi int, p0, p1 uint64) matJob {
	return matJob{
		W: b.weights[mat], X: in.f, XQ: in.q, XD: in.d, Out: out, P0: p0, P1: p1,
		Type: b.devType[mat], Rows: int64(mat.Rows), Cols: int64(mat.Cols), RowBytes: b.devRow[mat],
		XS: int64(in.stride), OS: int64(outStride), Epi: int64(epi),
	}
}
