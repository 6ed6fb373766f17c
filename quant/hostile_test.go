package quant

import (
	"encoding/binary"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

// Hostile GGUF headers: each must be refused with a clear error naming the
// problem, and without allocating anything near what it claims (the
// limits are checked against the bytes present before any make).

// hdr builds a GGUF header field by field.
type hdr struct{ b []byte }

func newHdr(version uint32, tensors, kvs uint64) *hdr {
	h := &hdr{b: []byte("GGUF")}
	return h.u32(version).u64(tensors).u64(kvs)
}

func (h *hdr) u32(v uint32) *hdr  { h.b = binary.LittleEndian.AppendUint32(h.b, v); return h }
func (h *hdr) u64(v uint64) *hdr  { h.b = binary.LittleEndian.AppendUint64(h.b, v); return h }
func (h *hdr) str(s string) *hdr  { h.u64(uint64(len(s))); h.b = append(h.b, s...); return h }
func (h *hdr) raw(p ...byte) *hdr { h.b = append(h.b, p...); return h }

// tensor appends a tensor info record.
func (h *hdr) tensor(name string, typ Type, offset uint64, dims ...uint64) *hdr {
	h.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		h.u64(d)
	}
	return h.u32(uint32(typ)).u64(offset)
}

// data pads to the alignment and appends n bytes of tensor data.
func (h *hdr) data(n int) []byte {
	for len(h.b)%DefaultAlignment != 0 {
		h.b = append(h.b, 0)
	}
	return append(h.b, make([]byte, n)...)
}

type hostileGGUF struct {
	name string
	data []byte
	want string // a fragment of the error
}

func hostileGGUFs(t testing.TB) []hostileGGUF {
	return []hostileGGUF{
		{"tensor claims 100 GB", newHdr(3, 1, 0).tensor("token_embd.weight", TypeF32, 0, 25600, 1000000).data(64),
			"tensor token_embd.weight: 102400000000 bytes at data offset 0 lie beyond the end of the file (64 bytes of tensor data): truncated file"},
		{"tensor size wraps around 2^64", wrappingTensorGGUF(t), "tensor a: 18446744073709551615 bytes at data offset 0 lie beyond the end of the file"},
		{"tensor offset past the end", newHdr(3, 1, 0).tensor("x", TypeF32, 1<<40, 4).data(64), "tensor x: 16 bytes at data offset 1099511627776 lie beyond the end"},
		{"2^40 tensors", newHdr(3, 1<<40, 0).data(0), "header claims 1099511627776 tensors (limit 1048576)"},
		{"2^20 tensors in 24 bytes", newHdr(3, 1<<20, 0).data(0), "header claims 0 metadata entries and 1048576 tensors, more than the 32 bytes of the file can hold"},
		{"2^20 metadata entries", newHdr(3, 0, 1<<20).data(0), "header claims 1048576 metadata entries and 0 tensors, more than"},
		{"string of 2^62 bytes", newHdr(3, 0, 1).str("k").u32(uint32(ValString)).u64(1 << 62).data(0), `metadata key "k": unexpected end of file`},
		{"array of 2^40 uint64", newHdr(3, 0, 1).str("k").u32(uint32(ValArray)).u32(uint32(ValUint64)).u64(1 << 40).data(0),
			`metadata key "k": array claims 1099511627776 elements, more than the file holds`},
		{"array of 2^40 strings", newHdr(3, 0, 1).str("tokenizer.ggml.tokens").u32(uint32(ValArray)).u32(uint32(ValString)).u64(1 << 40).data(0),
			`metadata key "tokenizer.ggml.tokens": array claims 1099511627776 elements`},
		{"array of 2^20+1 bools", newHdr(3, 0, 1).str("k").u32(uint32(ValArray)).u32(uint32(ValBool)).u64(1<<20 + 1).data(1<<20 + 1),
			`metadata key "k": arrays of bool hold more than 1048576 elements in all`},
		{"arrays nested 5 deep", nested(5), "arrays nested too deeply"},
		{"array of an unknown type", newHdr(3, 0, 1).str("k").u32(uint32(ValArray)).u32(77).u64(1).data(8), "array of unknown value type 77"},
		{"unknown value type", newHdr(3, 0, 1).str("k").u32(99).data(8), `metadata key "k": unknown value type 99`},
		{"bool 2", newHdr(3, 0, 1).str("k").u32(uint32(ValBool)).raw(2).data(8), "bool value 2"},
		{"unknown tensor type", newHdr(3, 1, 0).tensor("x", Type(99), 0, 4).data(64), "tensor x: unknown ggml type 99"},
		{"5 dimensions", newHdr(3, 1, 0).tensor("x", TypeF32, 0, 1, 1, 1, 1, 1).data(64), "tensor x: 5 dimensions (want 1..4)"},
		{"zero dimension", newHdr(3, 1, 0).tensor("x", TypeF32, 0, 4, 0).data(64), "tensor x: dimension 0 out of range"},
		{"dimension 2^41", newHdr(3, 1, 0).tensor("x", TypeF32, 0, 1<<41).data(64), "dimension 2199023255552 out of range"},
		{"dimensions overflow", newHdr(3, 1, 0).tensor("x", TypeF32, 0, 1<<40, 1<<40).data(64), "tensor x: dimensions overflow"},
		{"Q8_0 row of 33", newHdr(3, 1, 0).tensor("x", TypeQ8_0, 0, 33).data(64), "Q8_0 row length 33 is not a multiple of the block size 32"},
		{"misaligned offset", newHdr(3, 1, 0).tensor("x", TypeF32, 4, 4).data(64), "tensor x: offset 4 is not aligned to 32"},
		{"duplicate tensor", newHdr(3, 2, 0).tensor("x", TypeF32, 0, 4).tensor("x", TypeF32, 32, 4).data(64), "tensor x: appears twice"},
		{"alignment 3", newHdr(3, 0, 1).str("general.alignment").u32(uint32(ValUint32)).u32(3).data(0), "general.alignment: 3 is not a power of two"},
		{"alignment 2^20", newHdr(3, 0, 1).str("general.alignment").u32(uint32(ValUint32)).u32(1 << 20).data(0), "is not a power of two up to 65536"},
		{"version 1", newHdr(1, 0, 0).data(0), "GGUF version 1 is not supported"},
		{"big-endian file", newHdr(3<<24, 0, 0).data(0), "unsupported GGUF version 50331648 (big-endian or corrupt file?)"},
		{"not GGUF", []byte("GGML this is something else entirely"), "not a GGUF file (bad magic)"},
		{"truncated header", []byte("GGUF\x03\x00\x00"), "truncated header"},
	}
}

// nested is a metadata value that is an array of arrays, depth deep.
func nested(depth int) []byte {
	h := newHdr(3, 0, 1).str("k").u32(uint32(ValArray))
	for i := 1; i < depth; i++ {
		h.u32(uint32(ValArray)).u64(1)
	}
	h.u32(uint32(ValUint8)).u64(1).raw(1)
	return h.data(8)
}

// allocated reports the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	f()
	goruntime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxHostileAlloc is what refusing a hostile header may allocate.
const maxHostileAlloc = 1 << 20

func TestHostileGGUF(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range hostileGGUFs(t) {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Parse(tc.data) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: error %v, want one containing %q", err, tc.want)
			}
			if n > maxHostileAlloc {
				t.Errorf("Parse allocated %d bytes before refusing", n)
			}
			// The same through Open (the mapping path), which names the file.
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".gguf")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			n = allocated(func() { _, err = Open(path) })
			if err == nil || !strings.Contains(err.Error(), path) || len(tc.data) >= 24 && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: error %v, want one naming the file and containing %q", err, tc.want)
			}
			if n > maxHostileAlloc {
				t.Errorf("Open allocated %d bytes before refusing", n)
			}
			t.Logf("%s", err)
		})
	}
}
