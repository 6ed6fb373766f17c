package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Builders for hand-made checkpoints: tests assemble pickles opcode by opcode
// and zip them like torch.save does, so every hostile variant is explicit.

// pk assembles a pickle.
type pk struct{ b bytes.Buffer }

func (p *pk) op(ops ...byte) *pk { p.b.Write(ops); return p }
func (p *pk) proto() *pk         { return p.op(opProto, 2) }
func (p *pk) global(module, name string) *pk {
	p.op(opGlobal)
	p.b.WriteString(module + "\n" + name + "\n")
	return p
}
func (p *pk) str(s string) *pk {
	p.op(opBinUnicode)
	binary.Write(&p.b, binary.LittleEndian, uint32(len(s)))
	p.b.WriteString(s)
	return p
}
func (p *pk) int(n int64) *pk {
	switch {
	case n >= 0 && n < 256:
		p.op(opBinInt1, byte(n))
	case n >= 0 && n < 65536:
		p.op(opBinInt2, byte(n), byte(n>>8))
	case n >= -1<<31 && n < 1<<31:
		p.op(opBinInt)
		binary.Write(&p.b, binary.LittleEndian, int32(n))
	default:
		p.op(opLong1, 8)
		binary.Write(&p.b, binary.LittleEndian, int64(n))
	}
	return p
}
func (p *pk) ints(ns []int) *pk {
	p.op(opMark)
	for _, n := range ns {
		p.int(int64(n))
	}
	return p.op(opTuple)
}
func (p *pk) bytes() []byte { return p.b.Bytes() }

// fakeTensor describes one state_dict entry as torch would pickle it.
type fakeTensor struct {
	name         string
	storageType  string // e.g. "BFloat16Storage"
	key          string
	storageNumel int64
	offset       int
	size, stride []int
}

// statePickle pickles tensors the way torch.save pickles a state_dict:
// an OrderedDict (or a plain dict) of _rebuild_tensor_v2 calls whose
// storages are persistent ids.
func statePickle(tensors []fakeTensor, plainDict bool) []byte {
	p := (&pk{}).proto()
	if plainDict {
		p.op(opEmptyDict)
	} else {
		p.global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
	}
	p.op(opMark)
	for _, t := range tensors {
		p.str(t.name)
		p.global("torch._utils", "_rebuild_tensor_v2")
		p.op(opMark)
		p.op(opMark).str("storage").global("torch", t.storageType).str(t.key).str("cpu").int(int64(t.storageNumel)).op(opTuple, opBinPersID)
		p.int(int64(t.offset)).ints(t.size).ints(t.stride).op(opNewFalse)
		p.global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
		p.op(opTuple, opReduce)
	}
	p.op(opSetItems, opStop)
	return p.bytes()
}

// zipEntry is one file of a hand-made archive.
type zipEntry struct {
	name   string
	data   []byte
	method uint16
}

// zipBytes writes entries in order into a zip archive.
func zipBytes(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pthEntries lays out a torch.save archive: data.pkl, byteorder, storages.
func pthEntries(prefix string, pickle []byte, storages map[string][]byte, keys []string) []zipEntry {
	es := []zipEntry{
		{name: prefix + "/data.pkl", data: pickle},
		{name: prefix + "/byteorder", data: []byte("little")},
	}
	for _, k := range keys {
		es = append(es, zipEntry{name: prefix + "/data/" + k, data: storages[k]})
	}
	return append(es, zipEntry{name: prefix + "/version", data: []byte("3\n")})
}

// writeTemp writes data to a new file in a fresh test folder.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// stTensor is one tensor of a hand-made safetensors file.
type stTensor struct {
	name  string
	dtype string
	shape []int
	data  []byte
}

// safetensorsBytes writes a safetensors file; fix may edit the header
// records (offsets, dtypes) before they are serialised.
func safetensorsBytes(t testing.TB, tensors []stTensor, fix func(map[string]any)) []byte {
	t.Helper()
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var body []byte
	for _, x := range tensors {
		header[x.name] = map[string]any{"dtype": x.dtype, "shape": x.shape, "data_offsets": []int{len(body), len(body) + len(x.data)}}
		body = append(body, x.data...)
	}
	if fix != nil {
		fix(header)
	}
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(out, h...)
	return append(out, body...)
}

// seq returns n bytes 0, 1, 2, ... (mod 251) so views and copies are checkable.
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}
