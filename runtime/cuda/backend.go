//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"sync"
	"unsafe"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/cuda/kernels"
)

// Options choose the device and how the weights reach it.
type Options struct {
	// Device is the GPU's ordinal (0 = the first).
	Device int
	// Mapped forces the weights to be used in place from the memory map
	// through registered, mapped host memory, as on integrated GPUs (Jetson),
	// where it is the default. On a discrete GPU every product then reads
	// the weights across PCIe: slow, but the way to test that path.
	Mapped bool
	// Chunk is the most prompt tokens one Prefill launch runs (0 = 128).
	Chunk int
	// NoGraph runs a token step as separate launches instead of replaying
	// a captured CUDA graph.
	NoGraph bool
}

// DefaultChunk is the prefill chunk when Options.Chunk is 0.
const DefaultChunk = 128

// Backend runs the model on one GPU. It implements runtime.Backend: the
// state lives in device memory between calls, and a token costs one copy
// in (the token id) and one copy out (the logits). A Backend is safe for
// use by one goroutine at a time; calls are serialised.
type Backend struct {
	m    *runtime.Model
	d    *driver
	info Info
	opt  Options

	mu      sync.Mutex
	ctx     uintptr // the device's primary context
	stream  uintptr
	modules []uintptr
	fn      map[string]uintptr

	mapped     bool
	registered uintptr   // host address registered with cuMemHostRegister
	devAllocs  []uintptr // every cuMemAlloc, freed by Close
	weights    map[*runtime.Matrix]uint64
	small      uint64 // device copy of the vectors
	smallOff   map[*float32]int

	pinned     uintptr // one cuMemAllocHost block: parameters, tokens, logits
	pinnedSize int
	tSlot      *uint64 // the T parameter every step shares
	tokensHost []int32
	logits     []float32 // pinned: the logits of the last step
	tokensDev  uint64
	logitsDev  uint64
	stateDev   uint64
	nState     int

	steps     []step
	graph     uintptr
	graphExec uintptr
	graphErr  error

	bound       *runtime.State // the state the device copy belongs to
	boundTokens int64
}

var _ runtime.Backend = (*Backend)(nil)

// Open prepares the model on the GPU: it loads the kernels, places the
// weights (in place on integrated GPUs or with Options.Mapped, else one copy
// in device memory), allocates the state and the buffers, and records the
// token step. The model must stay open until the Backend is closed.
func Open(m *runtime.Model, opt Options) (*Backend, error) {
	if opt.Chunk <= 0 {
		opt.Chunk = DefaultChunk
	}
	if err := checkShape(m); err != nil {
		return nil, err
	}
	d, err := loadDriver()
	if err != nil {
		return nil, err
	}
	info, err := probe(d, opt.Device)
	if err != nil {
		return nil, err
	}
	b := &Backend{m: m, d: d, info: info, opt: opt, fn: map[string]uintptr{},
		weights: map[*runtime.Matrix]uint64{}, smallOff: map[*float32]int{}}
	b.mapped = opt.Mapped || info.Integrated
	if b.mapped && !info.CanMapHost {
		return nil, fmt.Errorf("cuda: %s cannot map host memory; run without --cuda-mapped", info.Name)
	}

	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	var dev int32
	if err := d.check("cuDeviceGet", d.call(d.cuDeviceGet, uintptr(unsafe.Pointer(&dev)), uintptr(opt.Device))); err != nil {
		return nil, err
	}
	if err := d.check("cuDevicePrimaryCtxRetain", d.call(d.cuDevicePrimaryCtxRetain, uintptr(unsafe.Pointer(&b.ctx)), uintptr(dev))); err != nil {
		return nil, err
	}
	b.info.dev = dev
	if err := b.setUp(); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// setUp does the device work of Open; on error the caller releases what it
// got.
func (b *Backend) setUp() error {
	d, opt := b.d, b.opt
	if err := b.current(); err != nil {
		return err
	}
	if err := b.loadModules(); err != nil {
		return err
	}
	// A blocking stream: it waits for the synchronous copies (weights, state
	// uploads) that the driver runs on the legacy default stream.
	const streamDefault = 0
	if err := d.check("cuStreamCreate", d.call(d.cuStreamCreate, uintptr(unsafe.Pointer(&b.stream)), streamDefault)); err != nil {
		return err
	}
	if err := b.placeWeights(); err != nil {
		return err
	}
	if err := b.placeVectors(); err != nil {
		return err
	}
	if err := b.build(); err != nil {
		return err
	}
	if !opt.NoGraph && d.hasGraphs() && os.Getenv("GOSLING_CUDA_GRAPH") != "0" {
		b.capture()
	}
	return nil
}

// checkShape refuses models the kernels were not written for, before any
// device work.
func checkShape(m *runtime.Model) error {
	switch {
	case m.HeadSize != 64:
		return fmt.Errorf("cuda: head size %d: the WKV kernel is written for 64", m.HeadSize)
	case m.Embd > kernels.MaxEmbd:
		return fmt.Errorf("cuda: width %d: the kernels take at most %d", m.Embd, kernels.MaxEmbd)
	}
	for _, mat := range matrices(m) {
		switch mat.Type {
		case quant.TypeQ8_0, quant.TypeQ4_0:
			if mat.Cols%32 != 0 {
				return fmt.Errorf("cuda: tensor %s: %d columns is not a multiple of 32", mat.Name, mat.Cols)
			}
		case quant.TypeF16, quant.TypeF32:
			if mat.Cols%8 != 0 {
				return fmt.Errorf("cuda: tensor %s: %d columns is not a multiple of 8", mat.Name, mat.Cols)
			}
		default:
			return fmt.Errorf("cuda: tensor %s: type %s is not supported", mat.Name, mat.Type)
		}
	}
	return nil
}

// matrices lists every weight matrix of the model.
func matrices(m *runtime.Model) []*runtime.Matrix {
	out := []*runtime.Matrix{m.Emb, m.Head}
	for i := range m.Blocks {
		l := &m.Blocks[i]
		for _, mat := range []*runtime.Matrix{l.W1, l.W2, l.A1, l.A2, l.V1, l.V2, l.G1, l.G2, l.WR, l.WK, l.WV, l.WO, l.FFNK, l.FFNV} {
			if mat != nil {
				out = append(out, mat)
			}
		}
	}
	return out
}

// current makes the context current on this OS thread. Callers hold the
// thread with LockOSThread for as long as they use the driver.
func (b *Backend) current() error {
	return b.d.check("cuCtxSetCurrent", b.d.call(b.d.cuCtxSetCurrent, b.ctx))
}

// enter serialises a call and pins it to one OS thread with the context
// current; the returned function undoes both.
func (b *Backend) enter() (func(), error) {
	b.mu.Lock()
	goruntime.LockOSThread()
	leave := func() {
		goruntime.UnlockOSThread()
		b.mu.Unlock()
	}
	if b.ctx == 0 {
		leave()
		return nil, errors.New("cuda: backend is closed")
	}
	if err := b.current(); err != nil {
		leave()
		return nil, err
	}
	return leave, nil
}

func (b *Backend) loadModules() error {
	d := b.d
	for _, mod := range kernels.Modules() {
		const (
			jitErrorLogBuffer     = 5
			jitErrorLogBufferSize = 6
		)
		logBuf := make([]byte, 8192)
		opts := [2]uint32{jitErrorLogBuffer, jitErrorLogBufferSize} // CUjit_option is a C enum
		vals := [2]uintptr{uintptr(unsafe.Pointer(&logBuf[0])), uintptr(len(logBuf))}
		var h uintptr
		res := d.call(d.cuModuleLoadDataEx, uintptr(unsafe.Pointer(&h)), uintptr(unsafe.Pointer(&mod.PTX[0])),
			2, uintptr(unsafe.Pointer(&opts[0])), uintptr(unsafe.Pointer(&vals[0])))
		goruntime.KeepAlive(logBuf)
		if err := d.check("cuModuleLoadDataEx("+mod.Name+")", res); err != nil {
			if n := cStringLen(logBuf); n > 0 {
				return fmt.Errorf("%w; JIT log: %s", err, logBuf[:n])
			}
			return err
		}
		b.modules = append(b.modules, h)
		for _, e := range mod.Entries {
			name := append([]byte(e), 0)
			var f uintptr
			if err := d.check("cuModuleGetFunction("+e+")", d.call(d.cuModuleGetFunction, uintptr(unsafe.Pointer(&f)), h, uintptr(unsafe.Pointer(&name[0])))); err != nil {
				return err
			}
			b.fn[e] = f
		}
	}
	return nil
}

func cStringLen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// alloc returns n bytes of device memory (at least 256-byte aligned).
func (b *Backend) alloc(n int, what string) (uint64, error) {
	if n <= 0 {
		n = 256
	}
	var p uintptr
	if err := b.d.check("cuMemAlloc("+what+")", b.d.call(b.d.cuMemAlloc, uintptr(unsafe.Pointer(&p)), uintptr(n))); err != nil {
		return 0, err
	}
	b.devAllocs = append(b.devAllocs, p)
	return uint64(p), nil
}

// upload copies host bytes to the device (synchronously).
func (b *Backend) upload(dst uint64, src unsafe.Pointer, n int, what string) error {
	if n == 0 {
		return nil
	}
	return b.d.check("cuMemcpyHtoD("+what+")", b.d.call(b.d.cuMemcpyHtoD, uintptr(dst), uintptr(src), uintptr(n)))
}

func (b *Backend) zero(dst uint64, n int) error {
	return b.d.check("cuMemsetD8", b.d.call(b.d.cuMemsetD8, uintptr(dst), 0, uintptr(n)))
}

// placeWeights gives every matrix a device address: in place through the
// registered mapping, or in one device-memory copy.
func (b *Backend) placeWeights() error {
	mats := matrices(b.m)
	if b.mapped {
		return b.mapWeights(mats)
	}
	total := 0
	for _, mat := range mats {
		total += (mat.Bytes() + 255) &^ 255
	}
	base, err := b.alloc(total, "weights")
	if err != nil {
		return err
	}
	off := uint64(0)
	for _, mat := range mats {
		data := mat.Data()
		if err := b.upload(base+off, unsafe.Pointer(unsafe.SliceData(data)), len(data), mat.Name); err != nil {
			return err
		}
		b.weights[mat] = base + off
		off += uint64((len(data) + 255) &^ 255)
	}
	return nil
}

// mapWeights registers the page range that holds every matrix with the
// driver, read-only where the device supports it, and uses the device
// address of the mapping: the model's bytes are read where they lie.
func (b *Backend) mapWeights(mats []*runtime.Matrix) error {
	lo, hi := ^uintptr(0), uintptr(0)
	for _, mat := range mats {
		data := mat.Data()
		p := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		lo, hi = min(lo, p), max(hi, p+uintptr(len(data)))
		if (mat.Type == quant.TypeF16 || mat.Type == quant.TypeF32) && p%16 != 0 {
			return fmt.Errorf("cuda: tensor %s is not 16-byte aligned in the file (general.alignment); use device memory", mat.Name)
		}
	}
	page := uintptr(os.Getpagesize())
	lo &^= page - 1
	hi = (hi + page - 1) &^ (page - 1)
	flags := uintptr(hostRegisterDeviceMap)
	if b.info.ReadOnlyRegister {
		flags |= hostRegisterReadOnly
	}
	d := b.d
	if err := d.check("cuMemHostRegister", d.call(d.cuMemHostRegister, lo, hi-lo, flags)); err != nil {
		return fmt.Errorf("%w (registering the %d MB of the model's mapping)", err, (hi-lo)>>20)
	}
	b.registered = lo
	var dev uintptr
	if err := d.check("cuMemHostGetDevicePointer", d.call(d.cuMemHostGetDevicePointer, uintptr(unsafe.Pointer(&dev)), lo, 0)); err != nil {
		return err
	}
	for _, mat := range mats {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(mat.Data())))
		b.weights[mat] = uint64(dev + (p - lo))
	}
	return nil
}

// placeVectors copies every per-channel vector of the model (a few kB per
// layer) into one device buffer, each 256-byte aligned.
func (b *Backend) placeVectors() error {
	var host []float32
	add := func(v []float32) {
		if v == nil {
			return
		}
		key := unsafe.SliceData(v)
		if _, ok := b.smallOff[key]; ok {
			return
		}
		b.smallOff[key] = len(host)
		host = append(host, v...)
		for len(host)%64 != 0 {
			host = append(host, 0)
		}
	}
	m := b.m
	add(m.LN0W)
	add(m.LN0B)
	add(m.LNOutW)
	add(m.LNOutB)
	for i := range m.Blocks {
		l := &m.Blocks[i]
		for _, v := range [][]float32{l.LN1W, l.LN1B, l.LN2W, l.LN2B, l.XR, l.XW, l.XK, l.XV, l.XA, l.XG,
			l.W0, l.A0, l.V0, l.KK, l.KA, l.RK, l.LNXW, l.LNXB, l.FFNXK} {
			add(v)
		}
	}
	p, err := b.alloc(4*len(host), "vectors")
	if err != nil {
		return err
	}
	b.small = p
	return b.upload(p, unsafe.Pointer(unsafe.SliceData(host)), 4*len(host), "vectors")
}

// vecPtr is the device address of a model vector (0 for nil).
func (b *Backend) vecPtr(v []float32) uint64 {
	if v == nil {
		return 0
	}
	return b.small + 4*uint64(b.smallOff[unsafe.SliceData(v)])
}

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

// build allocates the state and the activation buffers, uploads the kernel
// argument structs and records the steps of one forward pass.
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
	x := f32(T*D, "x")
	var mix [6]q8buf
	for i := range mix {
		mix[i] = q8(D, "token shift")
	}
	r, w, k, v := f32(T*D, "r"), f32(T*D, "w"), f32(T*D, "k"), f32(T*D, "v")
	a, g, vFirst := f32(T*D, "a"), f32(T*D, "g"), f32(T*D, "v_first")
	y := q8(D, "y")
	fx := q8(D, "ffn input")
	hid := q8(c.FFN, "ffn hidden")
	lw, la, lg := q8(c.RankW, "lora w"), q8(c.RankA, "lora a"), q8(c.RankG, "lora g")
	lv := q8(max(c.RankV, 32), "lora v")
	xo := q8(D, "output norm")
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
	for i := range layers {
		l := &m.Blocks[i]
		base := b.stateDev + 4*uint64(stateOff)
		la := layerArgs{
			LN1W: b.vecPtr(l.LN1W), LN1B: b.vecPtr(l.LN1B), LN2W: b.vecPtr(l.LN2W), LN2B: b.vecPtr(l.LN2B),
			Mix: [6]uint64{b.vecPtr(l.XR), b.vecPtr(l.XW), b.vecPtr(l.XK), b.vecPtr(l.XV), b.vecPtr(l.XA), b.vecPtr(l.XG)},
			KKW: b.vecPtr(l.KK), KA: b.vecPtr(l.KA), RK: b.vecPtr(l.RK), LNXW: b.vecPtr(l.LNXW), LNXB: b.vecPtr(l.LNXB),
			FFNXK:   b.vecPtr(l.FFNXK),
			AttPrev: base, WKV: base + 4*uint64(D), FFNPrev: base + 4*uint64(perLayer-D),
			X: x, R: r, W: w, K: k, V: v, A: a, G: g, VFirst: vFirst,
			Y: y.f, YQ: y.q, YD: y.d, FX: fx.f, FXQ: fx.q, FXD: fx.d,
			D: int64(D), H: int64(c.Heads), Eps: float64(c.NormEps), GEps: float64(c.GNormEps),
		}
		for j := range mix {
			la.XM[j], la.XMQ[j], la.XMD[j] = mix[j].f, mix[j].q, mix[j].d
		}
		layers[i] = la
		stateOff += perLayer
	}
	layersDev, err := b.alloc(int(unsafe.Sizeof(layerArgs{}))*len(layers), "layer args")
	if err != nil {
		return err
	}
	if err := b.upload(layersDev, unsafe.Pointer(unsafe.SliceData(layers)), int(unsafe.Sizeof(layerArgs{}))*len(layers), "layer args"); err != nil {
		return err
	}
	top := topArgs{
		Emb: b.weights[m.Emb], LN0W: b.vecPtr(m.LN0W), LN0B: b.vecPtr(m.LN0B),
		LNOutW: b.vecPtr(m.LNOutW), LNOutB: b.vecPtr(m.LNOutB),
		Tokens: tokensDev, X: x, XO: xo.f, XOQ: xo.q, XOD: xo.d,
		EmbType: int64(m.Emb.Type), EmbRowBytes: int64(m.Emb.RowBytes), D: int64(D), Eps: float64(c.NormEps),
	}
	topDev, err := b.alloc(int(unsafe.Sizeof(top)), "top args")
	if err != nil {
		return err
	}
	if err := b.upload(topDev, unsafe.Pointer(&top), int(unsafe.Sizeof(top)), "top args"); err != nil {
		return err
	}

	// The products, batched per stage; each list goes to the device once.
	in := func(buf q8buf) input { return input{buf.f, buf.q, buf.d, buf.n} }
	xm := func(i int) input { return in(mix[i]) }
	type stage struct {
		jobs   []matJob
		blocks int
	}
	var stages [][]stage // per layer
	var pending []matJob // every job list, concatenated for one upload
	for i := range m.Blocks {
		l := &m.Blocks[i]
		A := []matJob{
			b.job(l.WR, xm(0), r, D, epiStore, 0, 0),
			b.job(l.WK, xm(2), k, D, epiStore, 0, 0),
			b.job(l.WV, xm(3), v, D, epiStore, 0, 0),
			b.job(l.W1, xm(1), lw.f, c.RankW, epiTanh, 0, 0),
			b.job(l.A1, xm(4), la.f, c.RankA, epiStore, 0, 0),
			b.job(l.G1, xm(5), lg.f, c.RankG, epiSigmoid, 0, 0),
		}
		B := []matJob{
			b.job(l.W2, in(lw), w, D, epiDecay, b.vecPtr(l.W0), 0),
			b.job(l.A2, in(la), a, D, epiSigmoidBias, b.vecPtr(l.A0), 0),
			b.job(l.G2, in(lg), g, D, epiStore, 0, 0),
		}
		if i > 0 {
			A = append(A, b.job(l.V1, xm(3), lv.f, c.RankV, epiStore, 0, 0))
			B = append(B, b.job(l.V2, in(lv), v, D, epiVMix, b.vecPtr(l.V0), vFirst))
		}
		st := []stage{
			{jobs: A}, {jobs: B},
			{jobs: []matJob{b.job(l.WO, in(y), x, D, epiAdd, 0, 0)}},
			{jobs: []matJob{b.job(l.FFNK, in(fx), hid.f, c.FFN, epiReLU2, 0, 0)}},
			{jobs: []matJob{b.job(l.FFNV, in(hid), x, D, epiAdd, 0, 0)}},
		}
		for s := range st {
			st[s].blocks = layoutJobs(st[s].jobs)
			pending = append(pending, st[s].jobs...)
		}
		stages = append(stages, st)
	}
	headJobs := []matJob{b.job(m.Head, in(xo), b.logitsDev, c.Vocab, epiStore, 0, 0)}
	headBlocks := layoutJobs(headJobs)
	pending = append(pending, headJobs...)
	jobSize := int(unsafe.Sizeof(matJob{}))
	jobsDev, err := b.alloc(jobSize*len(pending), "product lists")
	if err != nil {
		return err
	}
	if err := b.upload(jobsDev, unsafe.Pointer(unsafe.SliceData(pending)), jobSize*len(pending), "product lists"); err != nil {
		return err
	}

	// Pinned host memory: every launch's parameters, the token ids in, the
	// logits out. Parameters live outside the Go heap, so handing their
	// addresses to the driver breaks no pointer rule.
	// At most 14 steps a layer (4 of them optional quantizations), 6 more;
	// each takes two pieces of 64 bytes (values and pointers, ≤ maxParams).
	nSteps := 14*c.Layers + 6
	b.pinnedSize = 64 + nSteps*2*64 + (4*T+63)&^63 + (4*c.Vocab+63)&^63
	if err := b.d.check("cuMemAllocHost", b.d.call(b.d.cuMemAllocHost, uintptr(unsafe.Pointer(&b.pinned)), uintptr(b.pinnedSize))); err != nil {
		return err
	}
	pin := pinnedArena{base: b.pinned, size: b.pinnedSize}
	b.tSlot = (*uint64)(pin.take(8))
	b.tokensHost = unsafe.Slice((*int32)(pin.take(4*T)), T)
	b.logits = unsafe.Slice((*float32)(pin.take(4*c.Vocab)), c.Vocab)

	// The steps of one pass, in order.
	perToken := func(T int) uint32 { return uint32(T) }
	one := func(int) uint32 { return 1 }
	heads := func(int) uint32 { return uint32(c.Heads) }
	products := func(jobs uint64, n, blocks int) step {
		return step{kind: stepLaunch, fn: b.fn[kernels.MatVec1], fnMany: b.fn[kernels.MatVec8], threads: kernels.BlockThreads,
			grid: func(T int) uint32 {
				if T == 1 {
					return uint32(blocks)
				}
				return uint32(blocks * ((T + kernels.TokensPerPass - 1) / kernels.TokensPerPass))
			},
			params: pin.params(b.tSlot, jobs, uint64(n), tParam), name: "products"}
	}
	quantize := func(buf q8buf) step {
		bpt := buf.n / 32
		return step{kind: stepLaunch, fn: b.fn[kernels.QuantizeQ8], threads: 256,
			grid:   func(T int) uint32 { return uint32((bpt*T + 7) / 8) },
			params: pin.params(b.tSlot, buf.f, buf.q, buf.d, uint64(bpt), tParam), name: "quantize"}
	}
	b.steps = append(b.steps, step{kind: stepTokensIn, name: "token ids in"},
		step{kind: stepLaunch, fn: b.fn[kernels.Embed], threads: kernels.NormThreads, grid: perToken,
			params: pin.params(b.tSlot, topDev), name: "embed"})
	jobAt := jobsDev
	argSize := uint64(unsafe.Sizeof(layerArgs{}))
	for i := range m.Blocks {
		l := &m.Blocks[i]
		L := layersDev + uint64(i)*argSize
		st := stages[i]
		first := uint64(0)
		if i == 0 {
			first = 1
		}
		prod := func(s int) step {
			p := products(jobAt, len(st[s].jobs), st[s].blocks)
			jobAt += uint64(jobSize * len(st[s].jobs))
			return p
		}
		b.steps = append(b.steps, step{kind: stepLaunch, fn: b.fn[kernels.AttShift], threads: kernels.NormThreads, grid: perToken,
			params: pin.params(b.tSlot, L, tParam), name: "att_shift"})
		b.steps = append(b.steps, prod(0))
		for _, q := range []struct {
			mat *runtime.Matrix
			buf q8buf
		}{{l.W2, lw}, {l.A2, la}, {l.G2, lg}, {l.V2, lv}} {
			if q.mat != nil && q.mat.Quantized() {
				b.steps = append(b.steps, quantize(q.buf))
			}
		}
		b.steps = append(b.steps, prod(1))
		b.steps = append(b.steps, step{kind: stepLaunch, fn: b.fn[kernels.WKV7], threads: 64, grid: heads,
			params: pin.params(b.tSlot, L, tParam, first), name: "wkv7"})
		b.steps = append(b.steps, prod(2))
		b.steps = append(b.steps, step{kind: stepLaunch, fn: b.fn[kernels.FFNShift], threads: kernels.NormThreads, grid: perToken,
			params: pin.params(b.tSlot, L, tParam), name: "ffn_shift"})
		b.steps = append(b.steps, prod(3))
		if l.FFNV.Quantized() {
			b.steps = append(b.steps, quantize(hid))
		}
		b.steps = append(b.steps, prod(4))
	}
	b.steps = append(b.steps,
		step{kind: stepLaunch, fn: b.fn[kernels.OutNorm], threads: kernels.NormThreads, grid: one,
			params: pin.params(b.tSlot, topDev, tParam), name: "out_norm"},
		step{kind: stepLaunch, fn: b.fn[kernels.MatVec1], threads: kernels.BlockThreads,
			grid:   func(int) uint32 { return uint32(headBlocks) },
			params: pin.params(b.tSlot, jobAt, uint64(len(headJobs)), 1), name: "head"},
		step{kind: stepLogitsOut, name: "logits out"})
	if pin.err != nil {
		return pin.err
	}
	return nil
}

// input is where a product reads its vector(s): as floats (F16/F32
// weights) or as Q8 blocks (Q8_0/Q4_0 weights); stride is per token.
type input struct {
	f, q, d uint64
	stride  int
}

// job describes out = mat·in for the product kernels.
func (b *Backend) job(mat *runtime.Matrix, in input, out uint64, outStride, epi int, p0, p1 uint64) matJob {
	return matJob{
		W: b.weights[mat], X: in.f, XQ: in.q, XD: in.d, Out: out, P0: p0, P1: p1,
		Type: int64(mat.Type), Rows: int64(mat.Rows), Cols: int64(mat.Cols), RowBytes: int64(mat.RowBytes),
		XS: int64(in.stride), OS: int64(outStride), Epi: int64(epi),
	}
}

// layoutJobs numbers the thread blocks of a batch and returns their count.
func layoutJobs(jobs []matJob) int {
	n := 0
	for i := range jobs {
		jobs[i].BlockStart = int64(n)
		n += (int(jobs[i].Rows) + kernels.RowsPerBlock - 1) / kernels.RowsPerBlock
	}
	return n
}

// maxParams is the most parameters a kernel takes (8 × 8 bytes: one
// 64-byte piece of the pinned block).
const maxParams = 8

// tParam marks the parameter that is the token count T.
const tParam = ^uint64(0)

// pinnedArena hands out pieces of the pinned host block.
type pinnedArena struct {
	base uintptr
	size int
	used int
	err  error
}

func (p *pinnedArena) take(n int) unsafe.Pointer {
	n = (n + 63) &^ 63
	if p.used+n > p.size {
		p.err = errors.New("cuda: internal error: pinned parameter block too small")
		p.used = 0 // keep handing out valid memory; the error stops Open
	}
	q := unsafe.Add(unsafe.Pointer(nil), p.base+uintptr(p.used))
	p.used += n
	return q
}

// params stores a kernel's parameter values and the void*[] array that
// cuLaunchKernel reads. tParam stands for the shared T slot. Integer
// parameters are read as 32-bit ints: the low half of the 8-byte slot.
func (p *pinnedArena) params(tSlot *uint64, vals ...uint64) uintptr {
	if len(vals) > maxParams {
		p.err = errors.New("cuda: internal error: too many kernel parameters")
		vals = vals[:maxParams]
	}
	slots := unsafe.Slice((*uint64)(p.take(8*len(vals))), len(vals))
	ptrs := unsafe.Slice((*uintptr)(p.take(8*len(vals))), len(vals))
	for i, v := range vals {
		if v == tParam {
			ptrs[i] = uintptr(unsafe.Pointer(tSlot))
			continue
		}
		slots[i] = v
		ptrs[i] = uintptr(unsafe.Pointer(&slots[i]))
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(ptrs)))
}
