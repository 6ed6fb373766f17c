package quant

import (
	"bytes"
	"math"
	"strings"
	"sync"
	"testing"
)

func TestValueNumbers(t *testing.T) {
	cases := []struct {
		v       any
		f       float64 // want from Float; NaN: not a number
		u       uint64  // want from Uint, when uok
		uok     bool
		typName string
	}{
		{uint8(200), 200, 200, true, "uint8"},
		{uint16(65535), 65535, 65535, true, "uint16"},
		{uint32(1 << 31), 1 << 31, 1 << 31, true, "uint32"},
		{uint64(1 << 40), 1 << 40, 1 << 40, true, "uint64"},
		{int8(-5), -5, 0, false, "int8"},
		{int8(7), 7, 7, true, "int8"},
		{int16(-300), -300, 0, false, "int16"},
		{int32(-5), -5, 0, false, "int32"},
		{int32(0), 0, 0, true, "int32"},
		{int64(-1 << 40), -1 << 40, 0, false, "int64"},
		{int64(1 << 40), 1 << 40, 1 << 40, true, "int64"},
		{float32(-0.25), -0.25, 0, false, "float32"},
		{float64(1e-5), 1e-5, 0, false, "float64"},
		{"12", math.NaN(), 0, false, "string"},
		{true, math.NaN(), 0, false, "bool"},
		{[]int32{1}, math.NaN(), 0, false, "array"},
	}
	for _, c := range cases {
		v, err := valueOf(c.v)
		if err != nil {
			t.Fatalf("%T: %v", c.v, err)
		}
		if v.Type.String() != c.typName {
			t.Errorf("%T(%v): type %s, want %s", c.v, c.v, v.Type, c.typName)
		}
		f, ok := v.Float()
		if math.IsNaN(c.f) {
			if ok || !math.IsNaN(f) {
				t.Errorf("%T(%v).Float() = %g, %v; want NaN, false", c.v, c.v, f, ok)
			}
		} else if !ok || f != c.f {
			t.Errorf("%T(%v).Float() = %g, %v; want %g, true", c.v, c.v, f, ok, c.f)
		}
		u, ok := v.Uint()
		if ok != c.uok || (ok && u != c.u) {
			t.Errorf("%T(%v).Uint() = %d, %v; want %d, %v", c.v, c.v, u, ok, c.u, c.uok)
		}
	}
}

// kv makes an entry the way Writer.Add does.
func kv(t *testing.T, key string, v any) KV {
	t.Helper()
	val, err := valueOf(v)
	if err != nil {
		t.Fatal(err)
	}
	return KV{Key: key, Value: val}
}

// metaFile writes the keys through Writer and parses the result back.
func metaFile(t *testing.T, kvs ...KV) *File {
	t.Helper()
	w := NewWriter()
	for _, e := range kvs {
		w.Add(e.Key, e.Value.V)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, nil); err != nil {
		t.Fatal(err)
	}
	g, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestMetadataGetters(t *testing.T) {
	kvs := []KV{
		kv(t, "eps", float32(1e-5)),
		kv(t, "shift", int32(-5)),
		kv(t, "layers", uint32(12)),
		kv(t, "name", "tiny"),
		kv(t, "tokens", []string{"a", "b"}),
		kv(t, "types", []int32{1, -1}),
		kv(t, "dup", uint32(1)),
		kv(t, "dup", uint32(2)),
	}
	parsed := metaFile(t, kvs...)
	for name, m := range map[string]*Metadata{"parsed": &parsed.Meta, "built by hand": {KVs: kvs}} {
		t.Run(name, func(t *testing.T) {
			if f, err := m.Float("shift"); err != nil || f != -5 {
				t.Errorf("Float(shift) = %g, %v; want -5", f, err)
			}
			if f, err := m.Float("eps"); err != nil || f != float64(float32(1e-5)) {
				t.Errorf("Float(eps) = %g, %v", f, err)
			}
			if u, err := m.Uint("layers"); err != nil || u != 12 {
				t.Errorf("Uint(layers) = %d, %v", u, err)
			}
			if u, err := m.Uint("dup"); err != nil || u != 2 {
				t.Errorf("Uint(dup) = %d, %v; want the last entry, 2", u, err)
			}
			if s, err := m.String("name"); err != nil || s != "tiny" {
				t.Errorf("String(name) = %q, %v", s, err)
			}
			if s, err := m.Strings("tokens"); err != nil || len(s) != 2 || s[1] != "b" {
				t.Errorf("Strings(tokens) = %q, %v", s, err)
			}
			if s, err := m.Int32s("types"); err != nil || len(s) != 2 || s[1] != -1 {
				t.Errorf("Int32s(types) = %v, %v", s, err)
			}
			for _, c := range []struct {
				err  error
				want string
			}{
				{errOf(m.Uint("shift")), "metadata key shift: want a non-negative integer, have int32"},
				{errOf(m.Float("name")), "metadata key name: want a number, have string"},
				{errOf(m.String("layers")), "metadata key layers: want a string, have uint32"},
				{errOf(m.Strings("types")), "metadata key types: want an array of strings, have array of int32"},
				{errOf(m.Int32s("tokens")), "metadata key tokens: want an array of int32, have array of string"},
				{errOf(m.Uint("absent")), "metadata key absent: missing"},
			} {
				if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
					t.Errorf("error %v, want %q", c.err, c.want)
				}
			}
			if _, ok := m.Get("absent"); ok {
				t.Error("Get(absent) found a value")
			}
		})
	}
}

func errOf[T any](_ T, err error) error { return err }

// Readers share one Metadata; Get must not write to it (run with -race).
func TestMetadataConcurrentGet(t *testing.T) {
	parsed := metaFile(t, kv(t, "k", uint32(7)))
	hand := &Metadata{KVs: []KV{kv(t, "k", uint32(7))}}
	for _, m := range []*Metadata{&parsed.Meta, hand} {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if u, err := m.Uint("k"); err != nil || u != 7 {
					t.Errorf("Uint(k) = %d, %v", u, err)
				}
			})
		}
		wg.Wait()
	}
}
