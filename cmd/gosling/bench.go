package main

import (
	"context"
	"io"
	"os"
	"os/signal"

	"github.com/gosling-edge/gosling/tools/bench"
	"github.com/gosling-edge/gosling/tools/cli"
)

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench")
	mf := addModelFlags(fs.FlagSet)
	prompt := fs.IntAtLeast("prompt", 512, 0, "prefill length in tokens (0 = skip)")
	tokens := fs.IntAtLeast("tokens", 128, 0, "tokens to decode (0 = skip)")
	bwMB := fs.IntAtLeast("bw-mb", int(bench.DefaultBandwidthBytes()>>20), 0,
		"MiB read by the memory bandwidth test (0 = skip; the default is a quarter of the memory available, at most 1024)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	df := addDeviceFlags(fs)
	if err := fs.ParseNone(args); err != nil {
		return err
	}
	m, backend, closeModel, err := openOn(mf, df)
	if err != nil {
		return err
	}
	defer closeModel()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	progress, clearProgress := cli.StageProgress(stderr)
	opt := bench.Options{PromptTokens: *prompt, DecodeTokens: *tokens, BandwidthBytes: int64(*bwMB) << 20, Backend: backend, Progress: progress}
	if backend != nil {
		opt.BandwidthBytes = 0 // the host's memory is not what a GPU reads
	}
	r, err := bench.Run(ctx, m, ModelID(*mf.path), opt)
	clearProgress()
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(stdout, r)
	}
	return r.WriteText(stdout)
}
