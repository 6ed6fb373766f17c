package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/synth"
)

// TestSoakGenerate generates 100 000 tokens in one process and samples the
// process's memory every 1 000: a board runs unattended for months, so
// memory must stay flat, not creep. It takes minutes, so it runs only with
// GOSLING_SOAK=1 (and never under -short):
//
//	GOSLING_SOAK=1 go test -run Soak -v -timeout 2h ./runtime/
//
// GOSLING_SOAK_MODEL picks the model (default: the embedded demo model's
// file, cmd/gosling/demo.gguf, else a synthetic one), GOSLING_SOAK_TOKENS
// the count, GOSLING_SOAK_THREADS the threads (2), GOSLING_SOAK_OUT a file
// for the series (CSV).
func TestSoakGenerate(t *testing.T) {
	if testing.Short() || os.Getenv("GOSLING_SOAK") != "1" {
		t.Skip("soak test: set GOSLING_SOAK=1 (takes minutes)")
	}
	total := 100_000
	if s := os.Getenv("GOSLING_SOAK_TOKENS"); s != "" {
		var err error
		if total, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	path := os.Getenv("GOSLING_SOAK_MODEL")
	if path == "" {
		path = "../cmd/gosling/demo.gguf"
		if _, err := os.Stat(path); err != nil {
			path = synthModel(t, synth.Shape{Layers: 4, Embd: 256, Vocab: 8192, FFN: 1024}, quant.TypeQ8_0)
		}
	}
	threads := 2
	if s := os.Getenv("GOSLING_SOAK_THREADS"); s != "" {
		var err error
		if threads, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	m := load(t, path, threads)
	t.Logf("model %s: %s", path, m.Config)

	g := m.NewGenerator(nil, runtime.DefaultSampler)
	s := m.NewState()
	prompt := m.Tokenizer.Encode([]byte("User: Tell me a very long story about a robot on a small board.\n\nAssistant:"))
	const every = 1000
	var series []soakMem
	// The series also goes to GOSLING_SOAK_OUT as it is taken, so that a
	// run cut short still leaves what it measured.
	var csv *os.File
	if out := os.Getenv("GOSLING_SOAK_OUT"); out != "" {
		var err error
		if csv, err = os.Create(out); err != nil {
			t.Fatal(err)
		}
		defer csv.Close()
		fmt.Fprintln(csv, soakHeader)
	}
	take := func(n int) {
		s := soakSample(t, n)
		series = append(series, s)
		if csv != nil {
			fmt.Fprintln(csv, s.csv())
		}
	}
	next := every
	emit := func([]byte) error {
		if n := len(g.Generated()); n >= next {
			take(n)
			next += every
		}
		return nil
	}
	take(0)
	st, err := g.Generate(context.Background(), s, prompt, nil, runtime.GenerateOptions{
		MaxTokens: total, BanEndOfText: true,
	}, emit)
	if err != nil {
		t.Fatal(err)
	}
	take(st.GeneratedTokens)
	if st.GeneratedTokens != total {
		t.Fatalf("generated %d tokens (%s), want %d", st.GeneratedTokens, st.StopReason, total)
	}
	reportSoak(t, series, every)
}

// soakMem is the process's memory after Tokens tokens, in bytes.
type soakMem struct {
	Tokens                  int
	VmRSS, RssAnon, RssFile uint64 // /proc/self/status
	HeapAlloc, HeapInuse    uint64 // Go heap (runtime.MemStats)
	Sys                     uint64 // all memory Go got from the OS
	NumGC                   uint32
}

const soakHeader = "tokens,vmrss_kb,rssanon_kb,rssfile_kb,heapalloc_kb,heapinuse_kb,sys_kb,numgc"

func (s soakMem) csv() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d,%d,%d", s.Tokens, s.VmRSS>>10, s.RssAnon>>10, s.RssFile>>10, s.HeapAlloc>>10, s.HeapInuse>>10, s.Sys>>10, s.NumGC)
}

func soakSample(t *testing.T, tokens int) soakMem {
	s := soakMem{Tokens: tokens}
	r, ok := procStatus()
	if !ok {
		t.Skip("no /proc/self/status")
	}
	s.VmRSS, s.RssAnon, s.RssFile = r.VmRSS, r.RssAnon, r.RssFile
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	s.HeapAlloc, s.HeapInuse, s.Sys, s.NumGC = ms.HeapAlloc, ms.HeapInuse, ms.Sys, ms.NumGC
	return s
}

// reportSoak logs the series and fails if memory grew after the warm-up
// (the first samples: pages of the model faulted in, buffers sized).
func reportSoak(t *testing.T, series []soakMem, every int) {
	var csv bytes.Buffer
	fmt.Fprintln(&csv, soakHeader)
	for _, s := range series {
		fmt.Fprintln(&csv, s.csv())
	}
	warm := min(5, len(series)-1) // the sample after 5 000 tokens
	base := series[warm]
	var maxRSS, maxAnon, maxHeap soakMem
	for _, s := range series[warm:] {
		if s.VmRSS > maxRSS.VmRSS {
			maxRSS = s
		}
		if s.RssAnon > maxAnon.RssAnon {
			maxAnon = s
		}
		if s.HeapInuse > maxHeap.HeapInuse {
			maxHeap = s
		}
	}
	first, last := series[0], series[len(series)-1]
	mb := func(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
	t.Logf("VmRSS   start %s, after %d tokens %s, end %s, max %s (at %d tokens)", mb(first.VmRSS), base.Tokens, mb(base.VmRSS), mb(last.VmRSS), mb(maxRSS.VmRSS), maxRSS.Tokens)
	t.Logf("RssAnon start %s, after %d tokens %s, end %s, max %s (at %d tokens)", mb(first.RssAnon), base.Tokens, mb(base.RssAnon), mb(last.RssAnon), mb(maxAnon.RssAnon), maxAnon.Tokens)
	t.Logf("Go heap in use start %s, after %d tokens %s, end %s, max %s; %d GCs", mb(first.HeapInuse), base.Tokens, mb(base.HeapInuse), mb(last.HeapInuse), mb(maxHeap.HeapInuse), last.NumGC-first.NumGC)
	t.Logf("series (every %d tokens):\n%s", every, csv.String())
	// Flat: after the warm-up, anonymous memory (the heap, stacks) may move
	// by GC cycles and by the 4 bytes per token the generator keeps of the
	// ids it sampled (400 KB for 100 000), nothing more.
	const slack = 8 << 20
	if maxAnon.RssAnon > base.RssAnon+slack {
		t.Errorf("anonymous memory grew from %s to %s after the warm-up", mb(base.RssAnon), mb(maxAnon.RssAnon))
	}
	if maxHeap.HeapInuse > base.HeapInuse+slack {
		t.Errorf("Go heap in use grew from %s to %s after the warm-up", mb(base.HeapInuse), mb(maxHeap.HeapInuse))
	}
}
