package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/eval"
)

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval")
	mf := addModelFlags(fs.FlagSet)
	refPath := fs.String("ref", "", "reference model `file` (GGUF), normally the F32 or F16 conversion")
	text := fs.String("text", "", "text `file` to encode and evaluate")
	tokens := fs.String("tokens", "", "comma-separated token ids")
	tokensFile := fs.String("tokens-file", "", "`file` of token ids separated by commas or white space")
	maxTokens := fs.IntAtLeast("max-tokens", 0, 0, "evaluate only the first `N` tokens (0 = all)")
	bos := fs.Bool("bos", false, "prepend token 0 (end of text), as RWKV training separates documents")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.ParseNone(args); err != nil {
		return err
	}
	if *refPath == "" {
		return cli.Usagef("--ref REF.gguf is required")
	}
	if cli.Given(*text, *tokens, *tokensFile) != 1 {
		return cli.Usagef("give exactly one of --text, --tokens and --tokens-file")
	}
	var ids []int
	var err error
	switch {
	case *tokens != "":
		if ids, err = eval.ParseTokens(*tokens); err != nil {
			return cli.Usagef("--tokens: %v", err)
		}
	case *tokensFile != "":
		b, err := os.ReadFile(*tokensFile)
		if err != nil {
			return err
		}
		if ids, err = eval.ParseTokens(string(b)); err != nil {
			return fmt.Errorf("%s: %w", *tokensFile, err)
		}
	}

	q, err := mf.open()
	if err != nil {
		return err
	}
	defer q.Close()
	ref, _, err := loadModel(*refPath, *mf.threads)
	if err != nil {
		return err
	}
	defer ref.Close()
	if err := eval.Compatible(ref, q); err != nil {
		return err
	}
	if *text != "" {
		b, err := os.ReadFile(*text)
		if err != nil {
			return err
		}
		ids = eval.Tokenize(ref, b)
	}
	if *bos {
		ids = append([]int{0}, ids...)
	}
	if *maxTokens > 0 && len(ids) > *maxTokens {
		ids = ids[:*maxTokens]
	}
	if len(ids) == 0 {
		return cli.Usagef("no tokens to evaluate")
	}
	res, err := eval.Run(ref, q, ids, eval.Options{Progress: cli.CountProgress(stderr, "evaluating")})
	if err != nil {
		return err
	}
	report := eval.Report{Quant: eval.Describe(*mf.path, q), Ref: eval.Describe(*refPath, ref), Result: res}
	if *asJSON {
		return cli.WriteJSON(stdout, report)
	}
	return report.WriteText(stdout)
}
