package main

import (
	"path/filepath"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/fixtures"
)

// TestFixtureQuantized is the acceptance test of Q8_0 and Q4_0: the official
// checkpoint, with every big matrix (embedding and head included) in the
// block format, against the official F32 logits on the 64-token sequence.
//
// A correct implementation gives about 94 % top-1 agreement and max
// |Δlogit| ≈ 0.2 for Q8_0, 70 % and ≈ 3 for Q4_0 (the weights are random, so
// near-ties are common and agreement is far from 100 %). The bounds are
// loose enough for rounding differences and tight enough that a wrong
// block layout, scale or nibble order fails: those give top-1 near 0 and
// |Δ| in the tens.
func TestFixtureQuantized(t *testing.T) {
	man := readManifest(t)
	seq := man.Sequences["seq64"]
	if len(seq.Tokens) == 0 {
		t.Fatal("manifest.json: no seq64")
	}
	want := readF32(t, fixtures.Path(t, "logits_seq64.bin"))
	wantState := map[string][]float32{}
	for _, f := range []string{"state_att_kv.bin", "state_att_shift.bin", "state_ffn_shift.bin"} {
		wantState[f] = readF32(t, fixtures.Path(t, f))
	}
	for _, c := range []struct {
		typ          string
		override     string
		minTop1      float64
		maxDiff      float64
		maxStateDiff float64
	}{
		{"q8_0", "emb=q8_0,head=q8_0,att=q8_0,ffn=q8_0", 0.85, 0.5, 0.3},
		{"q4_0", "emb=q4_0,head=q4_0,att=q4_0,ffn=q4_0", 0.55, 5, 3},
	} {
		t.Run(c.typ, func(t *testing.T) {
			dir := t.TempDir()
			model := filepath.Join(dir, c.typ+".gguf")
			mustRun(t, "convert", fixtures.Path(t, "model.pth"), "-o", model, "--type", c.typ, "--override", c.override, "-q")
			out := filepath.Join(dir, "logits.bin")
			stateDir := filepath.Join(dir, "state")
			mustRun(t, "logits", "-m", model, "--tokens", joinInts(seq.Tokens), "--out", out, "--state-raw", stateDir, "--threads", "2")
			got := readF32(t, out)
			if len(got) != len(want) {
				t.Fatalf("%d logits, want %d", len(got), len(want))
			}
			T := len(seq.Tokens)
			V := len(want) / T
			agree := 0
			for step := 0; step < T; step++ {
				if runtime.Argmax(got[step*V:(step+1)*V]) == runtime.Argmax(want[step*V:(step+1)*V]) {
					agree++
				}
			}
			top1 := float64(agree) / float64(T)
			d := maxAbsDiff(got, want)
			var ds float64
			for f, w := range wantState {
				g := readF32(t, filepath.Join(stateDir, f))
				if len(g) != len(w) {
					t.Fatalf("%s: %d values, want %d", f, len(g), len(w))
				}
				ds = max(ds, maxAbsDiff(g, w))
			}
			t.Logf("%s vs official F32, seq64: top-1 %d/%d = %.1f %%, max |Δlogit| %.3f, final state max |Δ| %.3f",
				c.typ, agree, T, 100*top1, d, ds)
			if top1 < c.minTop1 {
				t.Errorf("top-1 agreement %.1f %% < %.0f %%", 100*top1, 100*c.minTop1)
			}
			if d > c.maxDiff {
				t.Errorf("max |Δlogit| %.3f > %g", d, c.maxDiff)
			}
			if ds > c.maxStateDiff {
				t.Errorf("final state max |Δ| %.3f > %g", ds, c.maxStateDiff)
			}
		})
	}
}
