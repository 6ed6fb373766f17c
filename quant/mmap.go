package quant

import "os"

// MapFile maps the first size bytes of f read-only and returns them with
// the function that releases them. Pages are read by the kernel on first
// touch, so mapping a model or a checkpoint costs nothing proportional to
// its size, and the bytes can be used in place (tensor views, never
// copies). The mapping outlives f: the caller may close f at once.
//
// Where the platform has no mmap (a build for a non-unix system), the file
// is read into memory instead, so callers work unchanged.
//
// A page of a file that shrank after it was mapped faults when touched
// (SIGBUS): callers that keep a mapping check every extent against the file
// size first, and read it with debug.SetPanicOnFault where the file may
// change under them (package runtime does).
func MapFile(f *os.File, size int64) (data []byte, unmap func() error, err error) {
	return mapFile(f, size)
}
