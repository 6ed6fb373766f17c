package quant

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Writer assembles a GGUF v3 file: metadata in the order added, then tensor
// infos and tensor data in the order added. Tensor data is produced by a
// callback at write time, so a converter never holds the whole model.
type Writer struct {
	Alignment uint64
	kvs       []KV
	tensors   []writerTensor
	names     map[string]bool
}

type writerTensor struct {
	info  TensorInfo
	write func(w io.Writer) error
}

// NewWriter returns a Writer with the default alignment.
func NewWriter() *Writer {
	return &Writer{Alignment: DefaultAlignment, names: map[string]bool{}}
}

// Add appends a metadata entry. v must be one of the Go types Value holds:
// a scalar (uint8 … float64, bool, string) or a slice of one ([]string,
// []int32, []uint32, []float32, []uint64, []int64, []uint8, []int8).
func (w *Writer) Add(key string, v any) {
	val, err := valueOf(v)
	if err != nil {
		panic(fmt.Sprintf("gguf key %s: %v", key, err))
	}
	w.kvs = append(w.kvs, KV{Key: key, Value: val})
}

func valueOf(v any) (Value, error) {
	switch x := v.(type) {
	case uint8:
		return Value{Type: ValUint8, V: x}, nil
	case int8:
		return Value{Type: ValInt8, V: x}, nil
	case uint16:
		return Value{Type: ValUint16, V: x}, nil
	case int16:
		return Value{Type: ValInt16, V: x}, nil
	case uint32:
		return Value{Type: ValUint32, V: x}, nil
	case int32:
		return Value{Type: ValInt32, V: x}, nil
	case float32:
		return Value{Type: ValFloat32, V: x}, nil
	case bool:
		return Value{Type: ValBool, V: x}, nil
	case string:
		return Value{Type: ValString, V: x}, nil
	case uint64:
		return Value{Type: ValUint64, V: x}, nil
	case int64:
		return Value{Type: ValInt64, V: x}, nil
	case float64:
		return Value{Type: ValFloat64, V: x}, nil
	case []string:
		return Value{Type: ValArray, ElemType: ValString, V: x}, nil
	case []int32:
		return Value{Type: ValArray, ElemType: ValInt32, V: x}, nil
	case []uint32:
		return Value{Type: ValArray, ElemType: ValUint32, V: x}, nil
	case []float32:
		return Value{Type: ValArray, ElemType: ValFloat32, V: x}, nil
	case []uint64:
		return Value{Type: ValArray, ElemType: ValUint64, V: x}, nil
	case []int64:
		return Value{Type: ValArray, ElemType: ValInt64, V: x}, nil
	case []uint8:
		return Value{Type: ValArray, ElemType: ValUint8, V: x}, nil
	case []int8:
		return Value{Type: ValArray, ElemType: ValInt8, V: x}, nil
	case Value:
		return x, nil
	}
	return Value{}, fmt.Errorf("unsupported metadata type %T", v)
}

// AddTensor appends a tensor. dims are in ggml order (dims[0] = row length).
// write must produce exactly the tensor's byte size.
func (w *Writer) AddTensor(name string, typ Type, dims []uint64, write func(io.Writer) error) error {
	if w.names[name] {
		return fmt.Errorf("tensor %s added twice", name)
	}
	t := TensorInfo{Name: name, Type: typ, Dims: append([]uint64(nil), dims...)}
	if len(dims) == 0 || len(dims) > maxDims {
		return fmt.Errorf("tensor %s: %d dimensions", name, len(dims))
	}
	if err := t.computeSize(); err != nil {
		return fmt.Errorf("tensor %s: %w", name, err)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, writerTensor{info: t, write: write})
	return nil
}

// AddTensorBytes appends a tensor whose data is already in memory.
func (w *Writer) AddTensorBytes(name string, typ Type, dims []uint64, data []byte) error {
	return w.AddTensor(name, typ, dims, func(out io.Writer) error {
		_, err := out.Write(data)
		return err
	})
}

// TotalTensorBytes is the size of all tensor data (without padding).
func (w *Writer) TotalTensorBytes() uint64 {
	var n uint64
	for _, t := range w.tensors {
		n += t.info.Size
	}
	return n
}

// WriteFile writes the file with WriteFileAtomic, so an interrupted run
// never leaves a partial file under the target name. progress, if not nil,
// is called after each tensor with the tensor bytes written so far and the
// total.
func (w *Writer) WriteFile(path string, progress func(done, total uint64)) error {
	return WriteFileAtomic(path, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := w.Write(bw, progress); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// Write streams the GGUF image to out.
func (w *Writer) Write(out io.Writer, progress func(done, total uint64)) error {
	cw := &countingWriter{w: out}
	e := encoder{w: cw}
	e.raw([]byte(Magic))
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	kvs := w.kvs
	if w.Alignment != DefaultAlignment {
		kvs = append(kvs, KV{Key: "general.alignment", Value: Value{Type: ValUint32, V: uint32(w.Alignment)}})
	}
	e.u64(uint64(len(kvs)))
	for _, kv := range kvs {
		e.str(kv.Key)
		e.u32(uint32(kv.Value.Type))
		e.value(kv.Value)
	}
	var off uint64
	for i := range w.tensors {
		t := &w.tensors[i].info
		t.Offset = off
		e.str(t.Name)
		e.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			e.u64(d)
		}
		e.u32(uint32(t.Type))
		e.u64(t.Offset)
		off = alignUp(off+t.Size, w.Alignment)
	}
	e.pad(w.Alignment)
	if e.err != nil {
		return e.err
	}
	total := w.TotalTensorBytes()
	var done uint64
	for _, t := range w.tensors {
		start := cw.n
		if err := t.write(cw); err != nil {
			return fmt.Errorf("tensor %s: %w", t.info.Name, err)
		}
		if got := cw.n - start; got != t.info.Size {
			return fmt.Errorf("tensor %s: wrote %d bytes, want %d", t.info.Name, got, t.info.Size)
		}
		e.pad(w.Alignment)
		if e.err != nil {
			return e.err
		}
		done += t.info.Size
		if progress != nil {
			progress(done, total)
		}
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n uint64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += uint64(n)
	return n, err
}

type encoder struct {
	w   *countingWriter
	err error
	b   [8]byte
}

func (e *encoder) raw(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

func (e *encoder) u8(v uint8) { e.raw([]byte{v}) }
func (e *encoder) u16(v uint16) {
	binary.LittleEndian.PutUint16(e.b[:2], v)
	e.raw(e.b[:2])
}
func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.b[:4], v)
	e.raw(e.b[:4])
}
func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.b[:8], v)
	e.raw(e.b[:8])
}
func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	e.raw([]byte(s))
}

func (e *encoder) pad(align uint64) {
	if n := alignUp(e.w.n, align) - e.w.n; n > 0 {
		e.raw(make([]byte, n))
	}
}

func (e *encoder) value(v Value) {
	switch x := v.V.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case bool:
		if x {
			e.u8(1)
		} else {
			e.u8(0)
		}
	case string:
		e.str(x)
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	case []string:
		writeArray(e, ValString, x, e.str)
	case []int32:
		writeArray(e, ValInt32, x, func(v int32) { e.u32(uint32(v)) })
	case []uint32:
		writeArray(e, ValUint32, x, e.u32)
	case []float32:
		writeArray(e, ValFloat32, x, func(v float32) { e.u32(math.Float32bits(v)) })
	case []uint64:
		writeArray(e, ValUint64, x, e.u64)
	case []int64:
		writeArray(e, ValInt64, x, func(v int64) { e.u64(uint64(v)) })
	case []uint8:
		e.arrayHeader(ValUint8, len(x))
		e.raw(x)
	case []int8:
		writeArray(e, ValInt8, x, func(v int8) { e.u8(uint8(v)) })
	case []Value:
		e.arrayHeader(v.ElemType, len(x))
		for _, s := range x {
			e.value(s)
		}
	default:
		if e.err == nil {
			e.err = fmt.Errorf("cannot encode %T", v.V)
		}
	}
}

// writeArray writes an array of GGUF type t, each element with put.
func writeArray[T any](e *encoder, t ValueType, xs []T, put func(T)) {
	e.arrayHeader(t, len(xs))
	for _, x := range xs {
		put(x)
	}
}

func (e *encoder) arrayHeader(t ValueType, n int) {
	e.u32(uint32(t))
	e.u64(uint64(n))
}
