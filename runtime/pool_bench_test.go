package runtime

import (
	"fmt"
	"testing"
)

type nopJob struct{}

func (*nopJob) run(lo, hi int) {}

// BenchmarkPoolHandOff is the cost of one hand-off and barrier with no
// work in it: what the pool adds to each batch of products.
func BenchmarkPoolHandOff(b *testing.B) {
	for _, threads := range []int{1, 2, 4} {
		for _, spin := range []int{0, 1 << 10, spinRounds} {
			b.Run(fmt.Sprintf("threads=%d/spin=%d", threads, spin), func(b *testing.B) {
				p := newPoolSpin(threads, spin)
				defer p.Close()
				j := &nopJob{}
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if err := p.Run(j, 64); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
