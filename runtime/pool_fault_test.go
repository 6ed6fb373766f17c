//go:build unix

package runtime

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
)

// readJob sums one byte per page of rows lo..hi-1 of a mapping, each row a
// page: what a matrix product does to the weights, reduced to the access.
type readJob struct {
	data []byte
	sum  []byte
}

func (j *readJob) run(lo, hi int) {
	for r := lo; r < hi; r++ {
		j.sum[r] = j.data[r*pageSize]
	}
}

const pageSize = 1 << 16 // at least the page size of every platform we run on

// mapTruncated maps a file of rows pages, then truncates it to one page.
func mapTruncated(t *testing.T, rows int) (data []byte, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "weights")
	if err := os.WriteFile(path, make([]byte, rows*pageSize), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err = syscall.Mmap(int(f.Fd()), 0, rows*pageSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(data) })
	if err := os.Truncate(path, pageSize); err != nil {
		t.Fatal(err)
	}
	return data, path
}

// Faults on the workers and on the caller's share come back from Run as an
// error, whatever the thread count, and the pool keeps working.
func TestPoolTurnsFaultsIntoErrors(t *testing.T) {
	const rows = 64
	data, path := mapTruncated(t, rows)
	// Run's callers (Context.run) enable fault handling on their goroutine,
	// which takes the first share.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for _, threads := range []int{1, 2, 4} {
		p := newPool(threads)
		p.truncated = func() (int64, int64, bool) {
			st, err := os.Stat(path)
			return st.Size(), rows * pageSize, err != nil || st.Size() < rows*pageSize
		}
		j := &readJob{data: data, sum: make([]byte, rows)}
		// The caller's share is rows 0..; only row 0 is still in the file,
		// so every share faults.
		err := p.Run(j, rows)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%d threads: Run = %v, want a truncation error", threads, err)
		}
		// Rows still inside the file read fine afterwards.
		if err := p.Run(&readJob{data: data[:pageSize], sum: make([]byte, 1)}, 1); err != nil {
			t.Errorf("%d threads: reading the page that is left: %v", threads, err)
		}
		p.Close()
	}
}

type nilJob struct{ p *int }

func (j *nilJob) run(lo, hi int) { _ = *j.p }

// A nil dereference is a bug, not a damaged model: it must still panic,
// also when the pool knows of a model file (that is intact).
func TestPoolRepanicsBugs(t *testing.T) {
	for _, truncated := range []func() (int64, int64, bool){
		nil,
		func() (int64, int64, bool) { return 10, 10, false },
	} {
		p := newPool(1)
		p.truncated = truncated
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Error("a nil dereference in a job did not panic")
				}
			}()
			p.Run(&nilJob{}, 1)
		}()
		p.Close()
	}
}
