package agent_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/gosling-edge/gosling/firmware/agent"
)

// fakeEngine answers "echo #N: PROMPT" and records what it was asked.
// With block set, an answer waits for release or cancellation.
type fakeEngine struct {
	mu      sync.Mutex
	prompts []string
	turns   int
	resets  int
	saved   []string
	started chan string
	block   bool
	release chan struct{}
	during  func() // called inside Answer (to look at the LED)
}

func newFake() *fakeEngine {
	return &fakeEngine{started: make(chan string, 1000), release: make(chan struct{})}
}

func (f *fakeEngine) Answer(ctx context.Context, prompt string, out io.Writer) error {
	f.mu.Lock()
	f.turns++
	n := f.turns
	f.prompts = append(f.prompts, prompt)
	during := f.during
	f.mu.Unlock()
	if during != nil {
		during()
	}
	f.started <- prompt
	fmt.Fprintf(out, "echo #%d: %s", n, prompt)
	if f.block {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.release:
		}
	}
	return nil
}

func (f *fakeEngine) Reset() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets++
	f.turns = 0
	return nil
}

func (f *fakeEngine) Status() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("fake, %d turns", f.turns)
}

func (f *fakeEngine) SaveState(path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.saved = append(f.saved, path)
	return nil
}

func (f *fakeEngine) promptList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.prompts...)
}

// recPin is a gpiotest pin that records what is done to it.
type recPin struct {
	*gpiotest.Pin
	mu     sync.Mutex
	outs   []gpio.Level
	ins    []string // "pull/edge" of each In
	halted int
}

func newPin(name string) *recPin {
	return &recPin{Pin: &gpiotest.Pin{N: name, EdgesChan: make(chan gpio.Level)}}
}

func (p *recPin) Out(l gpio.Level) error {
	p.mu.Lock()
	p.outs = append(p.outs, l)
	p.mu.Unlock()
	return p.Pin.Out(l)
}

func (p *recPin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	p.ins = append(p.ins, pull.String()+"/"+edge.String())
	p.mu.Unlock()
	return p.Pin.In(pull, edge)
}

func (p *recPin) Halt() error {
	p.mu.Lock()
	p.halted++
	p.mu.Unlock()
	return nil
}

func (p *recPin) record() (outs []gpio.Level, ins []string, halted int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]gpio.Level(nil), p.outs...), append([]string(nil), p.ins...), p.halted
}

// syncBuffer is an io.Writer safe for the agent and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// start runs an agent until the test ends (or stop is called) and returns
// a function that stops it and returns Run's error.
func start(t *testing.T, opt agent.Options) (*agent.Agent, func() error) {
	t.Helper()
	if opt.Logf == nil {
		opt.Logf = t.Logf
	}
	a, err := agent.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(time.Minute):
				runErr = errors.New("Run did not return within a minute of its context ending")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return a, stop
}

// waitFor receives from c, failing the test instead of hanging forever.
func waitFor[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("no %s within a minute", what)
	}
	var zero T
	return zero
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
