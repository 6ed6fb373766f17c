package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
	"github.com/gosling-edge/gosling/tools/bench"
	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/convert"
)

func runConvert(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("convert")
	out := fs.String("o", "", "output GGUF `file` (required; not the input)")
	pf := addPolicyFlags(fs.FlagSet)
	vocab := fs.String("vocab", "", "vocabulary `file` in rwkv_vocab_v20230424.txt format (default: the built-in World vocabulary)")
	name := fs.String("name", "", "general.name to store (default: the output file name without .gguf)")
	imat := fs.String("imatrix", "", "importance matrix `file` for a --type preset (llama.cpp's GGUF imatrix format)")
	quiet := fs.Bool("q", false, "no progress output")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cli.Usagef("want exactly one input checkpoint, have %d", len(pos))
	}
	if *out == "" {
		return cli.Usagef("missing -o OUT.gguf")
	}
	opt, what, err := pf.options(*imat)
	if err != nil {
		return err
	}
	opt.Name, opt.Warn = *name, func(s string) { fmt.Fprintln(stderr, "note:", s) }
	if err := cli.NotSameFile(pos[0], *out); err != nil {
		return err
	}
	if *vocab != "" {
		if opt.Vocab, err = tokenizer.ReadVocabFile(*vocab); err != nil {
			return err
		}
	}
	ck, err := convert.OpenCheckpoint(pos[0])
	if err != nil {
		return err
	}
	defer ck.Close()
	if !*quiet {
		opt.Progress = cli.ByteProgress(stderr, "converting")
	}
	sum, err := convert.Write(convert.FromCheckpoint(ck), *out, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s, %s of weights (%s)\n", *out, sum, bench.HumanBytes(int64(sum.Bytes)), what)
	return nil
}

// policyFlags are --type and --override, shared by convert and synth.
type policyFlags struct{ typ, override *string }

func addPolicyFlags(fs *flag.FlagSet) policyFlags {
	return policyFlags{
		typ:      fs.String("type", "f16", "f32, f16, q8_0 or q4_0 (gosling's measured policies), or any quantize type or preset (Q4_K_M, Q6_K, IQ4_XS, BF16, …: quantize's recipe on the F32 values)"),
		override: fs.String("override", "", "per-class types, e.g. head=q8_0,emb=f16 (classes: "+convert.ClassList()+"; with a preset --type, quantize's classes: "+convert.TensorClassList()+")"),
	}
}

// options are the conversion options --type, --override and the
// importance matrix file (or "") ask for (convert.OptionsFor); what
// describes them for the summary line.
func (f policyFlags) options(imat string) (opt convert.Options, what string, err error) {
	if opt, what, err = convert.OptionsFor(*f.typ, *f.override, imat != ""); err != nil {
		return opt, "", cli.Usagef("%v", err)
	}
	if imat != "" {
		opt.Imatrix, err = quant.ReadImatrix(imat)
	}
	return opt, what, err
}
