//go:build !unix

package quant

import (
	"io"
	"os"
)

// mapFile is MapFile where mmap is not available: it reads the file.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, func() error { return nil }, nil
}
