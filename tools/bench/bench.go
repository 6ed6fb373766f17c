// Package bench measures how fast a model runs on this machine and how
// close that is to the machine's memory bandwidth, the bound of one-token
// decoding: every token reads every weight once.
//
// Run measures, in one process: prefill (a prompt fed through
// Generator.Feed, so whatever prompt path the runtime has — chunked
// Prefill today — is what is timed), decode (one token at a time through
// Context.Forward, greedy), the cost of one official-chat sampling step,
// the bytes of weights one decoded token reads and the bandwidth that
// implies, the machine's read bandwidth with 1 and N threads (a plain Go
// read stream over a buffer far larger than any cache), peak RSS and heap.
package bench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/runtime"
)

// Options say how much to measure.
type Options struct {
	PromptTokens   int   // prefill length (0: no prefill measurement)
	DecodeTokens   int   // tokens decoded one by one
	BandwidthBytes int64 // size of the buffer the memory test reads (0: no memory test)
	// Backend, if set, runs the model (a GPU) instead of the CPU path.
	Backend runtime.Backend
	// Progress, if set, is told the stage and how far it is.
	Progress func(stage string, done, total int)
}

// Result is what Run measured. Rates are per second; bandwidths in bytes
// per second (GB = 1e9 bytes in the text report).
type Result struct {
	Model      string `json:"model"`
	Config     string `json:"config"`
	Types      string `json:"tensor_types"`
	Threads    int    `json:"threads"`
	KernelPath string `json:"kernel_path"`
	Device     string `json:"device,omitempty"` // the Backend that ran the model, if any
	GOARCH     string `json:"goarch"`
	CPUs       int    `json:"cpus"`

	PromptTokens     int     `json:"prompt_tokens"`
	PrefillSeconds   float64 `json:"prefill_seconds"`
	PrefillPerSecond float64 `json:"prefill_tokens_per_second"`
	DecodeTokens     int     `json:"decode_tokens"`
	DecodeSeconds    float64 `json:"decode_seconds"`
	DecodePerSecond  float64 `json:"decode_tokens_per_second"`
	SampleSeconds    float64 `json:"sample_seconds_per_token"` // one official-chat sampling step

	// WeightBytes is every tensor; BytesPerToken what one decoded token
	// reads of them: all but the embedding, of which one row.
	WeightBytes      int64   `json:"weight_bytes"`
	BytesPerToken    int64   `json:"weight_bytes_per_token"`
	ImpliedBandwidth float64 `json:"implied_bandwidth_bytes_per_second"`

	BandwidthBufferBytes int64   `json:"bandwidth_buffer_bytes"`
	Bandwidth1           float64 `json:"memory_bandwidth_1_thread_bytes_per_second"`
	BandwidthN           float64 `json:"memory_bandwidth_n_threads_bytes_per_second"`
	BandwidthThreads     int     `json:"memory_bandwidth_threads"`
	// ShareOfBandwidth is ImpliedBandwidth / the measured bandwidth with the
	// same number of threads as the model (Bandwidth1 for one thread).
	ShareOfBandwidth float64 `json:"share_of_measured_bandwidth"`

	// PeakRSSBytes is VmHWM of /proc/self/status before the memory test:
	// what running the model takes, the pages of the mapped model file read
	// so far included. PeakRSSWithBufferBytes is VmHWM at the end, the
	// memory test's buffer included: the process's real peak, which a
	// board must have free to run bench. PeakHeapBytes is the largest Go
	// heap in use seen between the stages.
	PeakRSSBytes           int64 `json:"peak_rss_bytes"`
	PeakRSSWithBufferBytes int64 `json:"peak_rss_with_bandwidth_buffer_bytes"`
	PeakHeapBytes          int64 `json:"peak_heap_bytes"`

	Vocab int `json:"-"` // the model's vocabulary, for the sampling line of the text report
}

// Run benchmarks m. The model's pool decides the threads.
func Run(ctx context.Context, m *runtime.Model, name string, opt Options) (*Result, error) {
	r := &Result{
		Model: name, Config: m.Config.String(), Types: tensorTypes(m), Threads: m.Threads(),
		KernelPath: arm64.Path(), GOARCH: goruntime.GOARCH, CPUs: goruntime.NumCPU(),
		WeightBytes: m.WeightBytes(), BytesPerToken: BytesPerToken(m), Vocab: m.Vocab,
	}
	progress := func(stage string, done, total int) {
		if opt.Progress != nil {
			opt.Progress(stage, done, total)
		}
	}
	var heap int64
	sampleHeap := func() {
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		heap = max(heap, int64(ms.HeapInuse))
	}
	var step runtime.Stepper = m.NewContext()
	if opt.Backend != nil {
		step = opt.Backend
		r.Device = opt.Backend.String()
	}
	g := m.NewGenerator(step, runtime.DefaultSampler) // the prompt's chunk loop
	rng := rand.New(rand.NewPCG(1, 2))
	token := func() int32 { return int32(1 + rng.IntN(m.Vocab-1)) }

	// Warm-up: one token reads every weight once, so the page cache holds
	// the model and the first timed token does not pay for the disk.
	progress("warm-up", 0, 1)
	s := m.NewState()
	if _, err := step.Forward(s, int(token())); err != nil {
		return nil, err
	}
	progress("warm-up", 1, 1)
	sampleHeap()

	if n := opt.PromptTokens; n > 0 {
		prompt := make([]int32, n)
		for i := range prompt {
			prompt[i] = token()
		}
		s.Reset()
		t0 := time.Now()
		if _, err := g.Feed(ctx, s, prompt, func(done, total int) { progress("prefill", done, total) }); err != nil {
			return nil, err
		}
		r.PromptTokens = n
		r.PrefillSeconds = time.Since(t0).Seconds()
		r.PrefillPerSecond = float64(n) / r.PrefillSeconds
		sampleHeap()
	}

	if n := opt.DecodeTokens; n > 0 {
		t0 := time.Now()
		last, err := decode(ctx, step, s, int(token()), n, func(done int) { progress("decode", done, n) })
		if err != nil {
			return nil, err
		}
		r.DecodeSeconds = time.Since(t0).Seconds()
		last = slices.Clone(last) // the Stepper's buffer: the next Forward overwrites it
		r.DecodeTokens = n
		r.DecodePerSecond = float64(n) / r.DecodeSeconds
		r.ImpliedBandwidth = float64(r.BytesPerToken) * r.DecodePerSecond

		// Sampling: the official chat sampler on the decode loop's last
		// logits (a prompt's would be missing with --prompt 0).
		if r.SampleSeconds, err = sampleSeconds(runtime.NewSampler(m.Vocab, runtime.DefaultSampler), last, 20); err != nil {
			return nil, err
		}
		sampleHeap()
	}
	r.PeakHeapBytes = heap
	r.PeakRSSBytes = peakRSS()

	if opt.BandwidthBytes > 0 {
		r.BandwidthThreads = max(r.Threads, 1)
		r.BandwidthBufferBytes = opt.BandwidthBytes &^ 63
		buf := make([]uint64, r.BandwidthBufferBytes/8)
		for i := range buf {
			buf[i] = uint64(i) // touch every page: untouched pages read as the shared zero page
		}
		progress("memory bandwidth", 0, 2)
		r.Bandwidth1 = MemoryBandwidth(buf, 1, 3)
		progress("memory bandwidth", 1, 2)
		r.BandwidthN = r.Bandwidth1
		if r.BandwidthThreads > 1 {
			r.BandwidthN = MemoryBandwidth(buf, r.BandwidthThreads, 3)
		}
		progress("memory bandwidth", 2, 2)
		buf = nil
		r.PeakRSSWithBufferBytes = peakRSS()
		goruntime.GC()
		if r.ImpliedBandwidth > 0 && r.BandwidthN > 0 {
			r.ShareOfBandwidth = r.ImpliedBandwidth / r.BandwidthN
		}
	}
	return r, nil
}

// decode runs n greedy tokens from first through step and returns the
// last logits (the Stepper's own buffer, not a copy).
func decode(ctx context.Context, step runtime.Stepper, s *runtime.State, first, n int, progress func(done int)) ([]float32, error) {
	tok := first
	var logits []float32
	for i := range n {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var err error
		if logits, err = step.Forward(s, tok); err != nil {
			return nil, err
		}
		tok = runtime.Argmax(logits)
		progress(i + 1)
	}
	return logits, nil
}

// sampleSeconds is the mean time of one draw of sm from logits. Empty
// logits are an error: Sample would return at once and the cost read 0.
func sampleSeconds(sm *runtime.Sampler, logits []float32, draws int) (float64, error) {
	if len(logits) == 0 || draws <= 0 {
		return 0, fmt.Errorf("bench: sampling cost needs logits and draws (have %d logits, %d draws)", len(logits), draws)
	}
	t0 := time.Now()
	for range draws {
		sm.Sample(logits)
	}
	return time.Since(t0).Seconds() / float64(draws), nil
}

// BytesPerToken is what decoding one token reads of the weights: every
// tensor but the embedding, and one row of the embedding.
func BytesPerToken(m *runtime.Model) int64 {
	n := m.WeightBytes()
	if t, ok := m.File.Tensor("token_embd.weight"); ok && m.Vocab > 0 {
		n -= int64(t.Size) - int64(t.Size)/int64(t.Rows())
	}
	return n
}

func tensorTypes(m *runtime.Model) string {
	var parts []string
	for _, t := range m.File.TypeTotals() {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", t.Type, 100*float64(t.Bytes)/float64(m.WeightBytes())))
	}
	return strings.Join(parts, ", ")
}

// MemoryBandwidth reads buf passes times with the given number of
// goroutines (each summing its own contiguous share) and returns the best
// pass's bytes per second.
func MemoryBandwidth(buf []uint64, threads, passes int) float64 {
	threads = max(threads, 1)
	best := 0.0
	var mu sync.Mutex
	for range passes {
		var wg sync.WaitGroup
		t0 := time.Now()
		per := (len(buf) / threads) &^ 7
		for i := range threads {
			part := buf[i*per : (i+1)*per]
			if i == threads-1 {
				part = buf[i*per:]
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := sum(part)
				mu.Lock()
				sink += s
				mu.Unlock()
			}()
		}
		wg.Wait()
		if sec := time.Since(t0).Seconds(); sec > 0 {
			best = max(best, float64(8*len(buf))/sec)
		}
	}
	return best
}

// sink keeps the sums alive, so the compiler cannot drop the reads.
var sink uint64

// sum reads every value of v, 8 at a time with 4 accumulators: enough
// loads in flight for one core to stream from memory.
func sum(v []uint64) uint64 {
	var a, b, c, d uint64
	for len(v) >= 8 {
		a += v[0] + v[4]
		b += v[1] + v[5]
		c += v[2] + v[6]
		d += v[3] + v[7]
		v = v[8:]
	}
	for _, x := range v {
		a += x
	}
	return a + b + c + d
}

// MaxBandwidthBytes is the largest buffer DefaultBandwidthBytes picks:
// far larger than any cache, so the test reads memory, not cache.
const MaxBandwidthBytes = 1 << 30

// DefaultBandwidthBytes sizes the memory test's buffer for this machine:
// a quarter of MemAvailable (/proc/meminfo), at most MaxBandwidthBytes. A
// fixed 1 GiB is most of a 1 or 2 GB board's memory, on top of the model.
// Without /proc/meminfo it is MaxBandwidthBytes.
func DefaultBandwidthBytes() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return MaxBandwidthBytes
	}
	return bandwidthBytesFor(string(b))
}

func bandwidthBytesFor(meminfo string) int64 {
	for line := range strings.Lines(meminfo) {
		v, ok := strings.CutPrefix(line, "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil || kb <= 0 {
			break
		}
		return min(MaxBandwidthBytes, (kb<<10)/4) &^ (1<<20 - 1) // whole MiB
	}
	return MaxBandwidthBytes
}

// peakRSS is VmHWM from /proc/self/status in bytes (0 where there is none).
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
