// Package checkpoint reads RWKV-7 checkpoints for the converter: PyTorch
// `.pth` files (torch.save zip archives) and `.safetensors` files in the
// Hugging Face / flash-linear-attention (fla) naming.
//
// Whatever the input, tensors come out under the official RWKV-7 `.pth` names
// and layouts (`blocks.0.att.w1` shaped [C, rank], `x_r` shaped [1,1,C], ...),
// so the converter has one naming to deal with.
//
// A `.pth` file is a pickle, and unpickling in Python can run arbitrary code.
// This package has its own small unpickler that knows only the handful of
// globals a state_dict needs (OrderedDict, tensor rebuild functions, storage
// types) and refuses every other one; nothing in a file is ever executed.
// Every size and offset a file claims is checked against the file before it
// is used, so a hostile or truncated file gives an error, never a panic or a
// huge allocation.
package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/gosling-edge/gosling/quant"
)

// DType is the element type of a tensor's raw data.
type DType int

// Element types a checkpoint may hold. The zero value is invalid, so a
// forgotten assignment shows up as "DType(0)" rather than as bf16.
const (
	BF16 DType = iota + 1
	F16
	F32
	F64
)

// String gives the lower-case name ("bf16", "f16", "f32", "f64").
func (d DType) String() string {
	switch d {
	case BF16:
		return "bf16"
	case F16:
		return "f16"
	case F32:
		return "f32"
	case F64:
		return "f64"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Size is the number of bytes per element, 0 for an invalid DType.
func (d DType) Size() int {
	switch d {
	case BF16, F16:
		return 2
	case F32:
		return 4
	case F64:
		return 8
	}
	return 0
}

// Tensor is one named array of a checkpoint.
type Tensor struct {
	Name  string
	DType DType
	Shape []int // row-major (C order), as torch reports it
	// Data holds the little-endian values, contiguous and row-major. It is
	// usually a read-only view into the checkpoint's memory map (writing to
	// it faults), valid only until Checkpoint.Close, which sets it to nil.
	Data []byte
}

// NumElements is the product of Shape (1 for a scalar).
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Float32 converts the data to a new []float32. bf16 and f16 convert
// exactly (NaNs come out quiet); f64 rounds to the nearest float32.
func (t *Tensor) Float32() (_ []float32, err error) {
	// Data is usually a view into the checkpoint's mapping: if the file is
	// truncated while a conversion runs, reading it raises SIGBUS. Turn
	// that into an error. Nothing else here can fault (every index is
	// bounds-checked), so a fault without an address (qemu-user reports
	// SIGBUS so, and Go then calls it a nil dereference) is the mapping too.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(runtime.Error)
			if !ok || !strings.Contains(e.Error(), "invalid memory address") {
				panic(r)
			}
			err = fmt.Errorf("tensor %s: memory fault reading the checkpoint: was the file truncated while in use?", t.Name)
		}
	}()
	n := t.NumElements()
	size := t.DType.Size()
	if size == 0 {
		return nil, fmt.Errorf("tensor %s: invalid dtype %v", t.Name, t.DType)
	}
	if len(t.Data) != n*size {
		return nil, fmt.Errorf("tensor %s: %d bytes of data for shape %v of %v (want %d)", t.Name, len(t.Data), t.Shape, t.DType, n*size)
	}
	out := make([]float32, n)
	var typ quant.Type // the ggml type with the same encoding
	switch t.DType {
	case F64: // not a ggml type
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
		return out, nil
	case BF16:
		typ = quant.TypeBF16
	case F16:
		typ = quant.TypeF16
	case F32:
		typ = quant.TypeF32
	default:
		return nil, fmt.Errorf("tensor %s: no conversion from %v", t.Name, t.DType)
	}
	if err := quant.Dequantize(typ, out, t.Data); err != nil {
		return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
	}
	return out, nil
}

// Checkpoint is an open checkpoint file.
type Checkpoint struct {
	Format  string         // "pth" or "safetensors"
	Tensors []*Tensor      // in file order (pickle dict order / safetensors header order)
	Config  map[string]any // safetensors: config.json beside the file, if present; else nil

	byName map[string]*Tensor
	unmap  func() error
}

// Get finds a tensor by its official name.
func (c *Checkpoint) Get(name string) (*Tensor, bool) {
	t, ok := c.byName[name]
	return t, ok
}

// Close releases the memory map. Tensor data that were views into it become
// nil, so a use after Close reads nothing instead of faulting.
func (c *Checkpoint) Close() error {
	if c.unmap == nil {
		return nil
	}
	for _, t := range c.Tensors {
		t.Data = nil
	}
	err := c.unmap()
	c.unmap = nil
	return err
}

// Largest safetensors header this reader accepts; real ones are kilobytes
// to a few megabytes.
const maxSafetensorsHeader = 100 << 20

// ErrUnknownFormat is returned (wrapped) by Open for a file that is neither
// a PyTorch zip checkpoint nor a safetensors file.
var ErrUnknownFormat = errors.New("not a PyTorch zip (.pth) or safetensors checkpoint")

// Open reads the checkpoint at path. The format comes from the file's first
// bytes, not its extension: a zip ("PK\x03\x04") is a torch.save .pth, an
// 8-byte little-endian length followed by '{' is safetensors.
func Open(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if size == 0 {
		return nil, fmt.Errorf("%s: empty file: %w", path, ErrUnknownFormat)
	}
	if size > math.MaxInt {
		return nil, fmt.Errorf("%s: %d bytes is too large to map on this platform", path, size)
	}
	data, unmap, err := quant.MapFile(f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: map: %w", path, err)
	}
	c, err := parse(data, path)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.unmap = unmap
	return c, nil
}

// parse dispatches on the first bytes of the file.
func parse(data []byte, path string) (*Checkpoint, error) {
	var c *Checkpoint
	var err error
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		c, err = parsePth(data)
	case looksLikeSafetensors(data):
		c, err = parseSafetensors(data)
		if err == nil {
			c.Config, err = readConfigBeside(path)
		}
	case len(data) >= 2 && data[0] == 0x80 && data[1] <= 5:
		// A bare pickle: torch.save before 1.6 (or _use_new_zipfile_serialization=False).
		return nil, errors.New("legacy (non-zip) torch.save format is not supported; re-save it with torch >= 1.6")
	default:
		n := min(len(data), 8)
		return nil, fmt.Errorf("%w (first bytes % x)", ErrUnknownFormat, data[:n])
	}
	if err != nil {
		return nil, err
	}
	if err := c.index(); err != nil {
		return nil, err
	}
	return c, nil
}

// index fills byName. Two tensors may map to one official name (fla's
// model.embeddings.weight beside a literal emb.weight), so a repeated name
// is an error here, after the parsers' renaming.
func (c *Checkpoint) index() error {
	c.byName = make(map[string]*Tensor, len(c.Tensors))
	for _, t := range c.Tensors {
		if _, dup := c.byName[t.Name]; dup {
			return fmt.Errorf("tensor %s appears twice", t.Name)
		}
		c.byName[t.Name] = t
	}
	return nil
}

func looksLikeSafetensors(data []byte) bool {
	if len(data) < 9 {
		return false
	}
	// A length that does not fit is reported by the parser, which can say
	// more than "unknown format".
	return binary.LittleEndian.Uint64(data) > 0 && data[8] == '{'
}

// Largest config.json read beside a safetensors file.
const maxConfigSize = 16 << 20

// readConfigBeside parses config.json in the safetensors file's folder; a
// missing file is not an error (the converter then needs other sources).
func readConfigBeside(path string) (map[string]any, error) {
	name := filepath.Join(filepath.Dir(path), "config.json")
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxConfigSize {
		return nil, fmt.Errorf("%s: %d bytes is too large for a config", name, st.Size())
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxConfigSize))
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if cfg == nil {
		return nil, fmt.Errorf("%s: not a JSON object", name)
	}
	return cfg, nil
}
