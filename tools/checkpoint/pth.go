package checkpoint

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// A torch.save file (torch >= 1.6) is a zip archive:
//
//	<prefix>/data.pkl     the pickled state_dict (protocol 2)
//	<prefix>/data/<key>   one raw little-endian storage per key
//	<prefix>/byteorder    "little" (absent in old files, which are little)
//	<prefix>/version, ... ignored
//
// torch writes every entry uncompressed and 64-byte aligned, so storages are
// read as views into the memory map; deflated entries (a file repacked by a
// zip tool) are decompressed into memory.

// Largest data.pkl accepted. A state_dict pickle is about 100 bytes per
// tensor; this bounds the unpickler's memory, whatever the zip claims.
const maxPickleSize = 256 << 20

// Deflate cannot expand data by more than about 1032:1; a larger claim is a
// lie (a zip bomb or a corrupt directory) and is refused before any
// allocation.
const maxDeflateRatio = 1032

func parsePth(data []byte) (*Checkpoint, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	// ErrInsecurePath only flags names like "../x"; nothing is extracted to
	// disk here, and such names simply never match data.pkl or a storage.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if errors.Is(err, zip.ErrFormat) {
			// The directory sits at the end of the archive: a cut-off
			// download loses it first.
			return nil, fmt.Errorf("pth: no zip directory at the end of the file (truncated file?): %w", err)
		}
		return nil, fmt.Errorf("pth: reading the zip directory: %w", err)
	}
	entries := make(map[string]*zip.File, len(zr.File))
	var pickles []string
	for _, f := range zr.File {
		if _, dup := entries[f.Name]; dup {
			return nil, fmt.Errorf("pth: zip entry %q appears twice", f.Name)
		}
		entries[f.Name] = f
		if strings.HasSuffix(f.Name, "/data.pkl") && strings.Count(f.Name, "/") == 1 {
			pickles = append(pickles, f.Name)
		}
	}
	switch len(pickles) {
	case 0:
		return nil, errors.New("pth: no <folder>/data.pkl in the zip: not a torch.save checkpoint")
	case 1:
	default:
		return nil, fmt.Errorf("pth: several data.pkl entries (%s): cannot tell which is the checkpoint", strings.Join(pickles, ", "))
	}
	prefix := strings.TrimSuffix(pickles[0], "data.pkl")

	if f, ok := entries[prefix+"byteorder"]; ok {
		b, err := readEntry(data, f, 64)
		if err != nil {
			return nil, fmt.Errorf("pth: %w", err)
		}
		if order := strings.TrimSpace(string(b)); order != "little" {
			return nil, fmt.Errorf("pth: byte order %q is not supported (only little-endian)", order)
		}
	}

	pkl, err := readEntry(data, entries[pickles[0]], maxPickleSize)
	if err != nil {
		return nil, fmt.Errorf("pth: %w", err)
	}
	root, err := unpickle(pkl)
	if err != nil {
		return nil, fmt.Errorf("pth: %s: %w", pickles[0], err)
	}
	dict, ok := root.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("pth: the pickle holds %s, not a state_dict", describe(root))
	}

	c := &Checkpoint{Format: "pth"}
	storages := map[string][]byte{}
	for i, k := range dict.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("pth: state_dict key %s is not a string", describe(k))
		}
		ref, ok := dict.vals[i].(*tensorRef)
		if !ok {
			return nil, fmt.Errorf("pth: %s is %s, not a tensor", name, describe(dict.vals[i]))
		}
		t, err := resolveTensor(data, entries, prefix, storages, ref)
		if err != nil {
			return nil, fmt.Errorf("pth: tensor %s: %w", name, err)
		}
		t.Name = name
		c.Tensors = append(c.Tensors, t)
	}
	return c, nil
}

// resolveTensor loads the tensor's storage (once per key) and cuts its view.
func resolveTensor(data []byte, entries map[string]*zip.File, prefix string, storages map[string][]byte, ref *tensorRef) (*Tensor, error) {
	st := ref.storage
	if st.typ.dtype == 0 {
		return nil, fmt.Errorf("dtype %s is not supported (bf16, f16, f32, f64 are)", st.typ.torchName)
	}
	es := int64(st.typ.dtype.Size())
	raw, ok := storages[st.key]
	if !ok {
		name := prefix + "data/" + st.key
		f, ok := entries[name]
		if !ok {
			return nil, fmt.Errorf("storage %q: the archive has no entry %s", st.key, name)
		}
		if st.numel > int64(len(data))*maxDeflateRatio/es {
			return nil, fmt.Errorf("storage %q: %d elements cannot fit in a %d-byte file", st.key, st.numel, len(data))
		}
		want := st.numel * es
		if f.UncompressedSize64 != uint64(want) {
			return nil, fmt.Errorf("storage %q: entry %s has %d bytes, the pickle declares %d %s elements (%d bytes)",
				st.key, name, f.UncompressedSize64, st.numel, st.typ.dtype, want)
		}
		var err error
		if raw, err = readEntry(data, f, want); err != nil {
			return nil, fmt.Errorf("storage %q: %w", st.key, err)
		}
		storages[st.key] = raw
	}
	shape, view, err := viewTensor(ref, raw, int(es))
	if err != nil {
		return nil, err
	}
	return &Tensor{DType: st.typ.dtype, Shape: shape, Data: view}, nil
}

// readEntry returns an entry's bytes: a view into data for a stored entry,
// a new buffer for a deflated one. Every size and offset the zip claims is
// checked against the file first, and entries larger than limit are refused.
func readEntry(data []byte, f *zip.File, limit int64) ([]byte, error) {
	size := uint64(len(data))
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("entry %s claims %d bytes (at most %d expected)", f.Name, f.UncompressedSize64, limit)
	}
	off, err := f.DataOffset()
	if err != nil {
		return nil, fmt.Errorf("entry %s: %w", f.Name, err)
	}
	if off < 0 || uint64(off) > size || f.CompressedSize64 > size-uint64(off) {
		return nil, fmt.Errorf("entry %s claims %d bytes at offset %d, beyond the end of the %d-byte file", f.Name, f.CompressedSize64, off, size)
	}
	switch f.Method {
	case zip.Store:
		if f.CompressedSize64 != f.UncompressedSize64 {
			return nil, fmt.Errorf("stored entry %s has compressed size %d != size %d", f.Name, f.CompressedSize64, f.UncompressedSize64)
		}
		return data[off : off+int64(f.CompressedSize64)], nil
	case zip.Deflate:
		if f.UncompressedSize64 > f.CompressedSize64*maxDeflateRatio+1024 {
			return nil, fmt.Errorf("entry %s claims %d bytes from %d compressed: impossible for deflate", f.Name, f.UncompressedSize64, f.CompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", f.Name, err)
		}
		defer rc.Close()
		// Grow as data actually arrives rather than trusting the claim; read
		// to EOF so archive/zip verifies the CRC.
		b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", f.Name, err)
		}
		if uint64(len(b)) != f.UncompressedSize64 {
			return nil, fmt.Errorf("entry %s: inflated to %d bytes, the zip claims %d", f.Name, len(b), f.UncompressedSize64)
		}
		return b, nil
	}
	return nil, fmt.Errorf("entry %s: compression method %d is not supported (stored or deflate)", f.Name, f.Method)
}

// viewTensor applies the tensor's offset, size and stride to its storage.
// A row-major contiguous tensor is a view; any other layout is copied into
// row-major order. Tensors whose strides overlap (more elements than their
// storage holds, e.g. an expand()) are refused: torch never saves a
// state_dict that way, and accepting them would let a small file demand an
// arbitrarily large buffer.
func viewTensor(t *tensorRef, storage []byte, es int) ([]int, []byte, error) {
	storageNumel := int64(len(storage) / es)
	shape := make([]int, len(t.size))
	empty := false
	for i, s := range t.size {
		if s > int64(math.MaxInt) {
			return nil, nil, fmt.Errorf("dimension %d of size %d is too large", i, s)
		}
		shape[i] = int(s)
		empty = empty || s == 0
	}
	if empty {
		return shape, []byte{}, nil
	}
	numel := int64(1)
	for _, s := range t.size {
		if s > storageNumel/numel {
			return nil, nil, fmt.Errorf("shape %v needs more elements than storage %q holds (%d)", t.size, t.storage.key, storageNumel)
		}
		numel *= s
	}
	// Index of the last element the view touches, checked term by term so
	// that no product can overflow.
	last := t.offset
	outside := last >= storageNumel
	for i := 0; i < len(t.size) && !outside; i++ {
		s, st := t.size[i], t.stride[i]
		if s <= 1 || st == 0 {
			continue
		}
		if s-1 > (storageNumel-1-last)/st {
			outside = true
			break
		}
		last += (s - 1) * st
	}
	if outside {
		return nil, nil, fmt.Errorf("shape %v with stride %v at offset %d reaches past the end of storage %q (%d elements)",
			t.size, t.stride, t.offset, t.storage.key, storageNumel)
	}
	contiguous := true
	expect := int64(1)
	for i := len(t.size) - 1; i >= 0; i-- {
		if t.size[i] != 1 && t.stride[i] != expect {
			contiguous = false
		}
		expect *= t.size[i]
	}
	if contiguous {
		return shape, storage[t.offset*int64(es) : (t.offset+numel)*int64(es)], nil
	}
	out := make([]byte, numel*int64(es))
	idx := make([]int64, len(t.size))
	src := t.offset
	for o := int64(0); o < numel; o++ {
		copy(out[o*int64(es):(o+1)*int64(es)], storage[src*int64(es):])
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			src += t.stride[d]
			if idx[d] < t.size[d] {
				break
			}
			src -= t.stride[d] * t.size[d]
			idx[d] = 0
		}
	}
	return shape, out, nil
}
