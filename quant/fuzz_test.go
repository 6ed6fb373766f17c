package quant

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// Run with: go test ./quant/ -run '^$' -fuzz '^FuzzParseGGUF$'.
//
// A GGUF file comes from the internet: Parse must refuse bad bytes with an
// error, never panic, and what it accepts must be consistent, i.e. every
// tensor's bytes are inside the buffer, and writing the parsed file again
// with Writer and parsing that gives the same metadata and tensors.

// fuzzSeedGGUF is a small file with every metadata value type (nested
// arrays and []Value element types included) and a tensor of every type the
// runtime computes with.
func fuzzSeedGGUF(tb testing.TB, alignment uint64) []byte {
	tb.Helper()
	w := NewWriter()
	w.Alignment = alignment
	w.Add("general.architecture", "rwkv7")
	w.Add("u8", uint8(7))
	w.Add("i8", int8(-7))
	w.Add("u16", uint16(700))
	w.Add("i16", int16(-700))
	w.Add("u32", uint32(70000))
	w.Add("i32", int32(-70000))
	w.Add("f32", float32(1.5))
	w.Add("bool", true)
	w.Add("u64", uint64(1)<<40)
	w.Add("i64", int64(-1)<<40)
	w.Add("f64", 2.25)
	w.Add("strings", []string{"a", "", "\n\n"})
	w.Add("i32s", []int32{1, -2, 3})
	w.Add("u32s", []uint32{4, 5})
	w.Add("f32s", []float32{0.5, -0.25})
	w.Add("u64s", []uint64{6})
	w.Add("i64s", []int64{-7})
	w.Add("u8s", []uint8{8, 9})
	w.Add("i8s", []int8{-8})
	w.Add("bools", Value{Type: ValArray, ElemType: ValBool, V: []Value{{Type: ValBool, V: true}, {Type: ValBool, V: false}}})
	w.Add("nested", Value{Type: ValArray, ElemType: ValArray, V: []Value{
		{Type: ValArray, ElemType: ValUint16, V: []Value{{Type: ValUint16, V: uint16(1)}}},
	}})
	add := func(name string, typ Type, dims ...uint64) {
		ti := TensorInfo{Name: name, Type: typ, Dims: dims}
		if err := ti.computeSize(); err != nil {
			tb.Fatal(err)
		}
		data := make([]byte, ti.Size)
		for i := range data {
			data[i] = byte(i*7 + 1)
		}
		if err := w.AddTensorBytes(name, typ, dims, data); err != nil {
			tb.Fatal(err)
		}
	}
	add("f32", TypeF32, 3)
	add("f16", TypeF16, 2, 3)
	add("q8", TypeQ8_0, 32, 2)
	add("q4", TypeQ4_0, 32, 1, 1, 1)
	var buf bytes.Buffer
	if err := w.Write(&buf, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzParseGGUF(f *testing.F) {
	f.Add(fuzzSeedGGUF(f, DefaultAlignment))
	f.Add(fuzzSeedGGUF(f, 64))
	f.Add([]byte("GGUF\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add(wrappingTensorGGUF(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		checkParsed(t, g, data)
		// The typed accessors must not panic on whatever the values are.
		for _, kv := range g.Meta.KVs {
			g.Meta.Uint(kv.Key)
			g.Meta.Float(kv.Key)
			g.Meta.String(kv.Key)
			g.Meta.Strings(kv.Key)
			g.Meta.Int32s(kv.Key)
		}
		first := rewrite(t, g)
		g2, err := Parse(first)
		if err != nil {
			t.Fatalf("re-parsing what Writer wrote from a parsed file: %v", err)
		}
		checkParsed(t, g2, first)
		sameFile(t, g, g2)
		if second := rewrite(t, g2); !bytes.Equal(first, second) {
			t.Fatalf("write(parse(write(parse(x)))) differs from write(parse(x))")
		}
	})
}

// checkParsed re-validates what Parse accepted against the buffer.
func checkParsed(t *testing.T, g *File, data []byte) {
	t.Helper()
	if g.Size != uint64(len(data)) {
		t.Fatalf("Size %d for %d bytes", g.Size, len(data))
	}
	if a := g.Alignment; a == 0 || a&(a-1) != 0 {
		t.Fatalf("alignment %d", a)
	}
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		if ti.Offset%g.Alignment != 0 {
			t.Fatalf("tensor %s: offset %d not aligned to %d", ti.Name, ti.Offset, g.Alignment)
		}
		if g.DataOffset > g.Size || ti.Offset > g.Size-g.DataOffset || ti.Size > g.Size-g.DataOffset-ti.Offset {
			t.Fatalf("tensor %s: %d bytes at %d+%d outside the %d-byte buffer", ti.Name, ti.Size, g.DataOffset, ti.Offset, g.Size)
		}
		if len(ti.Dims) == 0 || len(ti.Dims) > maxDims {
			t.Fatalf("tensor %s: %d dims", ti.Name, len(ti.Dims))
		}
		rb, err := ti.Type.RowBytes(int(ti.Dims[0]))
		if err != nil {
			t.Fatalf("tensor %s: accepted with %v", ti.Name, err)
		}
		rows := ti.Elements() / ti.Dims[0]
		if uint64(rb)*rows != ti.Size {
			t.Fatalf("tensor %s: size %d, rows %d × %d bytes", ti.Name, ti.Size, rows, rb)
		}
		if b := g.Bytes(ti); uint64(len(b)) != ti.Size {
			t.Fatalf("tensor %s: Bytes gives %d, size %d", ti.Name, len(b), ti.Size)
		}
		if got, ok := g.Tensor(ti.Name); !ok || got != ti {
			t.Fatalf("tensor %s: lookup by name fails", ti.Name)
		}
	}
}

// rewrite writes a parsed file back with Writer. general.alignment becomes
// the Writer's alignment (which it writes itself when not the default).
func rewrite(t *testing.T, g *File) []byte {
	t.Helper()
	w := NewWriter()
	w.Alignment = g.Alignment
	for _, kv := range g.Meta.KVs {
		if kv.Key != "general.alignment" {
			w.Add(kv.Key, kv.Value)
		}
	}
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		if err := w.AddTensorBytes(ti.Name, ti.Type, ti.Dims, g.Bytes(ti)); err != nil {
			t.Fatalf("Writer refuses tensor %s that Parse accepted: %v", ti.Name, err)
		}
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, nil); err != nil {
		t.Fatalf("writing a parsed file: %v", err)
	}
	return buf.Bytes()
}

// sameFile compares metadata (but general.alignment) and tensors of a file
// and its rewrite. Values compare by their encoding, so NaN equals itself.
func sameFile(t *testing.T, a, b *File) {
	t.Helper()
	ka, kb := kvsBut(a, "general.alignment"), kvsBut(b, "general.alignment")
	if len(ka) != len(kb) {
		t.Fatalf("%d metadata entries, rewrite has %d", len(ka), len(kb))
	}
	for i := range ka {
		if ka[i].Key != kb[i].Key || !sameValue(ka[i].Value, kb[i].Value) {
			t.Fatalf("metadata entry %d: %q=%v, rewrite has %q=%v", i, ka[i].Key, ka[i].Value, kb[i].Key, kb[i].Value)
		}
	}
	if a.Alignment != b.Alignment {
		t.Fatalf("alignment %d, rewrite %d", a.Alignment, b.Alignment)
	}
	if len(a.Tensors) != len(b.Tensors) {
		t.Fatalf("%d tensors, rewrite has %d", len(a.Tensors), len(b.Tensors))
	}
	for i := range a.Tensors {
		x, y := &a.Tensors[i], &b.Tensors[i]
		if x.Name != y.Name || x.Type != y.Type || fmt.Sprint(x.Dims) != fmt.Sprint(y.Dims) || x.Size != y.Size {
			t.Fatalf("tensor %d: %s %s %v, rewrite %s %s %v", i, x.Name, x.Type, x.Dims, y.Name, y.Type, y.Dims)
		}
		if !bytes.Equal(a.Bytes(x), b.Bytes(y)) {
			t.Fatalf("tensor %s: data differs after the rewrite", x.Name)
		}
	}
}

func kvsBut(g *File, skip string) []KV {
	var out []KV
	for _, kv := range g.Meta.KVs {
		if kv.Key != skip {
			out = append(out, kv)
		}
	}
	return out
}

func sameValue(a, b Value) bool {
	if a.Type != b.Type || a.Type == ValArray && a.ElemType != b.ElemType {
		return false
	}
	return bytes.Equal(encodeValue(a), encodeValue(b))
}

func encodeValue(v Value) []byte {
	var buf bytes.Buffer
	e := encoder{w: &countingWriter{w: &buf}}
	e.value(v)
	if e.err != nil {
		return []byte(e.err.Error())
	}
	return buf.Bytes()
}

// wrappingTensorGGUF is a file whose one tensor (I8, dims 65535 ×
// 42009217 × 6700417) claims 2^64−1 bytes: the offset + size sum wraps
// around to less than the file size, which an extent check by addition
// accepted, and Bytes then panicked.
func wrappingTensorGGUF(tb testing.TB) []byte {
	tb.Helper()
	le := binary.LittleEndian
	b := []byte("GGUF")
	b = le.AppendUint32(b, 3)
	b = le.AppendUint64(b, 1) // tensors
	b = le.AppendUint64(b, 0) // metadata entries
	b = le.AppendUint64(b, 1)
	b = append(b, 'a')
	b = le.AppendUint32(b, 3)
	for _, d := range []uint64{65535, 42009217, 6700417} {
		b = le.AppendUint64(b, d)
	}
	b = le.AppendUint32(b, uint32(TypeI8))
	b = le.AppendUint64(b, 0) // offset
	for len(b)%DefaultAlignment != 0 {
		b = append(b, 0)
	}
	return append(b, make([]byte, 64)...)
}

// The fuzz seeds must be valid files, or the round trip is never reached.
func TestFuzzSeedsParse(t *testing.T) {
	for _, a := range []uint64{DefaultAlignment, 64} {
		data := fuzzSeedGGUF(t, a)
		g, err := Parse(data)
		if err != nil {
			t.Fatalf("alignment %d: %v", a, err)
		}
		if len(g.Tensors) != 4 || len(g.Meta.KVs) < 21 || g.Alignment != a {
			t.Fatalf("alignment %d: %d tensors, %d keys, alignment %d", a, len(g.Tensors), len(g.Meta.KVs), g.Alignment)
		}
		sameFile(t, g, mustParse(t, rewrite(t, g)))
	}
}

func mustParse(t *testing.T, data []byte) *File {
	t.Helper()
	g, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
