package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/tools/fixtures"
)

// manifest is the part of the fixtures' manifest.json the tests read.
type manifest struct {
	Model struct {
		VocabSize int `json:"vocab_size"`
	} `json:"model"`
	Sequences map[string]struct {
		Tokens []int `json:"tokens"`
		Top5   struct {
			File string `json:"file"`
		} `json:"top5"`
		Top5Logits [][]float32 `json:"top5_logits"`
	} `json:"sequences"`
	Tolerance struct {
		Logits float64 `json:"fp32_compute_logits_max_abs"`
		State  float64 `json:"fp32_compute_state_max_abs"`
	} `json:"tolerance_hint"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Sequences) == 0 || m.Tolerance.Logits == 0 {
		t.Fatal("manifest.json: no sequences or no tolerance")
	}
	return m
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func readI32(t *testing.T, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]int, len(b)/4)
	for i := range v {
		v[i] = int(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return v
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

func maxAbsDiff(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// top5 returns the ids of the five largest values, descending.
func top5(row []float32) []int {
	idx := make([]int, len(row))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
	return idx[:5]
}

// sameTop5 accepts the reference's top-5 ids up to swaps between candidates
// whose reference logits are within tol of each other.
func sameTop5(got, want []int, ref []float32, tol float64) bool {
	for i := range want {
		if got[i] == want[i] {
			continue
		}
		if math.Abs(float64(ref[got[i]])-float64(ref[want[i]])) > tol {
			return false
		}
	}
	return true
}

// TestFixtureLogits is the acceptance test of the core runtime: the
// official checkpoint converted to F32 GGUF reproduces the official
// implementation's logits after every token and its final state.
func TestFixtureLogits(t *testing.T) {
	man := readManifest(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "f32.gguf")
	mustRun(t, "convert", fixtures.Path(t, "model.pth"), "-o", model, "--type", "f32", "-q")
	checkFixtureLogits(t, man, model, man.Tolerance.Logits, man.Tolerance.State, true)
}

// TestFixtureLogitsF16 reports how far F16 storage moves the logits.
func TestFixtureLogitsF16(t *testing.T) {
	man := readManifest(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "f16.gguf")
	mustRun(t, "convert", fixtures.Path(t, "model.pth"), "-o", model, "--type", "f16", "-q")
	// bf16 weights mostly fit f16 exactly; what does not (tiny values)
	// moves the logits a little. 0.05 is far above what we see and far
	// below what a layout error gives.
	checkFixtureLogits(t, man, model, 0.05, 0.05, false)
}

func checkFixtureLogits(t *testing.T, man manifest, model string, tolLogits, tolState float64, strictTop5 bool) {
	dir := t.TempDir()
	names := make([]string, 0, len(man.Sequences))
	for n := range man.Sequences {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		seq := man.Sequences[name]
		out := filepath.Join(dir, name+".bin")
		args := []string{"logits", "-m", model, "--tokens", joinInts(seq.Tokens), "--out", out, "--threads", "2"}
		stateDir := filepath.Join(dir, name+"-state")
		args = append(args, "--state-raw", stateDir)
		mustRun(t, args...)
		got := readF32(t, out)
		want := readF32(t, fixtures.Path(t, "logits_"+name+".bin"))
		if len(got) != len(want) {
			t.Fatalf("%s: %d logits, want %d", name, len(got), len(want))
		}
		d := maxAbsDiff(got, want)
		t.Logf("%s (%d tokens): max |Δlogit| = %.3g", name, len(seq.Tokens), d)
		if d > tolLogits {
			t.Errorf("%s: max |Δlogit| = %g > %g", name, d, tolLogits)
		}
		if strictTop5 {
			V := len(want) / len(seq.Tokens)
			ids := readI32(t, fixtures.Path(t, seq.Top5.File))
			for step := range seq.Tokens {
				row, ref := got[step*V:(step+1)*V], want[step*V:(step+1)*V]
				if g, w := top5(row), ids[step*5:step*5+5]; !sameTop5(g, w, ref, tolLogits) {
					t.Errorf("%s step %d: top-5 %v, want %v", name, step, g, w)
				}
			}
		}
		if name != "seq64" {
			continue
		}
		// The fixture's state is the one after seq64.
		for _, f := range []string{"state_att_kv.bin", "state_att_shift.bin", "state_ffn_shift.bin"} {
			g, w := readF32(t, filepath.Join(stateDir, f)), readF32(t, fixtures.Path(t, f))
			if len(g) != len(w) {
				t.Fatalf("%s: %d values, want %d", f, len(g), len(w))
			}
			d := maxAbsDiff(g, w)
			t.Logf("%s: max |Δ| = %.3g", f, d)
			if d > tolState {
				t.Errorf("%s: max |Δ| = %g > %g", f, d, tolState)
			}
		}
	}
}
