package runtime_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/synth"
)

func feed(t *testing.T, c *runtime.Context, s *runtime.State, tokens ...int) []float32 {
	t.Helper()
	var logits []float32
	for _, tok := range tokens {
		var err error
		if logits, err = c.Forward(s, tok); err != nil {
			t.Fatal(err)
		}
	}
	return logits
}

// A saved state continues exactly as the state it was saved from.
func TestStateFileRoundTrip(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	c, s := m.NewContext(), m.NewState()
	logits := slices.Clone(feed(t, c, s, 5, 300, 17, 42))
	path := filepath.Join(t.TempDir(), "a.state")
	if err := runtime.SaveState(path, m, s, logits); err != nil {
		t.Fatal(err)
	}
	got, gotLogits, err := runtime.LoadState(path, m)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tokens != 4 || !slices.Equal(got.Floats(), s.Floats()) || !slices.Equal(gotLogits, logits) {
		t.Fatalf("round trip changed the state (tokens %d) or the logits", got.Tokens)
	}
	want := slices.Clone(feed(t, c, s, 99, 7))
	if after := feed(t, m.NewContext(), got, 99, 7); !slices.Equal(after, want) {
		t.Error("continuing from the loaded state gives other logits")
	}

	// Without logits; overwriting an existing file leaves no temporary.
	if err := runtime.SaveState(path, m, s, nil); err != nil {
		t.Fatal(err)
	}
	if _, l, err := runtime.LoadState(path, m); err != nil || l != nil {
		t.Fatalf("no logits: %v, %v", l, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after saving twice, want 1", len(entries))
	}
}

func TestStateFileOtherModel(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	path := filepath.Join(t.TempDir(), "a.state")
	if err := runtime.SaveState(path, m, m.NewState(), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		model string
		want  string
	}{
		{seededModel(t, small, quant.TypeF16, 8), "other weights"},
		{synthModel(t, small, quant.TypeQ8_0), "other weights"},
		{synthModel(t, synth.Shape{Layers: 1, Embd: 128, Vocab: 1000, FFN: 256, RankW: 32, RankA: 32, RankV: 32, RankG: 64}, quant.TypeF16), "L2 D128"},
	} {
		other := load(t, c.model, 1)
		_, _, err := runtime.LoadState(path, other)
		if !errors.Is(err, runtime.ErrStateModel) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrStateModel mentioning %q", filepath.Base(c.model), err, c.want)
		}
	}
	// The fingerprint is the file's, not the loaded Model's: the same file
	// loaded again (hashed afresh) gives the same one, another model not.
	fingerprint := func(m *runtime.Model) runtime.Fingerprint {
		t.Helper()
		f, err := m.Fingerprint()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	fa := fingerprint(m)
	if fb := fingerprint(load(t, synthModel(t, small, quant.TypeF16), 1)); fb != fa {
		t.Error("the same model file loaded twice gives two fingerprints")
	}
	if fc := fingerprint(load(t, seededModel(t, small, quant.TypeF16, 8), 1)); fc == fa {
		t.Error("another model (other weights, same shape) has the same fingerprint")
	}
}

func TestStateFileDamaged(t *testing.T) {
	m := load(t, synthModel(t, small, quant.TypeF16), 1)
	c, s := m.NewContext(), m.NewState()
	logits := feed(t, c, s, 1, 2, 3)
	dir := t.TempDir()
	path := filepath.Join(dir, "a.state")
	if err := runtime.SaveState(path, m, s, logits); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	for _, c := range []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"empty", func(b []byte) []byte { return nil }, "not a gosling state file"},
		{"other file", func(b []byte) []byte { return []byte("GGUF\x03\x00\x00\x00") }, "not a gosling state file"},
		{"header only", func(b []byte) []byte { return b[:50] }, "truncated"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1000] }, "truncated"},
		{"trailing bytes", func(b []byte) []byte { return append(b, 0) }, "after its end"},
		{"flipped value", func(b []byte) []byte { b[5000] ^= 1; return b }, "checksum"},
		{"flipped token count", func(b []byte) []byte { b[72] ^= 1; return b }, "checksum"},
		{"version 2", func(b []byte) []byte { b[8] = 2; return b }, "version 2"},
		{"unknown flag", func(b []byte) []byte { b[12] |= 4; return b }, "flags"},
		{"wrong value count", func(b []byte) []byte { b[80]++; return b }, "state values"},
	} {
		b := c.edit(slices.Clone(good))
		bad := filepath.Join(dir, "bad.state")
		if err := os.WriteFile(bad, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := runtime.LoadState(bad, m)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bad.state") {
			t.Errorf("%s: error %v, want one naming the file and mentioning %q", c.name, err, c.want)
		}
	}
	if _, _, err := runtime.LoadState(filepath.Join(dir, "missing"), m); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func BenchmarkLoadState(b *testing.B) {
	m := load(b, synthModel(b, small, quant.TypeF16), 1)
	path := filepath.Join(b.TempDir(), "a.state")
	if err := runtime.SaveState(path, m, m.NewState(), nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(m.NewState().Bytes()))
	for b.Loop() {
		if _, _, err := runtime.LoadState(path, m); err != nil {
			b.Fatal(err)
		}
	}
}
