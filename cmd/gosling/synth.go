package main

import (
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/tools/bench"
	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

func runSynth(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("synth")
	def := synth.Shape01B
	out := fs.String("o", "", "output GGUF `file` (required)")
	layers := fs.Int("layers", def.Layers, "number of blocks")
	embd := fs.Int("embd", def.Embd, "model width")
	vocab := fs.Int("vocab-size", def.Vocab, "vocabulary rows (the model's output rows; convert's --vocab is a vocabulary file)")
	ffn := fs.Int("ffn", 0, "channel-mix width (0 = 4×width)")
	headSize := fs.Int("head-size", 64, "head size")
	rw := fs.Int("rank-w", 0, "decay LoRA rank (0 = the official formula for the width)")
	ra := fs.Int("rank-a", 0, "in-context learning rate LoRA rank (0 = the official formula for the width)")
	rv := fs.Int("rank-v", 0, "value residual LoRA rank (0 = the official formula for the width)")
	rg := fs.Int("rank-g", 0, "gate LoRA rank (0 = the official formula for the width)")
	seed := fs.Uint64("seed", 7, "random seed")
	pf := addPolicyFlags(fs.FlagSet)
	quiet := fs.Bool("q", false, "no progress output")
	if err := fs.ParseNone(args); err != nil {
		return err
	}
	if *out == "" {
		return cli.Usagef("missing -o OUT.gguf")
	}
	opt, what, err := pf.options("")
	if err != nil {
		return err
	}
	shape := synth.Shape{Layers: *layers, Embd: *embd, Vocab: *vocab, FFN: *ffn, HeadSize: *headSize,
		RankW: *rw, RankA: *ra, RankV: *rv, RankG: *rg}
	in, err := synth.Input(shape, *seed)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	opt.Name = fmt.Sprintf("rwkv7-synth-seed%d", *seed)
	if !*quiet {
		opt.Progress = cli.ByteProgress(stderr, "writing")
	}
	sum, err := convert.Write(in, *out, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s, %s of weights (%s)\n", *out, sum, bench.HumanBytes(int64(sum.Bytes)), what)
	return nil
}
