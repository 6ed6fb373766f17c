package quant

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes a file so that an error or a crash leaves either
// the old file at path or the whole new one, never a part: write fills a
// temporary file beside path, which is then made an ordinary file (0644;
// CreateTemp makes it private), synced, and renamed over path, and the
// directory is synced so that the rename lasts. Models and state files are
// written this way. Errors name path, never the temporary file, whose
// name means nothing to a user.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return naming(err, path)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(namedFile{tmp, path}); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return naming(err, path)
	}
	if err = tmp.Sync(); err != nil {
		return naming(err, path)
	}
	if err = tmp.Close(); err != nil {
		return naming(err, path)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return naming(err, path)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: some file systems refuse to sync a directory
		d.Close()
	}
	return nil
}

// namedFile is the temporary file, whose write errors name path.
type namedFile struct {
	f    *os.File
	path string
}

func (n namedFile) Write(p []byte) (int, error) {
	k, err := n.f.Write(p)
	return k, naming(err, n.path)
}

// naming is err, an *os.PathError or *os.LinkError about the temporary
// file, about path instead.
func naming(err error, path string) error {
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return &os.PathError{Op: pe.Op, Path: path, Err: pe.Err}
	case errors.As(err, &le):
		return &os.PathError{Op: le.Op, Path: path, Err: le.Err}
	}
	return err
}
