package runtime

import (
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"sync"
)

// job is a piece of work that can be split by rows: run computes rows
// lo..hi-1. Jobs are values kept in a Context, so dispatching one allocates
// nothing.
type job interface {
	run(lo, hi int)
}

// Pool is a fixed set of worker goroutines, started once, that split the
// rows of each matrix product between them. The calling goroutine takes the
// first share itself, so a pool of one thread is a plain function call.
//
// Workers touch the memory-mapped weights, so each runs with
// debug.SetPanicOnFault: a fault (the model file truncated under us) becomes
// an error returned by Run instead of a SIGBUS that kills the process.
type Pool struct {
	threads int
	mu      sync.Mutex // one Run at a time
	work    []chan task
	done    chan error
	closed  bool

	// truncated, when set, reports whether the model file is now shorter
	// than its mapping. Emulators such as qemu-user deliver SIGBUS without
	// the fault address, which Go then reports like a nil dereference; a
	// fault without an address counts as the model's only if this says so.
	truncated func() (now, mapped int64, yes bool)
}

type task struct {
	j      job
	lo, hi int
}

// rowAlign keeps every share a multiple of a few rows so that kernels that
// process several rows at once keep their fast path.
const rowAlign = 4

// NewPool starts threads-1 workers (the caller of Run is the last one).
func NewPool(threads int) *Pool {
	if threads < 1 {
		threads = 1
	}
	p := &Pool{threads: threads, done: make(chan error, threads)}
	for i := 1; i < threads; i++ {
		ch := make(chan task, 1)
		p.work = append(p.work, ch)
		go p.worker(ch)
	}
	return p
}

// Threads is the number of goroutines that share each product.
func (p *Pool) Threads() int { return p.threads }

func (p *Pool) worker(ch chan task) {
	debug.SetPanicOnFault(true)
	for t := range ch {
		p.done <- p.runTask(t)
	}
}

func (p *Pool) runTask(t task) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = p.faultError(r)
		}
	}()
	t.j.run(t.lo, t.hi)
	return nil
}

// faultError turns a recovered panic into an error. Memory faults on the
// model mapping are expected failures (the file changed under us); anything
// else is a bug and is re-panicked.
func (p *Pool) faultError(r any) error {
	if e, ok := r.(interface{ Addr() uintptr }); ok {
		return fmt.Errorf("memory fault reading the model at %#x: was the model file truncated or replaced while in use?", e.Addr())
	}
	// A fault without an address (see Pool.truncated) looks like a nil
	// dereference; it is the model's only if the file did shrink.
	if e, ok := r.(goruntime.Error); ok && p.truncated != nil && e.Error() == nilDerefMessage {
		if now, mapped, yes := p.truncated(); yes {
			return fmt.Errorf("memory fault reading the model: the model file was truncated from %d to %d bytes while in use", mapped, now)
		}
	}
	panic(r)
}

// nilDerefMessage is how Go reports a memory fault that has no address.
const nilDerefMessage = "runtime error: invalid memory address or nil pointer dereference"

// Run splits rows 0..n-1 across the pool and waits for every share.
func (p *Pool) Run(j job, n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		panic("runtime: Pool used after Close")
	}
	shares := p.threads
	if max := (n + rowAlign - 1) / rowAlign; shares > max {
		shares = max
	}
	if shares <= 1 {
		return p.runLocal(j, 0, n)
	}
	per := (n + shares - 1) / shares
	per = (per + rowAlign - 1) / rowAlign * rowAlign
	sent := 0
	lo := per
	for i := 0; i < shares-1 && lo < n; i++ {
		hi := min(lo+per, n)
		p.work[i] <- task{j, lo, hi}
		sent++
		lo = hi
	}
	err := p.runLocal(j, 0, min(per, n))
	for ; sent > 0; sent-- {
		if e := <-p.done; e != nil && err == nil {
			err = e
		}
	}
	return err
}

// runLocal runs a share on the calling goroutine (Forward has enabled
// fault handling there).
func (p *Pool) runLocal(j job, lo, hi int) error {
	return p.runTask(task{j, lo, hi})
}

// Close stops the workers.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, ch := range p.work {
		close(ch)
	}
}
