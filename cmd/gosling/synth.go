package main

import (
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

func init() {
	register("synth", "write a random-weight RWKV-7 model of any shape (for tests and benchmarks)", runSynth)
}

func runSynth(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("synth -o OUT.gguf [shape flags]",
		"Writes a seeded random-weight RWKV-7 model through the same converter as a real\n"+
			"checkpoint. The defaults are the 0.1B shape (L12 D768 V65536, LoRA 64/64/32/128,\n"+
			"FFN 3072); FFN width and LoRA ranks follow the width unless given.", stderr)
	def := synth.Shape01B
	out := fs.String("o", "", "output GGUF `file` (required)")
	layers := fs.Int("layers", def.Layers, "number of blocks")
	embd := fs.Int("embd", def.Embd, "model width")
	vocab := fs.Int("vocab", def.Vocab, "vocabulary rows")
	ffn := fs.Int("ffn", 0, "channel-mix width (0 = 4×width)")
	headSize := fs.Int("head-size", 64, "head size")
	rw := fs.Int("rank-w", 0, "decay LoRA rank (0 = the official formula for the width)")
	ra := fs.Int("rank-a", 0, "in-context learning rate LoRA rank (0 = the official formula for the width)")
	rv := fs.Int("rank-v", 0, "value residual LoRA rank (0 = the official formula for the width)")
	rg := fs.Int("rank-g", 0, "gate LoRA rank (0 = the official formula for the width)")
	seed := fs.Uint64("seed", 7, "random seed")
	pf := addPolicyFlags(fs.FlagSet)
	quiet := fs.Bool("q", false, "no progress output")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usagef("missing -o OUT.gguf")
	}
	policy, err := pf.policy()
	if err != nil {
		return err
	}
	shape := synth.Shape{Layers: *layers, Embd: *embd, Vocab: *vocab, FFN: *ffn, HeadSize: *headSize,
		RankW: *rw, RankA: *ra, RankV: *rv, RankG: *rg}
	in, err := synth.Input(shape, *seed)
	if err != nil {
		return usagef("%v", err)
	}
	opt := convert.Options{Policy: policy, Name: fmt.Sprintf("rwkv7-synth-seed%d", *seed)}
	if !*quiet {
		opt.Progress = newByteProgress(stderr, "writing")
	}
	sum, err := convert.Write(in, *out, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: L%d D%d V%d FFN%d LoRA w%d a%d v%d g%d, %s of weights (%s)\n",
		*out, sum.Layers, sum.Embd, sum.Vocab, sum.FFN, sum.RankW, sum.RankA, sum.RankV, sum.RankG,
		humanBytes(int64(sum.Bytes)), policy)
	return nil
}
