package runtime

import (
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// job is a piece of work that can be split by rows: run computes rows
// lo..hi-1. Jobs are values kept in a Context, so dispatching one allocates
// nothing.
type job interface {
	run(lo, hi int)
}

// item is one job of a batch and how it may be cut: n rows, every piece
// but the job's last a multiple of align rows (rowAlign for matrix
// products) and at least least rows (a multiple of align; leastRows for
// matrix products), since a smaller piece is not worth its atomic add.
type item struct {
	j            job
	n            int
	align, least int
}

// pool is a fixed set of worker goroutines, started once, that split the
// rows of matrix products between them. The calling goroutine works too,
// so a pool of one thread is a plain function call.
//
// A hand-off is a batch of independent jobs (the products of a layer that
// read inputs already computed, or a layer's heads): each job is cut into
// a few pieces per thread (piece), and the threads take pieces in turn
// from one atomic counter until none is left (take), so a thread that the
// OS holds up, on a busy machine, leaves its rest to the others instead of
// making everyone wait at the barrier. A batch costs one wake-up and one
// barrier however many products it holds. Between hand-offs the workers
// spin on an atomic generation counter for a while before parking on a
// channel, and the caller does the same while it waits for the last piece:
// in decode the gaps between products are a few microseconds, shorter than
// a futex wake-up through the scheduler.
//
// Workers touch the memory-mapped weights, so each runs with
// debug.SetPanicOnFault: a fault (the model file truncated under us) becomes
// an error returned by Run instead of a SIGBUS that kills the process.
type pool struct {
	threads int
	spin    int        // rounds a waiter spins before it parks
	mu      sync.Mutex // one Run at a time
	closed  bool
	workers []*worker

	// The current batch, written by Run before a worker's gen is advanced
	// and read by that worker after it sees the new gen.
	batch  []item
	one    [1]item // Run's batch of one, so that it allocates nothing
	shares int
	quit   atomic.Bool

	next     atomic.Int64 // the next piece of the current batch to take (see take)
	pending  atomic.Int32 // workers not yet done with the current batch
	sleeping atomic.Bool  // the caller is parked on wake
	wake     chan struct{}

	// truncated, when set, reports whether the model file is now shorter
	// than its mapping. Emulators such as qemu-user deliver SIGBUS without
	// the fault address, which Go then reports like a nil dereference; a
	// fault without an address counts as the model's only if this says so.
	truncated func() (now, mapped int64, yes bool)
}

// worker is the state of one worker goroutine.
type worker struct {
	gen      atomic.Uint64 // advanced for each batch this worker takes part in
	sleeping atomic.Bool   // parked on wake; whoever clears it sends a token
	wake     chan struct{}
	err      error // of its pieces of the current batch
	_        [64]byte
}

// rowAlign keeps every piece a multiple of a few rows so that kernels that
// process several rows at once keep their fast path.
const rowAlign = 4

// spinRounds is how many times a waiting goroutine checks its atomic
// before it parks. A round is a few nanoseconds; the spin covers the
// element-wise work between two products of a decoded token (tens of
// microseconds) without burning a core for long when generation stops.
const spinRounds = 1 << 14

// newPool starts threads-1 workers (the caller of Run is the last one).
func newPool(threads int) *pool {
	spin := spinRounds
	if goruntime.GOMAXPROCS(0) < threads {
		// Not a processor for every goroutine of the pool: a spinning
		// waiter could be holding the one that it waits for off its
		// processor.
		spin = 0
	}
	return newPoolSpin(threads, spin)
}

// newPoolSpin is newPool with waiters spinning spin rounds before they park.
func newPoolSpin(threads, spin int) *pool {
	if threads < 1 {
		threads = 1
	}
	p := &pool{threads: threads, spin: spin, wake: make(chan struct{}, 1)}
	for i := 1; i < threads; i++ {
		w := &worker{wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go p.work(w)
	}
	return p
}

// Threads is the number of goroutines that share each product.
func (p *pool) Threads() int { return p.threads }

// park waits until ready returns true: a spin, then a sleep on wake. The
// sleeping flag makes the hand-shake safe: the waiter sets it and checks
// ready again; the waker makes ready true and then clears the flag, sending
// a token only if it was set. A waiter that finds ready true after setting
// the flag takes the flag back, or, if the waker got there first, consumes
// the token it sent.
//
// The flag is set with Swap, a read-modify-write, not Store: the hand-shake
// needs the flag's store ordered before ready's load (each side writes,
// then reads what the other wrote). Go's atomics promise that, and ARMv8's
// STLR-then-LDAR keeps it, but qemu-user on an x86-64 host translates that
// pair without a store-load fence, and the pool deadlocked there: the
// waiter read a stale ready while the waker read a stale flag, and both
// slept. A Swap is a locked instruction under every translation.
func park(ready func() bool, sleeping *atomic.Bool, wake chan struct{}, spin int) {
	for i := 0; i < spin; i++ {
		if ready() {
			return
		}
	}
	for {
		sleeping.Swap(true)
		if ready() {
			if !sleeping.CompareAndSwap(true, false) {
				<-wake
			}
			return
		}
		<-wake
		if ready() {
			return
		}
	}
}

// unpark wakes a waiter of park after its condition became true.
func unpark(sleeping *atomic.Bool, wake chan struct{}) {
	if sleeping.Swap(false) {
		wake <- struct{}{}
	}
}

func (p *pool) work(w *worker) {
	debug.SetPanicOnFault(true)
	var seen uint64 // gen starts at 0, whether or not Run has advanced it already
	for {
		park(func() bool { return w.gen.Load() != seen || p.quit.Load() }, &w.sleeping, w.wake, p.spin)
		if p.quit.Load() {
			return
		}
		seen = w.gen.Load()
		w.err = p.take(p.batch, p.shares)
		if p.pending.Add(-1) == 0 {
			unpark(&p.sleeping, p.wake)
		}
	}
}

func (p *pool) runTask(j job, lo, hi int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = p.faultError(r)
		}
	}()
	j.run(lo, hi)
	return nil
}

// faultError turns a recovered panic into an error. Memory faults on the
// model mapping are expected failures (the file changed under us); anything
// else is a bug and is re-panicked.
func (p *pool) faultError(r any) error {
	if e, ok := r.(interface{ Addr() uintptr }); ok {
		return fmt.Errorf("memory fault reading the model at %#x: was the model file truncated or replaced while in use?", e.Addr())
	}
	// A fault without an address (see pool.truncated) looks like a nil
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

// piecesPerShare is how many pieces each job of a hand-off is cut into
// per thread: enough that a thread held up (by the OS, or a busier core)
// leaves its rest to the others, few enough that taking a piece (one
// atomic add on a shared counter) stays cheap beside computing it.
const piecesPerShare = 4

// leastRows is the smallest piece of a matrix product: 32 rows of the
// 0.1B model's width are about a microsecond of work on one core, a
// contended atomic add a few percent of that.
const leastRows = 32

// piece is the number of rows of each piece of it handed to shares
// threads: a multiple of it.align, the job's last piece shorter. It
// depends only on the job and shares, never on timing, so which thread
// computes a row never changes the kernel calls' grouping of rows in
// multiples of align: every thread count gives the same bits.
func piece(it item, shares int) int {
	c := (it.n + shares*piecesPerShare - 1) / (shares * piecesPerShare)
	return max(it.least, (c+it.align-1)/it.align*it.align)
}

// take computes pieces of the batch's jobs, in order, until none is left:
// every thread of the hand-off takes the next piece from one counter, so
// the work balances itself however the threads are scheduled. The first
// error is returned.
func (p *pool) take(b []item, shares int) error {
	var err error
	i, first := 0, 0 // the job being taken and the index of its first piece
	for {
		k := int(p.next.Add(1)) - 1
		for ; i < len(b); i++ {
			c := piece(b[i], shares)
			if k < first+(b[i].n+c-1)/c {
				break
			}
			first += (b[i].n + c - 1) / c
		}
		if i == len(b) {
			return err
		}
		c := piece(b[i], shares)
		lo := (k - first) * c
		if e := p.runTask(b[i].j, lo, min(lo+c, b[i].n)); e != nil && err == nil {
			err = e
		}
	}
}

// Run splits rows 0..n-1 of j across the pool and waits for every piece.
func (p *pool) Run(j job, n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.one[0] = item{j, n, rowAlign, leastRows}
	err := p.runBatch(p.one[:])
	p.one[0] = item{}
	return err
}

// RunBatch runs independent jobs in one hand-off: each is split across the
// pool as Run would, and the call returns when all are done. The jobs must
// not write what another of the batch reads.
func (p *pool) RunBatch(b []item) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.runBatch(b)
}

func (p *pool) runBatch(b []item) error {
	if p.closed {
		panic("runtime: pool used after Close")
	}
	// A batch of small jobs is not worth waking anyone for: as many shares
	// as its largest job has pieces of the least size, at most.
	shares := 1
	for _, it := range b {
		shares = max(shares, (it.n+it.least-1)/it.least)
	}
	shares = min(p.threads, shares)
	if shares <= 1 {
		var err error
		for _, it := range b {
			if e := p.runTask(it.j, 0, it.n); e != nil && err == nil {
				err = e
			}
		}
		return err
	}
	p.batch, p.shares = b, shares
	p.next.Store(0)
	p.pending.Store(int32(shares - 1))
	for _, w := range p.workers[:shares-1] {
		w.gen.Add(1)
		unpark(&w.sleeping, w.wake)
	}
	err := p.take(b, shares)
	park(func() bool { return p.pending.Load() == 0 }, &p.sleeping, p.wake, p.spin)
	for _, w := range p.workers[:shares-1] {
		if w.err != nil && err == nil {
			err = w.err
		}
		w.err = nil
	}
	p.batch = nil
	return err
}

// Close stops the workers.
func (p *pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.quit.Store(true)
	for _, w := range p.workers {
		unpark(&w.sleeping, w.wake)
	}
}
