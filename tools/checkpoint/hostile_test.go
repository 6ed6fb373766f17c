package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	goruntime "runtime"
	"strings"
	"testing"
)

// Hostile checkpoints beyond those of pth_test.go, pickle_test.go and
// safetensors_test.go: files that claim enormous tensors must be refused
// from the claim, before anything proportional to it is allocated, and
// pickles must not be able to make the reader allocate far more than their
// own size.

// allocatedBy reports the bytes f allocates on the heap.
func allocatedBy(f func()) uint64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	f()
	goruntime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hugeTensor is one state_dict entry claiming a 100 GB bf16 tensor
// (50 000 × 1 000 000 elements) over the storage key "0".
func hugeTensor() []fakeTensor {
	return []fakeTensor{{name: "emb.weight", storageType: "BFloat16Storage", key: "0", storageNumel: 50_000_000_000,
		size: []int{50000, 1000000}, stride: []int{1000000, 1}}}
}

func TestHostileCheckpointsAllocateLittle(t *testing.T) {
	const limit = 4 << 20 // what refusing any of these may allocate
	pkl := statePickle(hugeTensor(), false)
	small := statePickle([]fakeTensor{{name: "emb.weight", storageType: "BFloat16Storage", key: "0", storageNumel: 32, size: []int{4, 8}, stride: []int{8, 1}}}, false)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"pth: storage of 100 GB in a small file",
			zipBytes(t, pthEntries("archive", pkl, map[string][]byte{"0": seq(64)}, []string{"0"})),
			`pth: tensor emb.weight: storage "0": 50000000000 elements cannot fit in a`},
		// The zip directory lies, the pickle does not.
		{"pth: stored entry claiming 100 GB",
			rawZip(t, []rawEntry{{"archive/data.pkl", small, zip.Store, 0, 0}, {"archive/data/0", seq(64), zip.Store, 100_000_000_000, 100_000_000_000}}),
			`pth: tensor emb.weight: storage "0": entry archive/data/0 has 100000000000 bytes, the pickle declares 32 bf16 elements (64 bytes)`},
		{"pth: deflated entry claiming 100 GB",
			rawZip(t, []rawEntry{{"archive/data.pkl", small, zip.Store, 0, 0}, {"archive/data/0", seq(64), zip.Deflate, 100_000_000_000, 64}}),
			`pth: tensor emb.weight: storage "0": entry archive/data/0 has 100000000000 bytes, the pickle declares 32 bf16 elements (64 bytes)`},
		// Both lie, consistently: the zip claim is checked against the file.
		{"pth: stored entry and pickle claiming 100 GB",
			rawZip(t, []rawEntry{{"archive/data.pkl", pkl, zip.Store, 0, 0}, {"archive/data/0", seq(64), zip.Store, 100_000_000_000, 100_000_000_000}}),
			`pth: tensor emb.weight: storage "0": 50000000000 elements cannot fit in a`},
		{"pth: data.pkl claiming 100 GB",
			rawZip(t, []rawEntry{{"archive/data.pkl", pkl, zip.Deflate, 100_000_000_000, uint64(len(pkl))}}),
			"pth: entry archive/data.pkl claims 100000000000 bytes (at most 268435456 expected)"},
		{"safetensors: tensor of 100 GB",
			safetensorsBytes(t, []stTensor{{"emb.weight", "BF16", []int{50000, 1000000}, seq(64)}}, nil),
			"safetensors: tensor emb.weight: shape [50000 1000000] needs more bytes than the 64-byte data section"},
		{"safetensors: offsets of 100 GB",
			safetensorsBytes(t, []stTensor{{"emb.weight", "BF16", []int{50000, 1000000}, seq(64)}}, func(h map[string]any) {
				h["emb.weight"].(map[string]any)["data_offsets"] = []int64{0, 100_000_000_000}
			}),
			"safetensors: tensor emb.weight: data_offsets [0, 100000000000] lie outside the 64-byte data section"},
		{"safetensors: header of 100 GB",
			append(binary.LittleEndian.AppendUint64(nil, 100_000_000_000), []byte("{}")...),
			"safetensors: header length 100000000000 exceeds the 104857600-byte limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "hostile", tc.data)
			var err error
			n := allocatedBy(func() {
				var c *Checkpoint
				if c, err = Open(path); err == nil {
					c.Close()
				}
			})
			wantErr(t, err, tc.want)
			if n > limit {
				t.Errorf("allocated %d bytes before refusing", n)
			}
			t.Logf("%s (%d bytes allocated)", err, n)
		})
	}
}

// Pickles of one-byte opcodes used to cost ~100 bytes of memory per byte
// of file (a 10 MB data.pkl allocated 1 GB); the value budget refuses them.
func TestPickleAmplification(t *testing.T) {
	body := func(prefix []byte, unit []byte, n int) []byte {
		p := append([]byte(nil), prefix...)
		p = append(p, bytes.Repeat(unit, n)...)
		return append(p, opStop)
	}
	cases := []struct {
		name string
		p    []byte
	}{
		{"10 MB of DUP", body([]byte{opProto, 2, opNone}, []byte{opDup}, 10<<20)},
		{"10 MB of EMPTY_DICT APPEND", body([]byte{opProto, 2, opEmptyList}, []byte{opEmptyDict, opAppend}, 5<<20)},
		{"10 MB of MEMOIZE", body([]byte{opProto, 4, opNone}, []byte{opMemoize}, 10<<20)},
		{"10 MB of LONG_BINPUT to new indices", longBinPuts(2 << 20)},
	}
	for _, tc := range cases {
		var err error
		n := allocatedBy(func() { _, err = unpickle(tc.p) })
		if err == nil || !strings.Contains(err.Error(), "more than 262144 values") {
			t.Errorf("%s: error %v, want the value budget", tc.name, err)
		}
		if n > 64<<20 {
			t.Errorf("%s: allocated %d MB", tc.name, n>>20)
		}
		t.Logf("%s: %v (%d MB allocated)", tc.name, err, n>>20)
	}
	// A real state_dict stays far below the budget.
	ts, _, _ := smallModel()
	if _, err := unpickle(statePickle(ts, false)); err != nil {
		t.Fatal(err)
	}
}

// longBinPuts memoizes one value under n different indices.
func longBinPuts(n int) []byte {
	p := []byte{opProto, 2, opNone}
	for i := range n {
		p = append(p, opLongBinPut)
		p = binary.LittleEndian.AppendUint32(p, uint32(i))
	}
	return append(p, opStop)
}

// Ways to reach code other than GLOBAL/STACK_GLOBAL: the opcodes that
// import (INST, OBJ via a global, the extension registry) are not
// understood at all, and common "innocent" globals are still refused.
func TestPickleOtherWaysToRunCode(t *testing.T) {
	cases := []struct {
		name string
		p    []byte
		want string
	}{
		{"INST os system", []byte("\x80\x02(X\x02\x00\x00\x00lsios\nsystem\n."), "opcode 0x69: opcode not supported in a checkpoint"},
		{"OBJ", []byte("\x80\x02(cbuiltins\nlist\no."), "global builtins.list is not allowed"},
		{"EXT1", []byte{opProto, 2, 0x82, 1, opStop}, "opcode 0x82: opcode not supported"},
		{"EXT4", []byte{opProto, 2, 0x84, 1, 0, 0, 0, opStop}, "opcode 0x84: opcode not supported"},
		{"NEWOBJ_EX", []byte{opProto, 4, 0x92, opStop}, "opcode 0x92: opcode not supported"},
		{"text PERSID", []byte("\x80\x02Pstorage\n."), "opcode 0x50: opcode not supported"},
		{"builtins.getattr", (&pk{}).proto().global("builtins", "getattr").bytes(), "global builtins.getattr is not allowed"},
		{"builtins.__import__", (&pk{}).op(opProto, 4).str("builtins").str("__import__").op(opStackGlobal).bytes(), "global builtins.__import__ is not allowed"},
		{"numpy _reconstruct", (&pk{}).proto().global("numpy.core.multiarray", "_reconstruct").bytes(), "global numpy.core.multiarray._reconstruct is not allowed"},
		{"torch legacy _load_from_bytes", (&pk{}).proto().global("torch.storage", "_load_from_bytes").bytes(), "global torch.storage._load_from_bytes is not allowed"},
		{"nt.system", (&pk{}).proto().global("nt", "system").bytes(), "global nt.system is not allowed"},
		{"subprocess.check_output", (&pk{}).proto().global("subprocess", "check_output").bytes(), "global subprocess.check_output is not allowed"},
		{"BINUNICODE8 of 2^60 bytes", []byte{opProto, 4, opBinUnicode8, 0, 0, 0, 0, 0, 0, 0, 0x10, 'a', opStop}, "needs 1152921504606846976 bytes, 2 left"},
	}
	for _, tc := range cases {
		_, err := unpickle(tc.p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
			continue
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

// A checkpoint truncated while it is being converted must give an error
// from Float32, not kill the converter with SIGBUS.
func TestFloat32AfterTruncation(t *testing.T) {
	const n = 1 << 16 // 128 KB of bf16: many pages
	ts := []fakeTensor{{name: "emb.weight", storageType: "BFloat16Storage", key: "0", storageNumel: n, size: []int{256, 256}, stride: []int{256, 1}}}
	path := writeTemp(t, "m.pth", zipBytes(t, pthEntries("archive", statePickle(ts, false), map[string][]byte{"0": seq(2 * n)}, []string{"0"})))
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tn, _ := c.Get("emb.weight")
	if _, err := tn.Float32(); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err = tn.Float32()
	wantErr(t, err, "tensor emb.weight", "memory fault reading the checkpoint", "truncated")
	t.Log(err)
}
