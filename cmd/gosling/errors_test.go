package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/tools/fixtures"
)

// fixtureGGUF converts the fixture checkpoint once per test.
func fixtureGGUF(t *testing.T, typ string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "fixture-"+typ+".gguf")
	mustRun(t, "convert", fixtures.Path(t, "model.pth"), "-o", out, "--type", typ, "-q")
	return out
}

func truncatedCopy(t *testing.T, src string, keep int64) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if keep < 0 {
		keep += int64(len(b))
	}
	dst := filepath.Join(t.TempDir(), "truncated-"+filepath.Base(src))
	if err := os.WriteFile(dst, b[:keep], 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestTruncatedGGUF(t *testing.T) {
	model := fixtureGGUF(t, "f32")
	for _, keep := range []int64{0, 10, 100, 4096, -4096, -1} {
		bad := truncatedCopy(t, model, keep)
		wantFailure(t, []string{"logits", "-m", bad, "--tokens", "1,2", "--out", os.DevNull})
		wantFailure(t, []string{"info", "-m", bad})
	}
	wantFailure(t, []string{"info", "-m", truncatedCopy(t, model, -1)}, "truncated")
}

func TestTruncatedCheckpoint(t *testing.T) {
	src := fixtures.Path(t, "model.pth")
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []int64{0, 3, 100, st.Size() / 2, st.Size() - 100} {
		bad := truncatedCopy(t, src, keep)
		wantFailure(t, []string{"convert", bad, "-o", filepath.Join(t.TempDir(), "x.gguf"), "-q"})
	}
}

// A checkpoint is a pickle; one that asks for os.system must be refused
// before anything runs.
func TestCheckpointWithDisallowedGlobal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evil.pth")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	w, err := z.CreateHeader(&zip.FileHeader{Name: "evil/data.pkl", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	// PROTO 2; GLOBAL 'os system'; BINUNICODE 'touch /tmp/pwned'; TUPLE1; REDUCE; STOP
	cmd := "touch /tmp/pwned"
	pkl := []byte("\x80\x02cos\nsystem\nX")
	pkl = append(pkl, byte(len(cmd)), 0, 0, 0)
	pkl = append(pkl, cmd...)
	pkl = append(pkl, 0x85, 'R', '.')
	w.Write(pkl)
	for _, name := range []string{"evil/version", "evil/byteorder"} {
		w, _ := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if name == "evil/version" {
			w.Write([]byte("3\n"))
		} else {
			w.Write([]byte("little"))
		}
	}
	z.Close()
	f.Close()
	out := filepath.Join(t.TempDir(), "x.gguf")
	wantFailure(t, []string{"convert", path, "-o", out, "-q"}, "os.system")
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused conversion left an output file")
	}
}

// rewriteGGUF copies a GGUF file, letting edit change tensor dims.
func rewriteGGUF(t *testing.T, src string, edit func(name string, dims []uint64) []uint64) string {
	t.Helper()
	return rewriteGGUFAdding(t, src, edit, "")
}

// rewriteGGUFAdding is rewriteGGUF that also adds a tensor named extra
// (none for ""): a copy of the file's first tensor.
func rewriteGGUFAdding(t *testing.T, src string, edit func(name string, dims []uint64) []uint64, extra string) string {
	t.Helper()
	g, err := quant.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	w := quant.NewWriter()
	for _, kv := range g.Meta.KVs {
		w.Add(kv.Key, kv.Value)
	}
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		if err := w.AddTensorBytes(ti.Name, ti.Type, edit(ti.Name, ti.Dims), g.Bytes(ti)); err != nil {
			t.Fatal(err)
		}
	}
	if extra != "" {
		first := &g.Tensors[0]
		if err := w.AddTensorBytes(extra, first.Type, first.Dims, g.Bytes(first)); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "edited.gguf")
	if err := w.WriteFile(dst, nil); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestWrongShapeTensor(t *testing.T) {
	model := fixtureGGUF(t, "f32")
	// Same number of bytes, wrong shape: only a shape check catches it.
	bad := rewriteGGUF(t, model, func(name string, dims []uint64) []uint64 {
		if name == "blk.1.time_mix_key.weight" {
			return []uint64{dims[0] / 2, dims[1] * 2}
		}
		return dims
	})
	wantFailure(t, []string{"logits", "-m", bad, "--tokens", "1", "--out", os.DevNull}, "blk.1.time_mix_key.weight", "shape")
	// The rewrite itself keeps a model loadable: the failures here are the
	// edits'.
	same := func(_ string, dims []uint64) []uint64 { return dims }
	mustRun(t, "logits", "-m", rewriteGGUF(t, model, same), "--tokens", "1", "--out", os.DevNull)
	// An unknown tensor (a model variant) is refused, not ignored.
	extra := rewriteGGUFAdding(t, model, same, "blk.0.time_mix_extra.weight")
	wantFailure(t, []string{"logits", "-m", extra, "--tokens", "1", "--out", os.DevNull}, "blk.0.time_mix_extra.weight", "not part of the RWKV-7 layout")
}

func TestBadTokens(t *testing.T) {
	model := fixtureGGUF(t, "f32")
	wantFailure(t, []string{"logits", "-m", model, "--tokens", "1, 2", "--out", os.DevNull}, "token")
	wantFailure(t, []string{"logits", "-m", model, "--tokens", "99999999", "--out", os.DevNull}, "99999999")
	wantFailure(t, []string{"logits", "-m", model, "--tokens", "-1", "--out", os.DevNull}, "-1")
}
