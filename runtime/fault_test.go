package runtime_test

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/synth"
)

// A model file truncated while it is mapped (a download re-started over
// it, a full disk, a card pulled out) makes every access past the new end
// raise SIGBUS. The runtime must turn that into an error from Forward and
// Prefill, on the calling goroutine (embedding rows, vectors, its share of
// each product) and on the pool's workers alike, and keep the process
// alive.

// faultShape is a few MB in F16: big enough that the products are split
// across the workers and that the tensors span many pages.
var faultShape = synth.Shape{Layers: 2, Embd: 256, Vocab: 2000, FFN: 1024, RankW: 32, RankA: 32, RankV: 32, RankG: 64}

// copyFile copies src into a new file in dir (the cached synthetic models
// are shared, so each test truncates its own copy).
func copyFile(t *testing.T, src, dir string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(dir, filepath.Base(src))
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// tensorStart is the absolute file offset of a tensor's data.
func tensorStart(t *testing.T, path, name string) int64 {
	ti, dataOffset := tensorInfo(t, path, name)
	return int64(dataOffset + ti.Offset)
}

// tensorInfo is a tensor's entry in the GGUF file at path, and the offset
// of the file's tensor data.
func tensorInfo(t *testing.T, path, name string) (quant.TensorInfo, uint64) {
	t.Helper()
	g, err := quant.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ti, ok := g.Tensor(name)
	if !ok {
		t.Fatalf("%s: no tensor %s", path, name)
	}
	return *ti, g.DataOffset
}

func TestFaultTruncatedModel(t *testing.T) {
	for _, typ := range []quant.Type{quant.TypeF16, quant.TypeQ8_0} {
		src := synthModel(t, faultShape, typ)
		// Where the file is cut decides who touches the missing bytes first.
		cuts := []struct {
			name string
			at   func() int64
		}{
			// the embedding row of the token, read by the calling goroutine
			{"embedding", func() int64 { return tensorStart(t, src, "token_embd.weight") }},
			// the first matrix × vector product, split across the pool
			{"matrix", func() int64 { return tensorStart(t, src, "blk.0.time_mix_receptance.weight") }},
			// only the head, after every block ran
			{"head", func() int64 { return tensorStart(t, src, "output.weight") }},
			// nothing left at all
			{"empty", func() int64 { return 0 }},
		}
		for _, cut := range cuts {
			for _, threads := range []int{1, 4} {
				t.Run(typ.String()+"/"+cut.name+"/threads="+strconv.Itoa(threads), func(t *testing.T) {
					faultAfterTruncate(t, copyFile(t, src, t.TempDir()), cut.at(), threads)
				})
			}
		}
	}
}

func faultAfterTruncate(t *testing.T, path string, size int64, threads int) {
	m, err := runtime.Load(path, runtime.Options{Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, s := m.NewContext(), m.NewState()
	last := m.Vocab - 1 // the last embedding row: far past any cut
	// Touch every page first: truncation must also take back pages that
	// were already mapped in.
	if _, err := c.Forward(s, last); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	wantFault := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s on a model truncated to %d bytes: no error", what, size)
		}
		if !strings.Contains(err.Error(), "memory fault reading the model") || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("%s: error %q does not say the model file was truncated", what, err)
		}
	}
	_, err = c.Forward(s, last)
	wantFault("Forward", err)
	prompt := make([]int32, 2*c.Chunk()+3) // several chunks: matrix × matrix products
	for i := range prompt {
		prompt[i] = int32(m.Vocab - 1 - i)
	}
	_, err = c.Prefill(m.NewState(), prompt[:c.Chunk()])
	wantFault("Prefill", err)
	// A generator, which cuts a prompt into chunks, goes through the same
	// guard.
	g := m.NewGenerator(nil, runtime.SamplerOptions{})
	_, err = g.Feed(t.Context(), m.NewState(), prompt, nil)
	wantFault("Generator.Feed", err)
	// The tokenizer was copied out of the mapping at load: still usable.
	text := []byte("still alive\n\n")
	if got := m.Tokenizer.Decode(m.Tokenizer.Encode(text)); string(got) != string(text) {
		t.Fatalf("tokenizer after truncation: %q", got)
	}
	// The same Context keeps failing cleanly rather than crashing later.
	_, err = c.Forward(m.NewState(), 1)
	wantFault("second Forward", err)
}
