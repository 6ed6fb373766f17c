package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/eval"
	"github.com/gosling-edge/gosling/tools/imatrix"
)

func runImatrix(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("imatrix")
	mf := addModelFlags(fs.FlagSet)
	text := fs.String("text", "", "calibration text `file` (required; never the text you evaluate on)")
	out := fs.String("o", "imatrix.gguf", "output `file`")
	chunk := fs.IntAtLeast("chunk", 512, 1, "tokens per chunk, each from the zero state (llama-imatrix -c)")
	chunks := fs.IntAtLeast("chunks", 0, 0, "use at most `N` chunks (0 = all; llama-imatrix --chunks)")
	compare := fs.String("compare", "", "also compare the result with this imatrix `file` (e.g. llama-imatrix's) and print the relative differences")
	quiet := fs.Bool("q", false, "no progress output")
	if err := fs.ParseNone(args); err != nil {
		return err
	}
	if *text == "" {
		return cli.Usagef("--text FILE is required")
	}
	b, err := os.ReadFile(*text)
	if err != nil {
		return err
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	ids := eval.Tokenize(m, b)
	opt := imatrix.Options{Chunk: *chunk, Chunks: *chunks}
	if !*quiet {
		opt.Progress = cli.CountProgress(stderr, "imatrix")
	}
	col, n, err := imatrix.Compute(m, ids, opt)
	if err != nil {
		return cli.Usagef("%s: %v", *text, err)
	}
	im := col.Imatrix([]string{*text}, *chunk, n)
	if err := im.WriteFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d matrices, %d chunks of %d tokens\n", *out, len(im.Entries), n, *chunk)
	if *compare != "" {
		return imatrix.WriteComparison(stdout, im, *compare)
	}
	return nil
}
