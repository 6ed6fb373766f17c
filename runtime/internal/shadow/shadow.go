// Package shadow is a runtime.Backend for tests that keeps the state of the
// sequence it runs in its own copy, as a GPU does: the host State's floats
// change only when Sync copies them back, and a State is uploaded only when
// the backend has not seen it or its Tokens count changed. It runs on a CPU
// Context, so its logits are the CPU's, and it lets the tests of runtime
// and runtime/serve check the device protocol without a GPU.
package shadow

import "github.com/gosling-edge/gosling/runtime"

// Backend is the shadowing back end. Make one with New.
type Backend struct {
	ctx         *runtime.Context
	dev         *runtime.State // the "device" copy
	bound       *runtime.State // the host State dev belongs to
	boundTokens int64

	Prefills int // Prefill calls
	Syncs    int // Sync calls
}

var _ runtime.Backend = (*Backend)(nil)

// New returns a Backend for m.
func New(m *runtime.Model) *Backend {
	return &Backend{ctx: m.NewContext(), dev: m.NewState()}
}

// bind makes dev the copy of s, first saving the copy of the State it held
// if that one has not moved on without it.
func (b *Backend) bind(s *runtime.State) {
	if s == b.bound && s.Tokens == b.boundTokens {
		return
	}
	if old := b.bound; old != nil && old != s && old.Tokens == b.boundTokens {
		copy(old.Floats(), b.dev.Floats())
	}
	b.dev.CopyFrom(s)
	b.bound, b.boundTokens = s, s.Tokens
}

func (b *Backend) Forward(s *runtime.State, token int) ([]float32, error) {
	b.bind(s)
	logits, err := b.ctx.Forward(b.dev, token)
	if err != nil {
		b.bound = nil
		return nil, err
	}
	s.Tokens++
	b.boundTokens = s.Tokens
	return logits, nil
}

func (b *Backend) Prefill(s *runtime.State, tokens []int32) ([]float32, error) {
	b.Prefills++
	b.bind(s)
	logits, err := b.ctx.Prefill(b.dev, tokens)
	if err != nil {
		b.bound = nil
		return nil, err
	}
	s.Tokens += int64(len(tokens))
	b.boundTokens = s.Tokens
	return logits, nil
}

func (b *Backend) Chunk() int { return b.ctx.Chunk() }

func (b *Backend) Sync(s *runtime.State) error {
	b.Syncs++
	if s == b.bound && s.Tokens == b.boundTokens {
		copy(s.Floats(), b.dev.Floats())
	}
	return nil
}

func (b *Backend) Forget(s *runtime.State) {
	if s == b.bound {
		b.bound = nil
	}
}

func (b *Backend) String() string { return "shadow (test)" }
func (b *Backend) Close() error   { return nil }
