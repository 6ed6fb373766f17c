package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/gosling-edge/gosling/tools/bench"
)

func init() {
	register("bench", "measure prefill and decode speed against the machine's memory bandwidth", runBench)
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench -m MODEL [--prompt N] [--tokens N] [--threads N] [--device cpu|cuda] [--json]",
		"Measures, in one run: prefill tokens/s (a --prompt of random tokens through the\n"+
			"runtime's prompt path), decode tokens/s (--tokens one at a time), one chat\n"+
			"sampling step, the weight bytes one decoded token reads (every tensor but the\n"+
			"embedding, plus one embedding row) and the bandwidth that implies, the\n"+
			"machine's memory read bandwidth with 1 and --threads threads (a --bw-mb\n"+
			"buffer), the share of it the model reaches, peak RSS (mapped weights\n"+
			"included) and Go heap, and the kernel path.", stderr)
	mf := addModelFlags(fs.FlagSet)
	prompt := fs.Int("prompt", 512, "prefill length in tokens (0 = skip)")
	tokens := fs.Int("tokens", 128, "tokens to decode (0 = skip)")
	bwMB := fs.Int("bw-mb", 1024, "MiB read by the memory bandwidth test (0 = skip)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	df := addDeviceFlags(fs.FlagSet)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if _, _, err := df.handle(); err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *prompt < 0 || *tokens < 0 || *bwMB < 0 {
		return usagef("--prompt, --tokens and --bw-mb must be ≥ 0")
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	backend, err := df.open(m)
	if err != nil {
		return err
	}
	if backend != nil {
		defer backend.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opt := bench.Options{PromptTokens: *prompt, DecodeTokens: *tokens, BandwidthBytes: int64(*bwMB) << 20, Backend: backend}
	if backend != nil {
		opt.BandwidthBytes = 0 // the host's memory is not what a GPU reads
	}
	if isTerminal(stderr) {
		opt.Progress = func(stage string, done, total int) {
			fmt.Fprintf(stderr, "\r\033[K%s %d/%d", stage, done, total)
		}
	}
	r, err := bench.Run(ctx, m, filepath.Base(*mf.path), opt)
	if opt.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	gb := func(v float64) string { return fmt.Sprintf("%.2f GB/s", v/1e9) }
	fmt.Fprintf(stdout, "model:        %s  %s  (%s)\n", r.Model, r.Config, r.Types)
	fmt.Fprintf(stdout, "machine:      %s, %d CPUs, kernels %s, %d threads\n", r.GOARCH, r.CPUs, r.KernelPath, r.Threads)
	if r.Device != "" {
		fmt.Fprintf(stdout, "device:       %s\n", r.Device)
	}
	if r.PromptTokens > 0 {
		fmt.Fprintf(stdout, "prefill:      %.1f tokens/s (%d tokens in %.2f s)\n", r.PrefillPerSecond, r.PromptTokens, r.PrefillSeconds)
	}
	if r.DecodeTokens > 0 {
		fmt.Fprintf(stdout, "decode:       %.1f tokens/s (%d tokens in %.2f s; %.2f ms per token)\n",
			r.DecodePerSecond, r.DecodeTokens, r.DecodeSeconds, 1e3*r.DecodeSeconds/float64(r.DecodeTokens))
		fmt.Fprintf(stdout, "sampling:     %.2f ms per token (official chat sampler, %d-token vocabulary)\n", 1e3*r.SampleSeconds, m.Vocab)
		fmt.Fprintf(stdout, "weights read: %s per token of %s → %s implied\n", humanBytes(r.BytesPerToken), humanBytes(r.WeightBytes), gb(r.ImpliedBandwidth))
	}
	if r.Bandwidth1 > 0 {
		fmt.Fprintf(stdout, "memory:       %s with 1 thread, %s with %d (%s buffer)\n", gb(r.Bandwidth1), gb(r.BandwidthN), r.BandwidthThreads, humanBytes(r.BandwidthBufferBytes))
		if r.ShareOfBandwidth > 0 {
			fmt.Fprintf(stdout, "share:        %.0f%% of the measured bandwidth\n", 100*r.ShareOfBandwidth)
		}
	}
	fmt.Fprintf(stdout, "peak memory:  RSS %s (mapped weights included), Go heap %s\n", humanBytes(r.PeakRSSBytes), humanBytes(r.PeakHeapBytes))
	return nil
}
