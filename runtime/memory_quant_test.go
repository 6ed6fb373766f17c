package runtime_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"runtime/debug"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/synth"
	"github.com/gosling-edge/gosling/tools/testenv"
)

// The in-place proof (package runtime's invariant "weights are never
// copied", doc.go): Q8_0 and Q4_0 weights are computed with straight from
// the memory map, so after loading and decoding the heap holds only the
// tokenizer, state and scratch buffers, and the weights show up in the
// process as file-backed resident pages, not as anonymous memory.
//
// Each measurement runs in a fresh child process (this test binary
// re-executed with memoryChildEnv set), so that nothing the parent allocated
// while writing the model counts.

const memoryChildEnv = "GOSLING_MEMORY_CHILD"

// memorySample is one reading of the Go heap and of /proc/self/status.
type memorySample struct {
	HeapAlloc, HeapSys      uint64 // runtime.MemStats, after a GC
	VmRSS, RssAnon, RssFile uint64 // bytes; 0 where /proc is absent
}

// memoryReport is what the child measures.
type memoryReport struct {
	FileBytes, WeightBytes int64
	Tokens                 int
	Before                 memorySample // the bare process
	Loaded                 memorySample // after runtime.Load
	Ready                  memorySample // and a Context (scratch buffers) and a State
	Decoded                memorySample // after decoding Tokens tokens
}

func sampleMemory() memorySample {
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	s := memorySample{HeapAlloc: ms.HeapAlloc, HeapSys: ms.HeapSys}
	if r, ok := procStatus(); ok {
		s.VmRSS, s.RssAnon, s.RssFile = r.VmRSS, r.RssAnon, r.RssFile
	}
	return s
}

// TestMemoryChild is the child's side; it does nothing in a normal run.
func TestMemoryChild(t *testing.T) {
	path := os.Getenv(memoryChildEnv)
	if path == "" {
		t.Skip("only run as the child of a memory measurement")
	}
	debug.FreeOSMemory()
	var r memoryReport
	r.Before = sampleMemory()
	m, err := runtime.Load(path, runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	r.FileBytes, r.WeightBytes = st.Size(), m.WeightBytes()
	r.Loaded = sampleMemory()
	c, s := m.NewContext(), m.NewState()
	r.Ready = sampleMemory()
	r.Tokens = 16
	for i := 0; i < r.Tokens; i++ {
		if _, err := c.Forward(s, (i*7919+1)%m.Vocab); err != nil {
			t.Fatal(err)
		}
	}
	r.Decoded = sampleMemory()
	goruntime.KeepAlive(c) // the scratch buffers and state count in both samples
	goruntime.KeepAlive(s)
	b, _ := json.Marshal(r)
	fmt.Printf("MEMORY-REPORT %s\n", b)
}

// measureMemory loads path in a fresh process and returns its report.
func measureMemory(tb testing.TB, path string) memoryReport {
	tb.Helper()
	testenv.SkipProcessesUnderEmulation(tb)
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), memoryChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		// The test binary cannot run itself (e.g. an arm64 binary run
		// through `go test -exec qemu-aarch64` without binfmt).
		tb.Skipf("cannot start the memory child: %v", err)
	}
	if err != nil {
		tb.Fatalf("memory child: %v\n%s", err, out)
	}
	_, line, ok := bytes.Cut(out, []byte("MEMORY-REPORT "))
	if !ok {
		tb.Fatalf("memory child printed no report:\n%s", out)
	}
	line, _, _ = bytes.Cut(line, []byte("\n"))
	var r memoryReport
	if err := json.Unmarshal(line, &r); err != nil {
		tb.Fatalf("memory report %q: %v", line, err)
	}
	return r
}

func mb(n uint64) float64 { return float64(n) / 1e6 }

func grown(after, before uint64) uint64 {
	if after < before {
		return 0
	}
	return after - before
}

func logMemory(tb testing.TB, typ quant.Type, r memoryReport) {
	tb.Helper()
	tb.Logf("%-5s file %6.1f MB | after load: heap %5.2f MB (sys %5.1f), RSS %6.1f MB (anon +%5.2f, file %6.1f) | + context and state: heap %5.2f MB | after %d tokens: heap %5.2f MB (sys %5.1f), RSS %6.1f MB (anon +%5.2f, file %6.1f)",
		typ, float64(r.FileBytes)/1e6,
		mb(grown(r.Loaded.HeapAlloc, r.Before.HeapAlloc)), mb(r.Loaded.HeapSys), mb(r.Loaded.VmRSS),
		mb(grown(r.Loaded.RssAnon, r.Before.RssAnon)), mb(r.Loaded.RssFile),
		mb(grown(r.Ready.HeapAlloc, r.Before.HeapAlloc)), r.Tokens, mb(grown(r.Decoded.HeapAlloc, r.Before.HeapAlloc)), mb(r.Decoded.HeapSys), mb(r.Decoded.VmRSS),
		mb(grown(r.Decoded.RssAnon, r.Before.RssAnon)), mb(r.Decoded.RssFile))
}

// memoryShape is big enough that a dequantized copy of any large matrix
// would stand out against the tokenizer and scratch buffers, and small
// enough to write in a few seconds.
var memoryShape = synth.Shape{Layers: 4, Embd: 1024, Vocab: 8192, FFN: 4096, RankW: 64, RankA: 64, RankV: 32, RankG: 128}

// TestWeightsStayInPlace asserts that loading and decoding allocate nothing
// of the weights' size: loading grows the Go heap by less than 5 % of the
// weights, decoding grows it by less than that again, and the anonymous
// resident memory grows by less than 5 % of the weights beyond the scratch
// buffers and state (whose size does not depend on the weight type), while
// the file-backed resident memory covers the weights (decoding reads all of
// them).
func TestWeightsStayInPlace(t *testing.T) {
	if testing.Short() {
		t.Skip("writes three models of 40-140 MB")
	}
	if testenv.Emulated() {
		// Under qemu-user the emulator's translated code counts as the
		// process's anonymous memory, and writing the models takes minutes.
		t.Skip("running under qemu")
	}
	for _, typ := range []quant.Type{quant.TypeF16, quant.TypeQ8_0, quant.TypeQ4_0} {
		r := measureMemory(t, synthModel(t, memoryShape, typ))
		logMemory(t, typ, r)
		limit := uint64(r.WeightBytes) / 20
		if h := grown(r.Loaded.HeapAlloc, r.Before.HeapAlloc); h > limit {
			t.Errorf("%s: heap grew by %.2f MB at load, more than 5 %% of %.1f MB of weights", typ, mb(h), float64(r.WeightBytes)/1e6)
		}
		if h := grown(r.Decoded.HeapAlloc, r.Ready.HeapAlloc); h > limit {
			t.Errorf("%s: heap grew by %.2f MB while decoding, more than 5 %% of the weights", typ, mb(h))
		}
		if r.Decoded.VmRSS == 0 {
			continue // no /proc/self/status here
		}
		scratch := grown(r.Ready.HeapAlloc, r.Loaded.HeapAlloc)
		if a := grown(r.Decoded.RssAnon, r.Before.RssAnon); a > limit+scratch {
			t.Errorf("%s: anonymous RSS grew by %.2f MB, more than the %.2f MB of scratch and state plus 5 %% of the weights", typ, mb(a), mb(scratch))
		}
		if f := r.Decoded.RssFile; f < uint64(r.WeightBytes)*9/10 {
			t.Errorf("%s: file-backed RSS %.1f MB after decoding, want about the %.1f MB of weights", typ, mb(f), float64(r.WeightBytes)/1e6)
		}
	}
}

// BenchmarkInPlaceMemory reports the heap and RSS of the 0.1B shape at F16,
// Q8_0 and Q4_0 after load and after decoding 16 tokens (each in a fresh
// process). Run with -benchtime=1x; the models take ≈ 600 MB of temp space.
func BenchmarkInPlaceMemory(b *testing.B) {
	for _, typ := range []quant.Type{quant.TypeF16, quant.TypeQ8_0, quant.TypeQ4_0} {
		b.Run(typ.String(), func(b *testing.B) {
			path := synthModel(b, synth.Shape01B, typ)
			var r memoryReport
			for i := 0; i < b.N; i++ {
				r = measureMemory(b, path)
			}
			logMemory(b, typ, r)
			b.ReportMetric(float64(r.FileBytes)/1e6, "file-MB")
			b.ReportMetric(mb(grown(r.Loaded.HeapAlloc, r.Before.HeapAlloc)), "heap-load-MB")
			b.ReportMetric(mb(grown(r.Ready.HeapAlloc, r.Before.HeapAlloc)), "heap-ctx-MB")
			b.ReportMetric(mb(grown(r.Decoded.HeapAlloc, r.Before.HeapAlloc)), "heap-decode-MB")
			b.ReportMetric(mb(grown(r.Decoded.RssAnon, r.Before.RssAnon)), "anon-decode-MB")
			b.ReportMetric(mb(r.Decoded.RssFile), "file-rss-MB")
			b.ReportMetric(mb(r.Decoded.VmRSS), "rss-MB")
		})
	}
}
