package quant_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
)

// A write that fails leaves the old file as it was and no temporary file
// behind; one that succeeds replaces the file whole, as an ordinary file.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	write := func(b []byte, fail error) error {
		return quant.WriteFileAtomic(path, func(w io.Writer) error {
			if _, err := w.Write(b); err != nil {
				return err
			}
			return fail
		})
	}
	if err := write([]byte("old"), nil); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("broken")
	if err := write([]byte("half of the new"), broken); !errors.Is(err, broken) {
		t.Fatalf("failed write: error %v, want %v", err, broken)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "old" {
		t.Fatalf("after a failed write the file holds %q (%v), want the old one", b, err)
	}
	if err := write([]byte("new"), nil); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new" {
		t.Fatalf("after a write the file holds %q (%v), want \"new\"", b, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o644 {
		t.Errorf("file mode %v, want 0644", perm)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("the directory holds %d entries (%v), want only the file", len(entries), err)
	}
}

// Errors name the file asked for, not the hidden temporary file beside it.
func TestWriteFileAtomicErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "a-directory")
	if err := os.MkdirAll(filepath.Join(blocker, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing", "x.gguf"), blocker} {
		err := quant.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err })
		if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), ".tmp-") {
			t.Errorf("writing %s: error %v, want one naming it and no temporary file", path, err)
		}
	}
}
