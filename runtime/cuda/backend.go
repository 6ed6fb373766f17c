//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"math/bits"
	"os"
	goruntime "runtime"
	"strconv"
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
	// Unfused decodes with the prefill kernels (about nine launches a
	// layer, the input preparation in single-block kernels) instead of the
	// fused decode kernels: for comparison. GOSLING_CUDA_FUSED=0 sets it.
	Unfused bool
	// SplitLoRA runs the LoRA second stages of decode as a product launch
	// of their own (many thread blocks) before the time-mix kernel, instead
	// of inside it (one block a head). Only for float-type LoRA matrices.
	// GOSLING_CUDA_SPLIT_LORA=1 sets it.
	SplitLoRA bool
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
	devType    map[*runtime.Matrix]int64 // TYPE_* of the device copy (repacked in device memory)
	devRow     map[*runtime.Matrix]int64 // its row stride in bytes
	small      uint64                    // device copy of the vectors
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

	steps     []step // one pass over T tokens with the prefill kernels
	decode    []step // one token with the fused decode kernels (nil: Unfused)
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
	if os.Getenv("GOSLING_CUDA_FUSED") == "0" {
		opt.Unfused = true
	}
	if os.Getenv("GOSLING_CUDA_SPLIT_LORA") == "1" {
		opt.SplitLoRA = true
	}
	b := &Backend{m: m, d: d, info: info, opt: opt, fn: map[string]uintptr{},
		weights: map[*runtime.Matrix]uint64{}, devType: map[*runtime.Matrix]int64{}, devRow: map[*runtime.Matrix]int64{},
		smallOff: map[*float32]int{}}
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
	case m.FFN%32 != 0:
		return fmt.Errorf("cuda: FFN width %d is not a multiple of 32", m.FFN)
	}
	for i := range m.Blocks {
		l := &m.Blocks[i]
		for _, mat := range []*runtime.Matrix{l.W2, l.A2, l.G2, l.V2} {
			if mat != nil && mat.Cols > kernels.MaxRank {
				return fmt.Errorf("cuda: tensor %s: LoRA rank %d, the decode kernel takes at most %d", mat.Name, mat.Cols, kernels.MaxRank)
			}
		}
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
// registered mapping, or in one device-memory copy. In the copy the Q8_0
// and Q4_0 matrices of the products are repacked (packQuant) so that the
// kernels read them 16 bytes at a time.
func (b *Backend) placeWeights() error {
	mats := matrices(b.m)
	for _, mat := range mats {
		b.devType[mat], b.devRow[mat] = int64(mat.Type), int64(mat.RowBytes)
	}
	if b.mapped {
		return b.mapWeights(mats)
	}
	pack := b.packed()
	total := 0
	for _, mat := range mats {
		total += (mat.Bytes() + 255) &^ 255
	}
	base, err := b.alloc(total, "weights")
	if err != nil {
		return err
	}
	off := uint64(0)
	var buf []byte
	for _, mat := range mats {
		if _, done := b.weights[mat]; done {
			continue
		}
		data := mat.Data()
		if pack[mat] {
			buf = packQuant(buf, mat)
			data = buf
			b.devType[mat], b.devRow[mat] = packedType(mat.Type), int64(packedRowBytes(mat))
		}
		if err := b.upload(base+off, unsafe.Pointer(unsafe.SliceData(data)), len(data), mat.Name); err != nil {
			return err
		}
		b.weights[mat] = base + off
		off += uint64((len(data) + 255) &^ 255)
	}
	return nil
}

// packed is the set of matrices repacked in device memory: the quantized
// ones the product kernels read. The embedding (read a row at a time by
// the embed kernel) and the LoRA second stages (read by the time-mix
// kernel) keep the file layout.
func (b *Backend) packed() map[*runtime.Matrix]bool {
	keep := map[*runtime.Matrix]bool{b.m.Emb: true}
	for i := range b.m.Blocks {
		l := &b.m.Blocks[i]
		for _, mat := range []*runtime.Matrix{l.W2, l.A2, l.G2, l.V2} {
			keep[mat] = true
		}
	}
	pack := map[*runtime.Matrix]bool{}
	for _, mat := range matrices(b.m) {
		if mat.Quantized() && !keep[mat] {
			pack[mat] = true
		}
	}
	return pack
}

func packedType(t quant.Type) int64 {
	if t == quant.TypeQ4_0 {
		return typeQ4_0Packed
	}
	return typeQ8_0Packed
}

// packedRowBytes is the quant bytes of one row of the repacked matrix.
func packedRowBytes(mat *runtime.Matrix) int {
	if mat.Type == quant.TypeQ4_0 {
		return mat.Cols / 2
	}
	return mat.Cols
}

// packQuant writes a Q8_0 or Q4_0 matrix as TYPE_Q8_0P/TYPE_Q4_0P (see
// common.cuh): every row's quants (the blocks' bytes after their scale, in
// order), then every block's fp16 scale, row after row. Same size as the
// file's layout. dst is reused when large enough.
func packQuant(dst []byte, mat *runtime.Matrix) []byte {
	src := mat.Data()
	blockBytes := mat.Type.BlockBytes()
	quantBytes := blockBytes - 2
	nb := mat.Cols / quant.QK
	qRow := nb * quantBytes
	if cap(dst) < len(src) {
		dst = make([]byte, len(src))
	}
	dst = dst[:len(src)]
	scales := dst[mat.Rows*qRow:]
	parallelRows(mat.Rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := src[r*mat.RowBytes : (r+1)*mat.RowBytes]
			q := dst[r*qRow : (r+1)*qRow]
			sc := scales[2*r*nb : 2*(r+1)*nb]
			for k := 0; k < nb; k++ {
				blk := row[k*blockBytes : (k+1)*blockBytes]
				sc[2*k], sc[2*k+1] = blk[0], blk[1]
				copy(q[k*quantBytes:(k+1)*quantBytes], blk[2:])
			}
		}
	})
	return dst
}

// parallelRows runs f over [0, n) split among the CPUs.
func parallelRows(n int, f func(lo, hi int)) {
	workers := min(goruntime.GOMAXPROCS(0), max(n/256, 1))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
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

// in is a buffer as a product's input.
func in(buf q8buf) input { return input{buf.f, buf.q, buf.d, buf.n} }

// buildPrefill records the steps of one pass over T tokens: every layer's
// products batched per stage, the input preparation, quantization and
// recurrence in kernels of their own.
func (b *Backend) buildPrefill(bf *buffers, pin *pinnedArena, layersDev, topDev uint64) error {
	m := b.m
	c := m.Config
	D := c.Embd
	xm := func(i int) input { return in(bf.mix[i]) }
	type stage struct {
		jobs   []matJob
		blocks int
	}
	var stages [][]stage // per layer
	var pending []matJob // every job list, concatenated for one upload
	for i := range m.Blocks {
		l := &m.Blocks[i]
		A := []matJob{
			b.job(l.WR, xm(0), bf.r, D, epiStore, 0, 0),
			b.job(l.WK, xm(2), bf.k, D, epiStore, 0, 0),
			b.job(l.WV, xm(3), bf.v, D, epiStore, 0, 0),
			b.job(l.W1, xm(1), bf.lw.f, c.RankW, epiTanh, 0, 0),
			b.job(l.A1, xm(4), bf.la.f, c.RankA, epiStore, 0, 0),
			b.job(l.G1, xm(5), bf.lg.f, c.RankG, epiSigmoid, 0, 0),
		}
		B := []matJob{
			b.job(l.W2, in(bf.lw), bf.w, D, epiDecay, b.vecPtr(l.W0), 0),
			b.job(l.A2, in(bf.la), bf.a, D, epiSigmoidBias, b.vecPtr(l.A0), 0),
			b.job(l.G2, in(bf.lg), bf.g, D, epiStore, 0, 0),
		}
		if i > 0 {
			A = append(A, b.job(l.V1, xm(3), bf.lv.f, c.RankV, epiStore, 0, 0))
			B = append(B, b.job(l.V2, in(bf.lv), bf.v, D, epiVMix, b.vecPtr(l.V0), bf.vFirst))
		}
		st := []stage{
			{jobs: A}, {jobs: B},
			{jobs: []matJob{b.job(l.WO, in(bf.y), bf.x, D, epiAdd, 0, 0)}},
			{jobs: []matJob{b.job(l.FFNK, in(bf.fx), bf.hid.f, c.FFN, epiReLU2, 0, 0)}},
			{jobs: []matJob{b.job(l.FFNV, in(bf.hid), bf.x, D, epiAdd, 0, 0)}},
		}
		for s := range st {
			st[s].blocks = layoutJobs(st[s].jobs)
			pending = append(pending, st[s].jobs...)
		}
		stages = append(stages, st)
	}
	headJobs := []matJob{b.job(m.Head, in(bf.xo), b.logitsDev, c.Vocab, epiStore, 0, 0)}
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

	// The steps of one pass, in order.
	perToken := func(T int) uint32 { return uint32(T) }
	one := func(int) uint32 { return 1 }
	heads := func(int) uint32 { return uint32(c.Heads) }
	products := func(jobs uint64, n, blocks int) step {
		return step{kind: stepLaunch, fn: b.fn[kernels.MatVec8], threads: kernels.BlockThreads,
			grid: func(T int) uint32 {
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
		}{{l.W2, bf.lw}, {l.A2, bf.la}, {l.G2, bf.lg}, {l.V2, bf.lv}} {
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
			b.steps = append(b.steps, quantize(bf.hid))
		}
		b.steps = append(b.steps, prod(4))
	}
	b.steps = append(b.steps,
		step{kind: stepLaunch, fn: b.fn[kernels.OutNorm], threads: kernels.NormThreads, grid: one,
			params: pin.params(b.tSlot, topDev, tParam), name: "out_norm"},
		step{kind: stepLaunch, fn: b.fn[kernels.MatVec8], threads: kernels.BlockThreads,
			grid:   func(int) uint32 { return uint32(headBlocks) },
			params: pin.params(b.tSlot, jobAt, uint64(len(headJobs)), 1), name: "head"},
		step{kind: stepLogitsOut, name: "logits out"})
	return nil
}

// A decode launch of the product kernels before upload: its jobs, rows
// per warp and arguments (Jobs filled in at upload).
type prodLaunch struct {
	name string
	jobs []matJob
	rpw  int
	args prodArgs
}

// buildDecode records the fused steps of one decode token: the embedding,
// then per layer five kernels —
//
//	att:  ln1 + the six token-shift lerps as prologue; r, k, v and the LoRA first stages
//	tmix: the LoRA second stages, WKV-7, group norm, bonus, gate (one block a head)
//	out:  x += Wo·y
//	ffnk: ln2 + lerp as prologue; relu(Wk·x)², stored as float and Q8
//	ffnv: x += Wv·hidden
//
// — and the head with ln_out as prologue. No kernel runs in a single block,
// and the inputs of the products are prepared by every block that reads
// them (in shared memory) instead of by a kernel of their own.
func (b *Backend) buildDecode(bf *buffers, pin *pinnedArena, layersDev, topDev uint64) error {
	m := b.m
	c := m.Config
	D := c.Embd
	direct := func(mat *runtime.Matrix, src q8buf, out uint64, epi int) matJob {
		j := b.job(mat, in(src), out, 0, epi, 0, 0)
		j.Mix = noMix
		return j
	}
	fromPrologue := func(mat *runtime.Matrix, mix int, out uint64, epi int) matJob {
		j := b.job(mat, input{}, out, 0, epi, 0, 0)
		j.Mix = int64(mix)
		return j
	}
	// q8mask: the prologue mixes that quantized products read.
	q8mask := func(jobs []matJob) int64 {
		var mask int64
		for _, j := range jobs {
			if j.Mix >= 0 && j.Type != int64(quant.TypeF16) && j.Type != int64(quant.TypeF32) {
				mask |= 1 << j.Mix
			}
		}
		return mask
	}
	eps := float64(c.NormEps)
	var launches []prodLaunch
	for i := range m.Blocks {
		l := &m.Blocks[i]
		base := b.stateDev + 4*uint64(i*(b.nState/c.Layers))
		attPrev, ffnPrev := base, base+4*uint64(b.nState/c.Layers-D)
		att := []matJob{
			fromPrologue(l.WR, 0, bf.r, epiStore),
			fromPrologue(l.WK, 2, bf.k, epiStore),
			fromPrologue(l.WV, 3, bf.v, epiStore),
			fromPrologue(l.W1, 1, bf.lw.f, epiTanh),
			fromPrologue(l.A1, 4, bf.la.f, epiStore),
			fromPrologue(l.G1, 5, bf.lg.f, epiSigmoid),
		}
		if i > 0 {
			att = append(att, fromPrologue(l.V1, 3, bf.lv.f, epiStore))
		}
		launches = append(launches, prodLaunch{name: "att", jobs: att, args: prodArgs{
			X: bf.x, LNW: b.vecPtr(l.LN1W), LNB: b.vecPtr(l.LN1B), Prev: attPrev,
			Mix:    [6]uint64{b.vecPtr(l.XR), b.vecPtr(l.XW), b.vecPtr(l.XK), b.vecPtr(l.XV), b.vecPtr(l.XA), b.vecPtr(l.XG)},
			Q8Mask: q8mask(att), Keep: bf.keepAtt, D: int64(D), Eps: eps}})
		if b.splitLoRA() {
			lora := []matJob{
				direct(l.W2, bf.lw, bf.w, epiDecay), direct(l.A2, bf.la, bf.a, epiSigmoidBias), direct(l.G2, bf.lg, bf.g, epiStore),
			}
			lora[0].P0, lora[1].P0 = b.vecPtr(l.W0), b.vecPtr(l.A0)
			if i > 0 {
				v := direct(l.V2, bf.lv, bf.v, epiVMix)
				v.P0, v.P1 = b.vecPtr(l.V0), bf.vFirst
				lora = append(lora, v)
			}
			launches = append(launches, prodLaunch{name: "lora", jobs: lora, args: prodArgs{D: int64(D)}})
		}
		launches = append(launches, prodLaunch{name: "tmix"}) // a marker: gosling_tmix runs here
		launches = append(launches, prodLaunch{name: "out", jobs: []matJob{direct(l.WO, bf.y, bf.x, epiAdd)}, args: prodArgs{D: int64(D)}})
		ffnk := fromPrologue(l.FFNK, 0, bf.hid.f, epiReLU2)
		if l.FFNV.Quantized() {
			ffnk.OQ, ffnk.OD = bf.hid.q, bf.hid.d
		}
		launches = append(launches, prodLaunch{name: "ffnk", jobs: []matJob{ffnk}, args: prodArgs{
			X: bf.x, LNW: b.vecPtr(l.LN2W), LNB: b.vecPtr(l.LN2B), Prev: ffnPrev, Mix: [6]uint64{b.vecPtr(l.FFNXK)},
			Q8Mask: q8mask([]matJob{ffnk}), Keep: bf.keepFFN, D: int64(D), Eps: eps}})
		launches = append(launches, prodLaunch{name: "ffnv", jobs: []matJob{direct(l.FFNV, bf.hid, bf.x, epiAdd)}, args: prodArgs{
			CopySrc: bf.keepFFN, CopyDst: ffnPrev, CopyN: int64(D), D: int64(D)}})
	}
	head := []matJob{fromPrologue(m.Head, mixNorm, b.logitsDev, epiStore)}
	launches = append(launches, prodLaunch{name: "head", jobs: head, args: prodArgs{
		X: bf.x, LNW: b.vecPtr(m.LNOutW), LNB: b.vecPtr(m.LNOutB), Q8Mask: q8mask(head), D: int64(D), Eps: eps}})

	// Tiles: 8·rpw rows. Four rows a warp where a tile must store a Q8
	// block (32 rows) or where there are rows enough for every
	// multiprocessor to get a tile of 32.
	forced := envInt("GOSLING_CUDA_RPW")
	var all []matJob
	for li := range launches {
		pl := &launches[li]
		if pl.jobs == nil {
			continue
		}
		tiles4, quantOut := 0, false
		for _, j := range pl.jobs {
			tiles4 += (int(j.Rows) + 31) / 32
			quantOut = quantOut || j.OQ != 0
		}
		switch {
		case quantOut, forced == 4:
			pl.rpw = 4
		case forced == 1:
			pl.rpw = 1
		case tiles4 >= b.info.SMs:
			pl.rpw = 4
		default:
			pl.rpw = 1
		}
		n := 0
		for k := range pl.jobs {
			pl.jobs[k].BlockStart = int64(n)
			n += (int(pl.jobs[k].Rows) + 8*pl.rpw - 1) / (8 * pl.rpw)
		}
		pl.args.NJobs, pl.args.NTiles = int64(len(pl.jobs)), int64(n)
		all = append(all, pl.jobs...)
	}
	jobSize := int(unsafe.Sizeof(matJob{}))
	jobsDev, err := b.alloc(jobSize*len(all), "decode product lists")
	if err != nil {
		return err
	}
	if err := b.upload(jobsDev, unsafe.Pointer(unsafe.SliceData(all)), jobSize*len(all), "decode product lists"); err != nil {
		return err
	}
	var args []prodArgs
	at := jobsDev
	for li := range launches {
		pl := &launches[li]
		if pl.jobs == nil {
			continue
		}
		pl.args.Jobs = at
		at += uint64(jobSize * len(pl.jobs))
		args = append(args, pl.args)
	}
	argSize := int(unsafe.Sizeof(prodArgs{}))
	argsDev, err := b.alloc(argSize*len(args), "decode launch args")
	if err != nil {
		return err
	}
	if err := b.upload(argsDev, unsafe.Pointer(unsafe.SliceData(args)), argSize*len(args), "decode launch args"); err != nil {
		return err
	}

	// Shared memory: the prologue's cur and dif, and the Q8 lerps.
	shared := func(a prodArgs) uint32 {
		if a.X == 0 {
			return 0
		}
		nq := bits.OnesCount64(uint64(a.Q8Mask))
		return uint32(8*D + nq*(D+4*D/32))
	}
	for _, name := range []string{kernels.Prod1, kernels.Prod4} {
		most := uint32(0)
		for _, pl := range launches {
			if pl.jobs != nil && (pl.rpw == 4) == (name == kernels.Prod4) {
				most = max(most, shared(pl.args))
			}
		}
		if most > 48<<10 {
			if b.d.cuFuncSetAttribute == 0 {
				return fmt.Errorf("cuda: width %d needs %d bytes of shared memory a block; the driver cannot raise the limit", D, most)
			}
			if err := b.d.check("cuFuncSetAttribute", b.d.call(b.d.cuFuncSetAttribute, b.fn[name], funcAttrMaxDynamicShared, uintptr(most))); err != nil {
				return fmt.Errorf("%w (%d bytes of shared memory for width %d)", err, most, D)
			}
		}
	}

	b.decode = append(b.decode, step{kind: stepTokensIn, name: "token ids in"},
		step{kind: stepLaunch, fn: b.fn[kernels.Embed], threads: kernels.NormThreads, grid: func(int) uint32 { return 1 },
			params: pin.params(b.tSlot, topDev), name: "embed"})
	argAt := argsDev
	layer := 0
	for _, pl := range launches {
		if pl.jobs == nil { // tmix
			first := uint64(0)
			if layer == 0 {
				first = 1
			}
			b.decode = append(b.decode, step{kind: stepLaunch, fn: b.fn[kernels.TMix], threads: 256,
				grid:   func(int) uint32 { return uint32(c.Heads) },
				params: pin.params(b.tSlot, layersDev+uint64(layer)*uint64(unsafe.Sizeof(layerArgs{})), first), name: "tmix"})
			layer++
			continue
		}
		fn := b.fn[kernels.Prod1]
		if pl.rpw == 4 {
			fn = b.fn[kernels.Prod4]
		}
		sh := shared(pl.args)
		grid := uint32(min(int(pl.args.NTiles), b.info.SMs*b.blocksPerSM(fn, sh)))
		b.decode = append(b.decode, step{kind: stepLaunch, fn: fn, threads: kernels.BlockThreads, shared: sh,
			grid: func(int) uint32 { return grid }, params: pin.params(b.tSlot, argAt), name: pl.name})
		argAt += uint64(argSize)
	}
	b.decode = append(b.decode, step{kind: stepLogitsOut, name: "logits out"})
	return nil
}

// splitLoRA reports whether decode runs the LoRA second stages as a
// product launch of their own (Options.SplitLoRA, float types only).
func (b *Backend) splitLoRA() bool {
	if !b.opt.SplitLoRA || b.opt.Unfused {
		return false
	}
	for i := range b.m.Blocks {
		l := &b.m.Blocks[i]
		for _, mat := range []*runtime.Matrix{l.W2, l.A2, l.G2, l.V2} {
			if mat != nil && mat.Quantized() {
				return false
			}
		}
	}
	return true
}

// blocksPerSM is how many blocks of a decode product kernel share a
// multiprocessor: the driver's occupancy answer (GOSLING_CUDA_BLOCKS_PER_SM
// overrides it), at least 1.
func (b *Backend) blocksPerSM(fn uintptr, shared uint32) int {
	if n := envInt("GOSLING_CUDA_BLOCKS_PER_SM"); n > 0 {
		return n
	}
	if b.d.cuOccupancyMaxActiveBlocks != 0 {
		var n int32
		if b.d.call(b.d.cuOccupancyMaxActiveBlocks, uintptr(unsafe.Pointer(&n)), fn, kernels.BlockThreads, uintptr(shared)) == 0 && n > 0 {
			return int(n)
		}
	}
	return 2
}

// envInt reads a tuning variable; 0 when unset or not a number.
func envInt(name string) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return 0
	}
	return n
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
		Type: b.devType[mat], Rows: int64(mat.Rows), Cols: int64(mat.Cols), RowBytes: b.devRow[mat],
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
