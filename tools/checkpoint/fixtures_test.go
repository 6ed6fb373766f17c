package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"reflect"
	"testing"

	"github.com/gosling-edge/gosling/tools/fixtures"
)

// manifestKeys reads model.pth_keys from the fixtures' manifest.json.
func manifestKeys(t *testing.T) (names []string, shapes [][]int) {
	t.Helper()
	raw, err := os.ReadFile(fixtures.Path(t, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Model struct {
			PthKeys [][2]json.RawMessage `json:"pth_keys"`
		} `json:"model"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Model.PthKeys) == 0 {
		t.Fatal("manifest.json has no model.pth_keys")
	}
	for _, kv := range m.Model.PthKeys {
		var name string
		var shape []int
		if err := json.Unmarshal(kv[0], &name); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(kv[1], &shape); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
		shapes = append(shapes, shape)
	}
	return names, shapes
}

func openT(t *testing.T, path string) *Checkpoint {
	t.Helper()
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestFixturePthMatchesManifest(t *testing.T) {
	names, shapes := manifestKeys(t)
	c := openT(t, fixtures.Path(t, "model.pth"))
	if c.Format != "pth" || c.Config != nil {
		t.Errorf("Format %q, Config %v; want pth, nil", c.Format, c.Config)
	}
	if len(c.Tensors) != len(names) {
		t.Fatalf("%d tensors, manifest lists %d", len(c.Tensors), len(names))
	}
	for i, tn := range c.Tensors {
		if tn.Name != names[i] {
			t.Errorf("tensor %d is %s, manifest says %s (file order lost?)", i, tn.Name, names[i])
		}
		if !reflect.DeepEqual(tn.Shape, shapes[i]) {
			t.Errorf("%s: shape %v, manifest %v", tn.Name, tn.Shape, shapes[i])
		}
		if tn.DType != BF16 {
			t.Errorf("%s: dtype %v, want bf16", tn.Name, tn.DType)
		}
		if len(tn.Data) != tn.NumElements()*2 {
			t.Errorf("%s: %d bytes for %d elements", tn.Name, len(tn.Data), tn.NumElements())
		}
		if got, ok := c.Get(tn.Name); !ok || got != tn {
			t.Errorf("Get(%s) does not return the tensor", tn.Name)
		}
	}
	if _, ok := c.Get("blocks.0.att.v0"); ok {
		t.Error("fixture pth should not have blocks.0.att.v0")
	}
	// Every tensor must hold real values (the fixture has no all-zero matrix).
	w, _ := c.Get("blocks.0.att.w1")
	f, err := w.Float32()
	if err != nil {
		t.Fatal(err)
	}
	nonzero := 0
	for _, v := range f {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("blocks.0.att.w1 converts to all zeros")
	}
}

func TestFixtureSafetensorsEqualsPth(t *testing.T) {
	p := openT(t, fixtures.Path(t, "model.pth"))
	s := openT(t, fixtures.Path(t, "model.safetensors"))
	if s.Format != "safetensors" {
		t.Errorf("Format %q", s.Format)
	}
	if len(s.Tensors) != len(p.Tensors) {
		t.Errorf("safetensors has %d tensors, pth %d", len(s.Tensors), len(p.Tensors))
	}
	for _, a := range p.Tensors {
		b, ok := s.Get(a.Name)
		if !ok {
			t.Errorf("safetensors lacks %s", a.Name)
			continue
		}
		if !reflect.DeepEqual(a.Shape, b.Shape) || a.DType != b.DType {
			t.Errorf("%s: pth %v %v, safetensors %v %v", a.Name, a.DType, a.Shape, b.DType, b.Shape)
		}
		if !bytes.Equal(a.Data, b.Data) {
			t.Errorf("%s: data differ", a.Name)
		}
	}
	for _, b := range s.Tensors {
		if _, ok := p.Get(b.Name); !ok {
			t.Errorf("safetensors has %s, pth does not", b.Name)
		}
	}
	// config.json sits beside the fixture.
	if s.Config == nil || s.Config["hidden_size"] != float64(128) || s.Config["model_type"] != "rwkv7" {
		t.Errorf("Config = %v, want the fixture's config.json", s.Config)
	}
}

func TestCloseReleasesViews(t *testing.T) {
	c, err := Open(fixtures.Path(t, "model.pth"))
	if err != nil {
		t.Fatal(err)
	}
	tn := c.Tensors[0]
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if tn.Data != nil {
		t.Error("Close left a view into the unmapped file")
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := tn.Float32(); err == nil {
		t.Error("Float32 after Close should fail, not read unmapped memory")
	}
}

// A pth repacked with DEFLATE (e.g. by a zip tool) reads the same.
func TestFixturePthDeflated(t *testing.T) {
	orig, err := os.ReadFile(fixtures.Path(t, "model.pth"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	var entries []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, zipEntry{name: f.Name, data: b, method: zip.Deflate})
	}
	d := openT(t, writeTemp(t, "deflated.pth", zipBytes(t, entries)))
	p := openT(t, fixtures.Path(t, "model.pth"))
	if len(d.Tensors) != len(p.Tensors) {
		t.Fatalf("%d tensors, want %d", len(d.Tensors), len(p.Tensors))
	}
	for i, a := range p.Tensors {
		b := d.Tensors[i]
		if a.Name != b.Name || !reflect.DeepEqual(a.Shape, b.Shape) || !bytes.Equal(a.Data, b.Data) {
			t.Errorf("tensor %d: deflated copy differs (%s %v vs %s %v)", i, b.Name, b.Shape, a.Name, a.Shape)
		}
	}
}

// Cutting the fixtures anywhere gives an error, never a panic.
func TestTruncatedFixtures(t *testing.T) {
	for _, name := range []string{"model.pth", "model.safetensors"} {
		full, err := os.ReadFile(fixtures.Path(t, name))
		if err != nil {
			t.Fatal(err)
		}
		cuts := []int{0, 1, 4, 8, 9, 30, 100, 1000, 6000, 7000, len(full) / 3, len(full) / 2, len(full) - 4096, len(full) - 100, len(full) - 22, len(full) - 1}
		for _, n := range cuts {
			path := writeTemp(t, name, full[:n])
			if c, err := Open(path); err == nil {
				c.Close()
				t.Errorf("%s cut to %d bytes: no error", name, n)
			}
		}
	}
}

// Every prefix of the fixture's pickle is an error (no STOP); flipping any
// single byte never panics.
func TestFixturePickleDamaged(t *testing.T) {
	pkl := fixturePickle(t)
	if _, err := unpickle(pkl); err != nil {
		t.Fatalf("intact pickle: %v", err)
	}
	step := 1
	if testing.Short() {
		step = 13
	}
	for n := 0; n < len(pkl); n += step {
		if _, err := unpickle(pkl[:n]); err == nil {
			t.Fatalf("pickle cut to %d bytes: no error", n)
		}
	}
	buf := make([]byte, len(pkl))
	for i := 0; i < len(pkl); i += step {
		for _, x := range []byte{0xff, 0x01, 0x80} {
			copy(buf, pkl)
			buf[i] ^= x
			unpickle(buf) // must not panic; an error or a different dict is fine
			if i%5 != 0 {
				break // every byte gets one flip, every fifth gets three
			}
		}
	}
}

func fixturePickle(t *testing.T) []byte {
	t.Helper()
	orig, err := os.ReadFile(fixtures.Path(t, "model.pth"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "model/data.pkl" {
			rc, _ := f.Open()
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatal("fixture has no model/data.pkl")
	return nil
}
