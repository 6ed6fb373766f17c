package main

import (
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/convert"
)

func runQuantize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("quantize")
	out := fs.String("o", "", "output GGUF `file` (required; not the input)")
	typ := fs.String("type", "Q4_K_M", "a type (Q8_0, Q6_K, IQ4_XS, …) or llama-quantize preset (Q4_K_M, Q5_K_S, …)")
	imat := fs.String("imatrix", "", "importance matrix `file` (llama.cpp's GGUF imatrix format)")
	override := fs.String("override", "", "per-class types, e.g. head=q8_0,att.key=q6_k,lora=q8_0 (classes: "+convert.TensorClassList()+")")
	pure := fs.Bool("pure", false, "every matrix in --type, without llama-quantize's per-tensor rules")
	quiet := fs.Bool("q", false, "no progress output")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return cli.Usagef("want one input GGUF and -o OUT.gguf")
	}
	p, err := convert.ParsePreset(*typ)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	if p, err = p.WithOverrides(*override); err != nil {
		return cli.Usagef("%v", err)
	}
	if err := cli.NotSameFile(pos[0], *out); err != nil {
		return err
	}
	var m *quant.Imatrix
	if *imat != "" {
		if m, err = quant.ReadImatrix(*imat); err != nil {
			return err
		}
	}
	in, err := quant.Open(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	var progress func(done, total uint64)
	if !*quiet {
		progress = cli.ByteProgress(stderr, "quantizing")
	}
	if err := convert.Requantize(in, *out, p, m, *pure, progress); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%s)\n", *out, p.Name)
	return nil
}
