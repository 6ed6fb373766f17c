package runtime

import (
	"sync/atomic"
	"testing"
)

// countJob adds every row it is given to sum, and counts its calls.
type countJob struct{ sum, calls atomic.Int64 }

func (j *countJob) run(lo, hi int) {
	for r := lo; r < hi; r++ {
		j.sum.Add(int64(r))
	}
	j.calls.Add(1)
}

// TestPoolHandOffs runs many back-to-back hand-offs, parking at once (spin
// 0) and after a short spin, so that the park/unpark hand-shake is raced
// against every order of wake-up: each batch must cover every row exactly
// once and return. A lost wake-up hangs here (the test binary's timeout
// reports it); one did under qemu-user (see park).
func TestPoolHandOffs(t *testing.T) {
	rounds := 20000
	if testing.Short() {
		rounds = 4000
	}
	for _, threads := range []int{2, 3} {
		for _, spin := range []int{0, 64} {
			p := newPoolSpin(threads, spin)
			a, b := &countJob{}, &countJob{}
			batch := []item{{a, 256, rowAlign, leastRows}, {b, 100, 1, 1}}
			for i := range rounds {
				var err error
				if i%2 == 0 {
					err = p.Run(a, 256)
				} else {
					err = p.RunBatch(batch)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			p.Close()
			// Run: rows 0..255 every round; RunBatch: those and b's 0..99
			// every other round.
			if want := int64(rounds) * 255 * 256 / 2; a.sum.Load() != want {
				t.Errorf("threads %d spin %d: job a summed %d, want %d", threads, spin, a.sum.Load(), want)
			}
			if want := int64(rounds/2) * 99 * 100 / 2; b.sum.Load() != want {
				t.Errorf("threads %d spin %d: job b summed %d, want %d", threads, spin, b.sum.Load(), want)
			}
		}
	}
}
