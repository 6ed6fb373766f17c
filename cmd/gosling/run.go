package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/cli"
)

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run")
	mf := addModelFlags(fs.FlagSet)
	gf := addGenFlags(fs, runtime.CompletionSampler, 200, "stop after this many tokens (0 = until end of text)")
	stf := addStateFlags(fs.FlagSet)
	var stops cli.StringList
	fs.Var(&stops, "stop", "stop when the output contains this `text` (repeatable; \\n escapes allowed)")
	stats := fs.Bool("stats", false, "print token counts and speed to standard error")
	echo := fs.Bool("echo", false, "print the prompt before the continuation")
	df := addDeviceFlags(fs)
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 && *stf.in == "" {
		return cli.Usagef("no prompt")
	}
	prompt := strings.Join(pos, " ")
	if prompt == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		prompt = string(b)
	}
	m, backend, closeModel, err := openOn(mf, df)
	if err != nil {
		return err
	}
	defer closeModel()

	s, logits, err := stf.load(m)
	if err != nil {
		return err
	}
	ids := m.Tokenizer.Encode([]byte(prompt))
	switch {
	case len(ids) == 0 && len(pos) > 0:
		return cli.Usagef("the prompt is empty")
	case len(ids) == 0 && logits == nil:
		return fmt.Errorf("%s holds no logits to continue from: give a PROMPT", *stf.in)
	}
	ctx, stop := interruptContext()
	defer stop()
	g := m.NewGenerator(backend, gf.sampler)
	if *echo {
		io.WriteString(stdout, prompt)
	}
	opt := runtime.GenerateOptions{MaxTokens: *gf.maxTokens, Weights: runtime.GenerateWeights,
		Stop: stops.Bytes(), Grammar: gf.grammar, Progress: cli.CountProgress(stderr, "reading prompt")}
	// Unbuffered: each piece of text shows as it comes.
	st, err := g.Generate(ctx, s, ids, logits, opt, func(b []byte) error { _, err := stdout.Write(b); return err })
	io.WriteString(stdout, "\n")
	if err != nil && ctx.Err() == nil {
		return err
	}
	if err := stf.save(stderr, s.Tokens, func(path string) error { return g.SaveState(path, s, g.Logits()) }); err != nil {
		return err
	}
	if *stats {
		fmt.Fprintln(stderr, st)
	}
	return context.Cause(ctx) // a cli.SignalError after Ctrl-C
}
