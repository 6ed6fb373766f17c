//go:build cuda

package cuda

import (
	"fmt"
	"unsafe"

	"github.com/gosling-edge/gosling/runtime"
)

// Forward feeds one token, advancing s, and returns the logits. The slice
// is pinned host memory owned by the Backend, overwritten by the next call.
func (b *Backend) Forward(s *runtime.State, token int) ([]float32, error) {
	if token < 0 || token >= b.m.Vocab {
		return nil, fmt.Errorf("token %d out of range [0, %d)", token, b.m.Vocab)
	}
	leave, err := b.enter()
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := b.bind(s); err != nil {
		return nil, err
	}
	b.tokensHost[0] = int32(token)
	if b.graphExec != 0 {
		err = b.d.check("cuGraphLaunch", b.d.call(b.d.cuGraphLaunch, b.graphExec, b.stream))
	} else {
		err = b.enqueue(b.decodeSteps(), 1)
	}
	if err == nil {
		err = b.sync()
	}
	if err != nil {
		b.bound = nil // the device copy is in an unknown state
		return nil, err
	}
	s.Tokens++
	b.boundTokens = s.Tokens
	return b.logits, nil
}

// Chunk is the most tokens one Prefill launch sequence runs.
func (b *Backend) Chunk() int { return b.opt.Chunk }

// Prefill feeds one chunk of a prompt, 1 to Chunk tokens (a longer prompt
// goes through runtime.Generator.Feed, which splits it): each product
// reads its weights once per eight tokens, the WKV recurrence runs token by
// token inside one kernel. It returns the logits after the last token. (A
// single token is faster through Forward's fused decode kernels.)
func (b *Backend) Prefill(s *runtime.State, tokens []int32) ([]float32, error) {
	if len(tokens) == 0 || len(tokens) > b.opt.Chunk {
		return nil, fmt.Errorf("prefill: %d tokens, want 1 to %d (the chunk)", len(tokens), b.opt.Chunk)
	}
	for _, t := range tokens {
		if t < 0 || int(t) >= b.m.Vocab {
			return nil, fmt.Errorf("token %d out of range [0, %d)", t, b.m.Vocab)
		}
	}
	leave, err := b.enter()
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := b.bind(s); err != nil {
		return nil, err
	}
	copy(b.tokensHost, tokens)
	err = b.enqueue(b.steps, len(tokens))
	if err == nil {
		err = b.sync()
	}
	if err != nil {
		b.bound = nil
		return nil, err
	}
	s.Tokens += int64(len(tokens))
	b.boundTokens = s.Tokens
	return b.logits, nil
}

// Sync copies the device's copy of s into s.
func (b *Backend) Sync(s *runtime.State) error {
	leave, err := b.enter()
	if err != nil {
		return err
	}
	defer leave()
	if s != b.bound || s.Tokens != b.boundTokens {
		return nil // the host copy is the current one
	}
	return b.download(s)
}

// Forget makes the host copy of s the current one again, for host code
// that replaced its floats in a way the Tokens count may not show (a state
// file of the same length, a reset to a start of the same length): the next
// step uploads s. The device's copy is dropped, not saved.
func (b *Backend) Forget(s *runtime.State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s == b.bound {
		b.bound = nil
	}
}

// download copies the device state into s.
func (b *Backend) download(s *runtime.State) error {
	f := s.Floats()
	return b.d.check("cuMemcpyDtoH(state)", b.d.call(b.d.cuMemcpyDtoH, uintptr(unsafe.Pointer(unsafe.SliceData(f))), uintptr(b.stateDev), uintptr(4*len(f))))
}

// bind makes the device state s's: unless the device already holds s as
// the Backend left it, s is uploaded. The state it held before is copied
// back to its host State first (unless the host changed that one since), so
// that every State but the bound one is current on the host.
func (b *Backend) bind(s *runtime.State) error {
	if s == b.bound && s.Tokens == b.boundTokens {
		return nil
	}
	if old := b.bound; old != nil && old != s && old.Tokens == b.boundTokens {
		if err := b.download(old); err != nil {
			return err
		}
	}
	b.bound = nil
	f := s.Floats()
	if len(f) != b.nState {
		return fmt.Errorf("state does not belong to this model")
	}
	if err := b.upload(b.stateDev, unsafe.Pointer(unsafe.SliceData(f)), 4*len(f), "state"); err != nil {
		return err
	}
	b.bound, b.boundTokens = s, s.Tokens
	return nil
}

// decodeSteps are the steps of one decode token: the fused kernels, or the
// prefill kernels over one token when Unfused.
func (b *Backend) decodeSteps() []step {
	if b.decode != nil {
		return b.decode
	}
	return b.steps
}

// enqueue puts the steps of one pass over T tokens on the stream.
func (b *Backend) enqueue(steps []step, T int) error {
	*b.tSlot = uint64(T)
	d := b.d
	for i := range steps {
		s := &steps[i]
		var res uintptr
		switch s.kind {
		case stepTokensIn:
			res = d.call(d.cuMemcpyHtoDAsync, uintptr(b.tokensDev), uintptr(unsafe.Pointer(unsafe.SliceData(b.tokensHost))), uintptr(4*T), b.stream)
		case stepLogitsOut:
			res = d.call(d.cuMemcpyDtoHAsync, uintptr(unsafe.Pointer(unsafe.SliceData(b.logits))), uintptr(b.logitsDev), uintptr(4*len(b.logits)), b.stream)
		default:
			res = d.call(d.cuLaunchKernel, s.fn, uintptr(s.grid(T)), 1, 1, uintptr(s.threads), 1, 1, uintptr(s.shared), b.stream, s.params, 0)
		}
		if res != 0 {
			return d.check("step "+s.name, res)
		}
	}
	return nil
}

// sync waits for the stream; errors of the kernels surface here.
func (b *Backend) sync() error {
	return b.d.check("cuStreamSynchronize (token step)", b.d.call(b.d.cuStreamSynchronize, b.stream))
}

// capture records the single-token pass as a CUDA graph, so that a decode
// step is one launch instead of five per layer. When the driver cannot
// capture, the plain launches stay, and GraphError says why.
func (b *Backend) capture() {
	d := b.d
	const captureThreadLocal = 1
	if err := d.check("cuStreamBeginCapture", d.call(d.cuStreamBeginCapture, b.stream, captureThreadLocal)); err != nil {
		b.graphErr = err
		return
	}
	err := b.enqueue(b.decodeSteps(), 1)
	var graph uintptr
	if e := d.check("cuStreamEndCapture", d.call(d.cuStreamEndCapture, b.stream, uintptr(unsafe.Pointer(&graph)))); err == nil {
		err = e
	}
	if err == nil {
		var exec uintptr
		if err = d.check("cuGraphInstantiateWithFlags", d.call(d.cuGraphInstantiate, uintptr(unsafe.Pointer(&exec)), graph, 0)); err == nil {
			b.graph, b.graphExec = graph, exec
			return
		}
	}
	if graph != 0 {
		d.call(d.cuGraphDestroy, graph)
	}
	b.graphErr = err
}

// GraphError is why decode steps do not replay a CUDA graph (nil when they
// do, or when graphs were turned off).
func (b *Backend) GraphError() error { return b.graphErr }

// Graph reports whether decode steps replay a captured CUDA graph.
func (b *Backend) Graph() bool { return b.graphExec != 0 }

// LaunchMode says how a decode step reaches the GPU, for a report.
func (b *Backend) LaunchMode() string {
	switch {
	case b.Graph():
		return "one CUDA graph per token"
	case b.GraphError() != nil:
		return fmt.Sprintf("plain launches (graph capture failed: %v)", b.GraphError())
	}
	return "plain launches"
}

// Mapped reports whether the weights are read in place from the memory map.
func (b *Backend) Mapped() bool { return b.mapped }

// Info describes the GPU.
func (b *Backend) Info() Info { return b.info }

// String names the device and the memory mode.
func (b *Backend) String() string {
	return fmt.Sprintf("cuda: %s (sm_%d%d, %s)", b.info.Name, b.info.Major, b.info.Minor, b.MemoryMode())
}

// MemoryMode says where the weights are read from.
func (b *Backend) MemoryMode() string {
	if b.mapped {
		return "weights in place: mapped host memory"
	}
	return "weights copied to device memory"
}

// Close releases everything the Backend holds on the device and unregisters
// the model's mapping. The model may be closed afterwards.
func (b *Backend) Close() error {
	leave, err := b.enter()
	if err != nil {
		return nil // already closed
	}
	defer leave()
	return b.close()
}

// close frees what Open got so far; the context is current.
func (b *Backend) close() error {
	d := b.d
	var first error
	keep := func(call string, res uintptr) {
		if err := d.check(call, res); err != nil && first == nil {
			first = err
		}
	}
	if b.stream != 0 {
		keep("cuStreamSynchronize", d.call(d.cuStreamSynchronize, b.stream))
	}
	// release frees the handle *h with fn if it is set, and forgets it.
	release := func(call string, fn uintptr, h *uintptr) {
		if *h != 0 {
			keep(call, d.call(fn, *h))
			*h = 0
		}
	}
	release("cuGraphExecDestroy", d.cuGraphExecDestroy, &b.graphExec)
	release("cuGraphDestroy", d.cuGraphDestroy, &b.graph)
	for _, p := range b.devAllocs {
		keep("cuMemFree", d.call(d.cuMemFree, p))
	}
	b.devAllocs = nil
	if b.pinned != 0 {
		keep("cuMemFreeHost", d.call(d.cuMemFreeHost, b.pinned))
		b.pinned, b.tokensHost, b.logits, b.tSlot = 0, nil, nil, nil
	}
	release("cuMemHostUnregister", d.cuMemHostUnregister, &b.registered)
	release("cuStreamDestroy", d.cuStreamDestroy, &b.stream)
	for _, h := range b.modules {
		keep("cuModuleUnload", d.call(d.cuModuleUnload, h))
	}
	b.modules = nil
	if b.ctx != 0 {
		keep("cuDevicePrimaryCtxRelease", d.call(d.cuDevicePrimaryCtxRelease, uintptr(b.info.dev)))
		b.ctx = 0
	}
	b.bound = nil
	return first
}
