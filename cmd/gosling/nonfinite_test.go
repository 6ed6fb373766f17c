package main

import (
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
)

// TestNonFiniteModel: a model with one NaN weight loads (info without
// --verify reads no weights), run fails at its first step naming the
// tensor, and info --verify finds it by reading everything.
func TestNonFiniteModel(t *testing.T) {
	path := tinyAgentModel(t) // F32
	const tensor = "blk.0.channel_mix_key.weight"
	g, err := quant.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := g.Tensor(tensor)
	at := int64(g.DataOffset+ti.Offset) + 4*77
	g.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(math.NaN()))), at)
	f.Close()

	if out := mustRun(t, "info", "-m", path); strings.Contains(out, "verified") {
		t.Errorf("info without --verify verified:\n%s", out)
	}
	wantFailure(t, []string{"run", "-m", path, "--max-tokens", "4", "hello"}, tensor, "(F32)", "value 77 is NaN")
	code, _, errs := gosling(t, "info", "--verify", "-m", path)
	if code != 1 || !strings.Contains(errs, "tensor "+tensor+" (F32): value 77 is NaN") {
		t.Errorf("info --verify: exit %d, %q", code, errs)
	}
	if out := mustRun(t, "info", "--verify", "-m", tinyAgentModel(t)); !strings.Contains(out, "no NaN or Inf") {
		t.Errorf("info --verify on a good model:\n%s", out)
	}
}
