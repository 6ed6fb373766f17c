package bench

import "testing"

func TestSum(t *testing.T) {
	for n := range 40 {
		v := make([]uint64, n)
		want := uint64(0)
		for i := range v {
			v[i] = uint64(i*i + 1)
			want += v[i]
		}
		if got := sum(v); got != want {
			t.Errorf("sum of %d values: %d, want %d", n, got, want)
		}
	}
}

func TestMemoryBandwidth(t *testing.T) {
	buf := make([]uint64, 1<<16)
	for _, threads := range []int{1, 3, 8} {
		if bw := MemoryBandwidth(buf, threads, 2); bw <= 0 {
			t.Errorf("%d threads: %v bytes/s", threads, bw)
		}
	}
}
