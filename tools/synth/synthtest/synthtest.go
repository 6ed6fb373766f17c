// Package synthtest gives tests a small random-weight model, written with
// tools/synth and loaded by the runtime. It serves tests only and is never
// linked into gosling.
package synthtest

import (
	"path/filepath"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

// Tiny is a shape that runs in milliseconds: 300 vocabulary rows keep the
// World vocabulary's single bytes and its first multi-byte tokens.
var Tiny = synth.Shape{Layers: 2, Embd: 64, Vocab: 300, FFN: 128, RankW: 32, RankA: 32, RankV: 32, RankG: 32}

// Model writes a model of shape from seed, converted with opt (the zero
// Options: F16 matrices, the World vocabulary), into the test's temporary
// directory and loads it on one thread; it is closed when the test ends.
func Model(t testing.TB, shape synth.Shape, seed uint64, opt convert.Options) *runtime.Model {
	t.Helper()
	in, err := synth.Input(shape, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if _, err := convert.Write(in, path, opt); err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(path, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}
