//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"unsafe"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/cuda/kernels"
)

// Options choose the device, how the weights reach it and how a token step
// is launched. The zero value is the default for every field; the fields
// after Chunk are for measurements and comparisons.
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
	// fused decode kernels: for comparison.
	Unfused bool
	// SplitLoRA runs the LoRA second stages of decode as a product launch
	// of their own (many thread blocks) before the time-mix kernel, instead
	// of inside it (one block a head). Only for float-type LoRA matrices.
	SplitLoRA bool
	// RowsPerWarp forces the rows each warp of a decode product computes,
	// 1 or 4 (tiles of 8 or 32 rows), in every launch; a launch that
	// stores Q8 blocks takes 4 regardless. 0 chooses per launch: 4 where
	// there are tiles of 32 enough for every multiprocessor, else 1.
	RowsPerWarp int
	// BlocksPerSM sets how many thread blocks of a decode product a
	// multiprocessor gets (the grid is at most this times the
	// multiprocessors). 0 takes the driver's occupancy answer.
	BlocksPerSM int
}

// check refuses option values that have no meaning, before any device work.
func (o Options) check() error {
	switch {
	case o.RowsPerWarp != 0 && o.RowsPerWarp != 1 && o.RowsPerWarp != 4:
		return fmt.Errorf("cuda: %d rows per warp: want 1 or 4 (0 chooses per launch)", o.RowsPerWarp)
	case o.BlocksPerSM < 0:
		return fmt.Errorf("cuda: %d blocks per multiprocessor: want at least 1 (0 asks the driver)", o.BlocksPerSM)
	}
	return nil
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
	if err := opt.check(); err != nil {
		return nil, err
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
	if !opt.NoGraph && d.hasGraphs() {
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
		// Uploading reads every weight anyway: refuse NaN and Inf here,
		// as the CPU does at a matrix's first use.
		if err := mat.Verify(); err != nil {
			return err
		}
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
