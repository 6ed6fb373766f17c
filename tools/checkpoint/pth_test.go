package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

// openBytes writes data to a temp file and opens it.
func openBytes(t *testing.T, name string, data []byte) (*Checkpoint, error) {
	t.Helper()
	c, err := Open(writeTemp(t, name, data))
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not mention %q", err, p)
		}
	}
}

// smallModel is a two-tensor state dict with one bf16 storage each.
func smallModel() ([]fakeTensor, map[string][]byte, []string) {
	tensors := []fakeTensor{
		{name: "blocks.0.att.w1", storageType: "BFloat16Storage", key: "0", storageNumel: 12, size: []int{4, 3}, stride: []int{3, 1}},
		{name: "blocks.0.att.x_r", storageType: "BFloat16Storage", key: "1", storageNumel: 4, size: []int{1, 1, 4}, stride: []int{4, 4, 1}},
	}
	storages := map[string][]byte{"0": seq(24), "1": seq(8)}
	return tensors, storages, []string{"0", "1"}
}

func TestHandMadePth(t *testing.T) {
	for _, plain := range []bool{false, true} {
		tensors, storages, keys := smallModel()
		data := zipBytes(t, pthEntries("archive", statePickle(tensors, plain), storages, keys))
		c, err := openBytes(t, "m.pth", data)
		if err != nil {
			t.Fatalf("plain dict %v: %v", plain, err)
		}
		if len(c.Tensors) != 2 || c.Tensors[0].Name != "blocks.0.att.w1" || c.Tensors[1].Name != "blocks.0.att.x_r" {
			t.Fatalf("plain dict %v: tensors %v", plain, c.Tensors)
		}
		if !reflect.DeepEqual(c.Tensors[0].Shape, []int{4, 3}) || !bytes.Equal(c.Tensors[0].Data, seq(24)) {
			t.Errorf("plain dict %v: w1 = %v %v", plain, c.Tensors[0].Shape, c.Tensors[0].Data)
		}
		if !reflect.DeepEqual(c.Tensors[1].Shape, []int{1, 1, 4}) || !bytes.Equal(c.Tensors[1].Data, seq(8)) {
			t.Errorf("plain dict %v: x_r = %v %v", plain, c.Tensors[1].Shape, c.Tensors[1].Data)
		}
	}
}

// Official checkpoints trained with RWKV-LM carry unused blocks.0.att.v0/v1/v2;
// the reader returns them (dropping them is the converter's job).
func TestPthWithLayer0ValueLoRA(t *testing.T) {
	tensors := []fakeTensor{
		{name: "blocks.0.att.v0", storageType: "BFloat16Storage", key: "0", storageNumel: 4, size: []int{1, 1, 4}, stride: []int{4, 4, 1}},
		{name: "blocks.0.att.v1", storageType: "BFloat16Storage", key: "1", storageNumel: 8, size: []int{4, 2}, stride: []int{2, 1}},
		{name: "blocks.0.att.v2", storageType: "BFloat16Storage", key: "2", storageNumel: 8, size: []int{2, 4}, stride: []int{4, 1}},
	}
	storages := map[string][]byte{"0": seq(8), "1": seq(16), "2": seq(16)}
	c, err := openBytes(t, "v.pth", zipBytes(t, pthEntries("x", statePickle(tensors, false), storages, []string{"0", "1", "2"})))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"blocks.0.att.v0", "blocks.0.att.v1", "blocks.0.att.v2"} {
		if _, ok := c.Get(n); !ok {
			t.Errorf("%s missing", n)
		}
	}
}

// Views: two tensors share one storage at different offsets, and a
// transposed (non-contiguous) tensor is copied into row-major order.
func TestPthStorageViews(t *testing.T) {
	tensors := []fakeTensor{
		{name: "a", storageType: "FloatStorage", key: "0", storageNumel: 10, offset: 0, size: []int{4}, stride: []int{1}},
		{name: "b", storageType: "FloatStorage", key: "0", storageNumel: 10, offset: 4, size: []int{2, 3}, stride: []int{3, 1}},
		// a 2×3 view of storage elements [4..9] read column-major: b transposed.
		{name: "bt", storageType: "FloatStorage", key: "0", storageNumel: 10, offset: 4, size: []int{3, 2}, stride: []int{1, 3}},
		{name: "scalar", storageType: "FloatStorage", key: "0", storageNumel: 10, offset: 9, size: []int{}, stride: []int{}},
		{name: "empty", storageType: "FloatStorage", key: "0", storageNumel: 10, offset: 0, size: []int{0, 5}, stride: []int{5, 1}},
	}
	var st []byte
	for i := range 10 {
		st = binary.LittleEndian.AppendUint32(st, uint32(i))
	}
	c, err := openBytes(t, "views.pth", zipBytes(t, pthEntries("m", statePickle(tensors, false), map[string][]byte{"0": st}, []string{"0"})))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]uint32{"a": {0, 1, 2, 3}, "b": {4, 5, 6, 7, 8, 9}, "bt": {4, 7, 5, 8, 6, 9}, "scalar": {9}, "empty": {}}
	for name, w := range want {
		tn, _ := c.Get(name)
		var got []uint32
		for i := 0; i+4 <= len(tn.Data); i += 4 {
			got = append(got, binary.LittleEndian.Uint32(tn.Data[i:]))
		}
		if len(got) != len(w) || (len(w) > 0 && !reflect.DeepEqual(got, w)) {
			t.Errorf("%s: %v, want %v", name, got, w)
		}
		if tn.DType != F32 {
			t.Errorf("%s: dtype %v", name, tn.DType)
		}
	}
	if bt, _ := c.Get("bt"); !reflect.DeepEqual(bt.Shape, []int{3, 2}) {
		t.Errorf("bt shape %v", bt.Shape)
	}
	if s, _ := c.Get("scalar"); s.NumElements() != 1 {
		t.Errorf("scalar has %d elements", s.NumElements())
	}
}

func TestPthBadStorages(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(ts []fakeTensor, st map[string][]byte) []string // returns storage keys to write
		want   []string
	}{
		{"missing storage entry", func(ts []fakeTensor, st map[string][]byte) []string {
			ts[1].key = "7"
			return []string{"0", "1"}
		}, []string{"blocks.0.att.x_r", `storage "7"`, "no entry"}},
		{"shape needs more than storage", func(ts []fakeTensor, st map[string][]byte) []string {
			ts[0].size = []int{5, 3}
			return []string{"0", "1"}
		}, []string{"blocks.0.att.w1", "more elements"}},
		{"offset past the storage", func(ts []fakeTensor, st map[string][]byte) []string {
			ts[0].offset, ts[0].size, ts[0].stride = 10, []int{3}, []int{1}
			return []string{"0", "1"}
		}, []string{"blocks.0.att.w1", "past the end"}},
		{"stride past the storage", func(ts []fakeTensor, st map[string][]byte) []string {
			ts[0].stride = []int{4, 1}
			return []string{"0", "1"}
		}, []string{"blocks.0.att.w1", "past the end"}},
		{"storage entry shorter than declared", func(ts []fakeTensor, st map[string][]byte) []string {
			st["0"] = st["0"][:20]
			return []string{"0", "1"}
		}, []string{"blocks.0.att.w1", "entry", "20 bytes", "12 bf16 elements"}},
		{"storage declared absurdly large", func(ts []fakeTensor, st map[string][]byte) []string {
			ts[0].storageNumel = 1 << 50
			return []string{"0", "1"}
		}, []string{"blocks.0.att.w1", "cannot fit"}},
		{"integer storage", func(ts []fakeTensor, st map[string][]byte) []string {
			ts[0].storageType = "LongStorage"
			return []string{"0", "1"}
		}, []string{"blocks.0.att.w1", "int64", "not supported"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts, st, _ := smallModel()
			keys := tc.mutate(ts, st)
			_, err := openBytes(t, "bad.pth", zipBytes(t, pthEntries("archive", statePickle(ts, false), st, keys)))
			wantErr(t, err, tc.want...)
		})
	}
}

func TestPthBadArchives(t *testing.T) {
	ts, st, keys := smallModel()
	pkl := statePickle(ts, false)
	good := pthEntries("archive", pkl, st, keys)

	t.Run("no data.pkl", func(t *testing.T) {
		_, err := openBytes(t, "a.pth", zipBytes(t, good[1:]))
		wantErr(t, err, "no <folder>/data.pkl")
	})
	t.Run("two data.pkl", func(t *testing.T) {
		es := append(append([]zipEntry(nil), good...), zipEntry{name: "other/data.pkl", data: pkl})
		_, err := openBytes(t, "a.pth", zipBytes(t, es))
		wantErr(t, err, "several data.pkl")
	})
	t.Run("big-endian", func(t *testing.T) {
		es := append([]zipEntry(nil), good...)
		es[1] = zipEntry{name: "archive/byteorder", data: []byte("big")}
		_, err := openBytes(t, "a.pth", zipBytes(t, es))
		wantErr(t, err, "byte order", "big")
	})
	t.Run("no byteorder entry is little-endian", func(t *testing.T) {
		es := append([]zipEntry{good[0]}, good[2:]...)
		if _, err := openBytes(t, "a.pth", zipBytes(t, es)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("pickle is not a dict", func(t *testing.T) {
		es := append([]zipEntry(nil), good...)
		es[0].data = (&pk{}).proto().op(opEmptyList, opStop).bytes()
		_, err := openBytes(t, "a.pth", zipBytes(t, es))
		wantErr(t, err, "list", "not a state_dict")
	})
	t.Run("value is not a tensor", func(t *testing.T) {
		es := append([]zipEntry(nil), good...)
		es[0].data = (&pk{}).proto().op(opEmptyDict).str("step").int(5).op(opSetItem, opStop).bytes()
		_, err := openBytes(t, "a.pth", zipBytes(t, es))
		wantErr(t, err, "step", "not a tensor")
	})
	t.Run("legacy pickle file", func(t *testing.T) {
		_, err := openBytes(t, "a.pth", pkl)
		wantErr(t, err, "legacy")
	})
}

// rawEntry is a zip entry whose directory claims arbitrary sizes.
type rawEntry struct {
	name        string
	data        []byte
	method      uint16
	size, csize uint64
}

func rawZip(t *testing.T, entries []rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.size == 0 && e.csize == 0 { // honest sizes
			e.size, e.csize = uint64(len(e.data)), uint64(len(e.data))
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: e.method, UncompressedSize64: e.size, CompressedSize64: e.csize, CRC32: crc32.ChecksumIEEE(e.data)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Entries that claim huge sizes are refused from the claim alone.
func TestPthHugeClaims(t *testing.T) {
	ts, st, _ := smallModel()
	pkl := statePickle(ts, false)
	t.Run("stored data.pkl past the file", func(t *testing.T) {
		_, err := openBytes(t, "h.pth", rawZip(t, []rawEntry{{"archive/data.pkl", pkl, zip.Store, 1 << 40, 1 << 40}}))
		wantErr(t, err, "data.pkl", "claims")
	})
	t.Run("stored storage past the file", func(t *testing.T) {
		ts := append([]fakeTensor(nil), ts...)
		ts[0].storageNumel = 10000
		ts[0].size = []int{100, 100}
		ts[0].stride = []int{100, 1}
		_, err := openBytes(t, "h.pth", rawZip(t, []rawEntry{
			{"archive/data.pkl", statePickle(ts, false), zip.Store, 0, 0},
			{"archive/data/0", st["0"], zip.Store, 20000, 20000},
		}))
		wantErr(t, err, "blocks.0.att.w1", "claims 20000 bytes", "beyond the end")
	})
	t.Run("deflated storage claiming an impossible ratio", func(t *testing.T) {
		ts := append([]fakeTensor(nil), ts...)
		ts[0].storageNumel = 100000
		ts[0].size = []int{100, 1000}
		ts[0].stride = []int{1000, 1}
		_, err := openBytes(t, "h.pth", rawZip(t, []rawEntry{
			{"archive/data.pkl", statePickle(ts, false), zip.Store, 0, 0},
			{"archive/data/0", []byte{1, 2, 3}, zip.Deflate, 200000, 3},
		}))
		wantErr(t, err, "blocks.0.att.w1", "impossible for deflate")
	})
	t.Run("deflated data.pkl over the limit", func(t *testing.T) {
		_, err := openBytes(t, "h.pth", rawZip(t, []rawEntry{{"archive/data.pkl", []byte{1, 2, 3}, zip.Deflate, 1 << 40, 3}}))
		wantErr(t, err, "data.pkl", "claims")
	})
}

func TestGarbage(t *testing.T) {
	for _, data := range [][]byte{
		[]byte("hello, world"),
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		[]byte("PK\x03\x04 not really a zip"),
		bytes.Repeat([]byte{0xff}, 100),
	} {
		if _, err := openBytes(t, "g.bin", data); err == nil {
			t.Errorf("%q: no error", data)
		}
	}
	if _, err := Open(writeTemp(t, "empty", nil)); err == nil {
		t.Error("empty file: no error")
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("a directory: no error")
	}
}
