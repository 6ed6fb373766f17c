package quant

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// MapFile is shared by the GGUF reader and tools/checkpoint: the bytes it
// returns must be the file's, must stay valid after the file is closed,
// and a prefix must map only the prefix.
func TestMapFile(t *testing.T) {
	want := make([]byte, 3*4096+17) // a partial last page
	for i := range want {
		want[i] = byte(i*7 + i>>8)
	}
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{int64(len(want)), 5000} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		data, unmap, err := MapFile(f, size)
		f.Close() // the mapping outlives the descriptor
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(data, want[:size]) {
			t.Errorf("size %d: %d mapped bytes differ from the file's first %d", size, len(data), size)
		}
		if err := unmap(); err != nil {
			t.Errorf("size %d: unmap: %v", size, err)
		}
	}
}
