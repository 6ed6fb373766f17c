//go:build unix

package quant

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile is MapFile with mmap: shared and read-only, so the pages are the
// page cache's and every process that maps the file shares them.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return unix.Munmap(data) }, nil
}
