package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
	"github.com/gosling-edge/gosling/tools/checkpoint"
	"github.com/gosling-edge/gosling/tools/convert"
)

func init() {
	register("convert", "convert an RWKV-7 .pth or .safetensors checkpoint to GGUF", runConvert)
}

func runConvert(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("convert IN.pth|IN.safetensors -o OUT.gguf [flags]",
		"Converts an official RWKV-7 checkpoint (PyTorch .pth, or Hugging Face /\n"+
			"flash-linear-attention .safetensors with its config.json) to a GGUF file in\n"+
			"llama.cpp's rwkv7 layout, with the vocabulary embedded.", stderr)
	out := fs.String("o", "", "output GGUF `file` (required)")
	pf := addPolicyFlags(fs.FlagSet)
	vocab := fs.String("vocab", "", "vocabulary `file` in rwkv_vocab_v20230424.txt format (default: the built-in World vocabulary)")
	name := fs.String("name", "", "general.name to store (default: the output file name)")
	quiet := fs.Bool("q", false, "no progress output")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one input checkpoint, have %d", len(pos))
	}
	if *out == "" {
		return usagef("missing -o OUT.gguf")
	}
	policy, err := pf.policy()
	if err != nil {
		return err
	}
	opt := convert.Options{Policy: policy, Name: *name, Warn: func(s string) { fmt.Fprintln(stderr, "note:", s) }}
	if *vocab != "" {
		f, err := os.Open(*vocab)
		if err != nil {
			return err
		}
		opt.Vocab, err = tokenizer.ParseVocab(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *vocab, err)
		}
	}
	ck, err := checkpoint.Open(pos[0])
	if err != nil {
		return err
	}
	defer ck.Close()
	if !*quiet {
		opt.Progress = newByteProgress(stderr, "converting")
	}
	sum, err := convert.Write(convert.FromCheckpoint(ck), *out, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: L%d D%d V%d FFN%d LoRA w%d a%d v%d g%d, %d tensors, %s of weights (%s)\n",
		*out, sum.Layers, sum.Embd, sum.Vocab, sum.FFN, sum.RankW, sum.RankA, sum.RankV, sum.RankG,
		sum.Tensors, humanBytes(int64(sum.Bytes)), policy)
	return nil
}

// policyFlags are --type and --override, shared by convert and synth.
type policyFlags struct{ typ, override *string }

func addPolicyFlags(fs *flag.FlagSet) policyFlags {
	return policyFlags{
		typ:      fs.String("type", "f16", "weight type of the big matrices: f32, f16, q8_0 or q4_0"),
		override: fs.String("override", "", "per-class types, e.g. head=q8_0,emb=f16 (classes: "+classNames()+")"),
	}
}

// policy is the default policy of --type with --override applied.
func (f policyFlags) policy() (convert.Policy, error) {
	t, err := quant.ParseType(*f.typ)
	if err != nil {
		return nil, usagef("--type: %v", err)
	}
	p, err := convert.DefaultPolicy(t)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if err := p.ParseOverrides(*f.override); err != nil {
		return nil, usagef("--override: %v", err)
	}
	return p, nil
}

func classNames() string {
	s := make([]string, len(convert.Classes))
	for i, c := range convert.Classes {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}
