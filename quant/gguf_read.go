package quant

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"unsafe"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the tensor-data alignment when general.alignment is absent.
const DefaultAlignment = 32

// Limits on what a header may claim, so that a hostile file cannot make the
// parser allocate before its claims are checked against the bytes present.
const (
	maxTensors = 1 << 20
	maxKVs     = 1 << 20
	maxDims    = 4
	maxDepth   = 4
	// maxValueElems bounds the elements of all arrays kept as []Value
	// (bool, 16-bit, float64 and nested arrays) in one file. Each costs 24
	// bytes in memory for as little as 1 in the file, so without a bound a
	// file of bool arrays would allocate 24 times its size. Real files use
	// none of these array types for anything large.
	maxValueElems = 1 << 20
)

// ErrNotGGUF means the file does not start with the GGUF magic.
var ErrNotGGUF = errors.New("not a GGUF file (bad magic)")

// TensorInfo describes one tensor of a GGUF file. Dims are in ggml order:
// Dims[0] is the number of values in a row (the fastest-varying index).
type TensorInfo struct {
	Name   string
	Type   Type
	Dims   []uint64
	Offset uint64 // from the start of the tensor-data section
	Size   uint64 // bytes, computed from Type and Dims
}

// Elements is the number of values in the tensor.
func (t *TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Cols is the length of a row (Dims[0]); Rows is the product of the rest.
func (t *TensorInfo) Cols() int { return int(t.Dims[0]) }

// Rows is the number of rows: the product of every dimension but the first.
func (t *TensorInfo) Rows() int {
	r := 1
	for _, d := range t.Dims[1:] {
		r *= int(d)
	}
	return r
}

// TypeTotal is how many tensors of one type a file holds, and their bytes.
type TypeTotal struct {
	Type    Type
	Tensors int
	Bytes   uint64
}

// TypeTotals are the tensor types of the file in the order they first
// appear, with their counts and bytes: what reports summarize a model by.
func (g *File) TypeTotals() []TypeTotal {
	var totals []TypeTotal
	for _, t := range g.Tensors {
		i := slices.IndexFunc(totals, func(x TypeTotal) bool { return x.Type == t.Type })
		if i < 0 {
			i, totals = len(totals), append(totals, TypeTotal{Type: t.Type})
		}
		totals[i].Tensors++
		totals[i].Bytes += t.Size
	}
	return totals
}

// File is a parsed GGUF file whose tensor data stays in the memory map.
type File struct {
	Path       string
	Version    uint32
	Meta       Metadata
	Tensors    []TensorInfo
	Alignment  uint64
	DataOffset uint64 // absolute offset of the tensor-data section
	Size       uint64 // file size in bytes

	data   []byte // the mapping (or the parsed buffer)
	unmap  func() error
	tindex map[string]int
}

// Open maps path read-only and parses its header. Every tensor's extent is
// checked against the file size; no tensor byte is read.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	size := st.Size()
	if size < 24 {
		return nil, fmt.Errorf("%s: %d bytes is too short for a GGUF header (truncated file?)", path, size)
	}
	data, unmap, err := MapFile(f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: mmap: %w", path, err)
	}
	g, err := Parse(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g.Path = path
	g.unmap = unmap
	return g, nil
}

// Close releases the mapping. Tensor views must not be used afterwards.
func (g *File) Close() error {
	if g.unmap == nil {
		return nil
	}
	err := g.unmap()
	g.unmap = nil
	g.data = nil
	return err
}

// Parse reads a GGUF image held in memory (a mapping or a buffer).
func Parse(data []byte) (*File, error) {
	r := reader{buf: data}
	magic := r.bytes(4)
	if r.err != nil || string(magic) != Magic {
		if r.err != nil {
			return nil, fmt.Errorf("truncated header: %w", r.err)
		}
		return nil, ErrNotGGUF
	}
	g := &File{Size: uint64(len(data)), data: data}
	g.Version = r.u32()
	if r.err == nil && g.Version != 2 && g.Version != 3 {
		if g.Version == 1 {
			return nil, errors.New("GGUF version 1 is not supported (re-convert the model)")
		}
		return nil, fmt.Errorf("unsupported GGUF version %d (big-endian or corrupt file?)", g.Version)
	}
	nTensors := r.u64()
	nKV := r.u64()
	if r.err != nil {
		return nil, fmt.Errorf("truncated header: %w", r.err)
	}
	if nTensors > maxTensors {
		return nil, fmt.Errorf("header claims %d tensors (limit %d): corrupt file", nTensors, maxTensors)
	}
	if nKV > maxKVs {
		return nil, fmt.Errorf("header claims %d metadata entries (limit %d): corrupt file", nKV, maxKVs)
	}
	// Each KV needs at least 12 bytes and each tensor info at least 24, so a
	// count larger than the remaining bytes allow is a lie; refuse it before
	// allocating anything proportional to it.
	if nKV*12 > uint64(r.remaining()) || nTensors*24 > uint64(r.remaining()) {
		return nil, fmt.Errorf("header claims %d metadata entries and %d tensors, more than the %d bytes of the file can hold (truncated file?)", nKV, nTensors, len(data))
	}
	g.Meta.KVs = make([]KV, 0, nKV)
	for i := uint64(0); i < nKV; i++ {
		key := r.str()
		vt := ValueType(r.u32())
		if r.err != nil {
			return nil, fmt.Errorf("metadata entry %d: %w", i, r.err)
		}
		v, err := r.value(vt, 0)
		if err != nil {
			return nil, fmt.Errorf("metadata key %q: %w", key, err)
		}
		g.Meta.KVs = append(g.Meta.KVs, KV{Key: key, Value: v})
	}
	g.Meta.reindex()

	g.Alignment = DefaultAlignment
	if v, ok := g.Meta.Get("general.alignment"); ok {
		a, ok := v.Uint()
		if !ok || a == 0 || a&(a-1) != 0 || a > 1<<16 {
			return nil, fmt.Errorf("metadata key general.alignment: %v is not a power of two up to 65536", v.V)
		}
		g.Alignment = a
	}

	g.Tensors = make([]TensorInfo, 0, nTensors)
	g.tindex = make(map[string]int, nTensors)
	for i := uint64(0); i < nTensors; i++ {
		var t TensorInfo
		t.Name = r.str()
		nd := r.u32()
		if r.err != nil {
			return nil, fmt.Errorf("tensor info %d: %w", i, r.err)
		}
		if nd == 0 || nd > maxDims {
			return nil, fmt.Errorf("tensor %s: %d dimensions (want 1..%d)", t.Name, nd, maxDims)
		}
		t.Dims = make([]uint64, nd)
		for d := range t.Dims {
			t.Dims[d] = r.u64()
		}
		t.Type = Type(r.u32())
		t.Offset = r.u64()
		if r.err != nil {
			return nil, fmt.Errorf("tensor info %s: %w", t.Name, r.err)
		}
		if err := t.computeSize(); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
		}
		if _, dup := g.tindex[t.Name]; dup {
			return nil, fmt.Errorf("tensor %s: appears twice", t.Name)
		}
		if t.Offset%g.Alignment != 0 {
			return nil, fmt.Errorf("tensor %s: offset %d is not aligned to %d", t.Name, t.Offset, g.Alignment)
		}
		g.tindex[t.Name] = len(g.Tensors)
		g.Tensors = append(g.Tensors, t)
	}
	g.DataOffset = alignUp(uint64(r.off), g.Alignment)
	// The extent is checked by subtraction: a hostile size near 2^64 makes
	// offset+size wrap around to a small number that would pass a sum check.
	var avail uint64 // bytes of the data section present in the file
	if g.DataOffset <= g.Size {
		avail = g.Size - g.DataOffset
	}
	for i := range g.Tensors {
		t := &g.Tensors[i]
		if t.Offset > avail || t.Size > avail-t.Offset {
			return nil, fmt.Errorf("tensor %s: %d bytes at data offset %d lie beyond the end of the file (%d bytes of tensor data): truncated file", t.Name, t.Size, t.Offset, avail)
		}
	}
	return g, nil
}

func (t *TensorInfo) computeSize() error {
	ti, ok := typeTable[t.Type]
	if !ok {
		return fmt.Errorf("unknown ggml type %d", uint32(t.Type))
	}
	n := uint64(1)
	for _, d := range t.Dims {
		if d == 0 || d > 1<<40 {
			return fmt.Errorf("dimension %d out of range", d)
		}
		if n > math.MaxUint64/d {
			return errors.New("dimensions overflow")
		}
		n *= d
	}
	bs := uint64(ti.blockSize)
	if t.Dims[0]%bs != 0 {
		return fmt.Errorf("%s row length %d is not a multiple of the block size %d", t.Type, t.Dims[0], bs)
	}
	nb := n / bs
	bb := uint64(ti.blockBytes)
	if nb > math.MaxUint64/bb {
		return errors.New("size overflows")
	}
	t.Size = nb * bb
	return nil
}

func alignUp(n, a uint64) uint64 { return (n + a - 1) / a * a }

// Tensor returns the named tensor's info.
func (g *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := g.tindex[name]
	if !ok {
		return nil, false
	}
	return &g.Tensors[i], true
}

// Bytes returns the tensor's data as a view into the mapping (no copy).
func (g *File) Bytes(t *TensorInfo) []byte {
	start := g.DataOffset + t.Offset
	return g.data[start : start+t.Size : start+t.Size]
}

// F32 returns an F32 tensor's data as a []float32 view into the mapping.
func (g *File) F32(t *TensorInfo) ([]float32, error) {
	if t.Type != TypeF32 {
		return nil, fmt.Errorf("tensor %s: want F32, have %s", t.Name, t.Type)
	}
	b := g.Bytes(t)
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4 != 0 {
		return nil, fmt.Errorf("tensor %s: data not 4-byte aligned", t.Name)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4), nil
}

// U16 returns an F16 or BF16 tensor's data as raw 16-bit words (a view).
func (g *File) U16(t *TensorInfo) ([]uint16, error) {
	if t.Type != TypeF16 && t.Type != TypeBF16 {
		return nil, fmt.Errorf("tensor %s: want F16, have %s", t.Name, t.Type)
	}
	b := g.Bytes(t)
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%2 != 0 {
		return nil, fmt.Errorf("tensor %s: data not 2-byte aligned", t.Name)
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/2), nil
}

// reader is a bounds-checked little-endian cursor over the header bytes.
// The first error sticks; later reads return zero values.
type reader struct {
	buf    []byte
	off    int
	err    error
	values int // []Value elements allocated so far (see maxValueElems)
}

var errTruncated = errors.New("unexpected end of file")

func (r *reader) remaining() int { return len(r.buf) - r.off }

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(r.remaining()) {
		r.err = errTruncated
		return nil
	}
	b := r.buf[r.off : r.off+int(n)]
	r.off += int(n)
	return b
}

func (r *reader) u8() uint8 {
	b := r.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u16() uint16 {
	b := r.bytes(2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *reader) u32() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *reader) str() string {
	n := r.u64()
	return string(r.bytes(n))
}

func (r *reader) value(t ValueType, depth int) (Value, error) {
	v := Value{Type: t}
	switch t {
	case ValUint8:
		v.V = r.u8()
	case ValInt8:
		v.V = int8(r.u8())
	case ValUint16:
		v.V = r.u16()
	case ValInt16:
		v.V = int16(r.u16())
	case ValUint32:
		v.V = r.u32()
	case ValInt32:
		v.V = int32(r.u32())
	case ValFloat32:
		v.V = math.Float32frombits(r.u32())
	case ValBool:
		b := r.u8()
		if r.err == nil && b > 1 {
			return v, fmt.Errorf("bool value %d", b)
		}
		v.V = b == 1
	case ValString:
		v.V = r.str()
	case ValUint64:
		v.V = r.u64()
	case ValInt64:
		v.V = int64(r.u64())
	case ValFloat64:
		v.V = math.Float64frombits(r.u64())
	case ValArray:
		if depth >= maxDepth {
			return v, errors.New("arrays nested too deeply")
		}
		et := ValueType(r.u32())
		n := r.u64()
		if r.err != nil {
			return v, r.err
		}
		v.ElemType = et
		min := uint64(et.fixedSize())
		switch et {
		case ValString:
			min = 8
		case ValArray:
			min = 12
		}
		if min == 0 {
			return v, fmt.Errorf("array of unknown value type %d", uint32(et))
		}
		if n > uint64(r.remaining())/min {
			return v, fmt.Errorf("array claims %d elements, more than the file holds: %w", n, errTruncated)
		}
		arr, err := r.array(et, int(n), depth)
		if err != nil {
			return v, err
		}
		v.V = arr
	default:
		return v, fmt.Errorf("unknown value type %d", uint32(t))
	}
	if r.err != nil {
		return v, r.err
	}
	return v, nil
}

func (r *reader) array(et ValueType, n int, depth int) (any, error) {
	switch et {
	case ValString:
		s := make([]string, n)
		for i := range s {
			s[i] = r.str()
			if r.err != nil {
				return nil, r.err
			}
		}
		return s, nil
	case ValInt32:
		s := make([]int32, n)
		for i := range s {
			s[i] = int32(r.u32())
		}
		return s, r.err
	case ValUint32:
		s := make([]uint32, n)
		for i := range s {
			s[i] = r.u32()
		}
		return s, r.err
	case ValFloat32:
		s := make([]float32, n)
		for i := range s {
			s[i] = math.Float32frombits(r.u32())
		}
		return s, r.err
	case ValUint8:
		s := make([]uint8, n)
		copy(s, r.bytes(uint64(n)))
		return s, r.err
	case ValInt8:
		s := make([]int8, n)
		for i, b := range r.bytes(uint64(n)) {
			s[i] = int8(b)
		}
		return s, r.err
	case ValUint64:
		s := make([]uint64, n)
		for i := range s {
			s[i] = r.u64()
		}
		return s, r.err
	case ValInt64:
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(r.u64())
		}
		return s, r.err
	}
	// Rarely used element types (bool, 16-bit, float64, nested arrays) are
	// kept as []Value.
	if r.values += n; r.values > maxValueElems {
		return nil, fmt.Errorf("arrays of %s hold more than %d elements in all (corrupt file?)", et, maxValueElems)
	}
	s := make([]Value, n)
	for i := range s {
		v, err := r.value(et, depth+1)
		if err != nil {
			return nil, err
		}
		s[i] = v
	}
	return s, nil
}
