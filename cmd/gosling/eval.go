package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/eval"
)

func init() {
	register("eval", "measure a quantized model against its reference (KL, top-1, perplexity)", runEval)
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval -m QUANT.gguf --ref REF.gguf (--text FILE | --tokens 1,2,3 | --tokens-file FILE) [flags]",
		"Feeds the same tokens, one at a time from the zero state, to both models and\n"+
			"compares their next-token distributions at every step: mean, median, 99th\n"+
			"percentile and max of KL(ref‖quant) in nats, top-1 agreement, max and mean\n"+
			"|Δlogit|, and the perplexity of each model on the tokens (each step scored on\n"+
			"the token that follows it). Both models must have the same vocabulary.\n"+
			"--text is encoded with the models' tokenizer; nothing is prepended unless --bos.", stderr)
	mf := addModelFlags(fs.FlagSet)
	refPath := fs.String("ref", "", "reference model `file` (GGUF), normally the F32 or F16 conversion")
	text := fs.String("text", "", "text `file` to encode and evaluate")
	tokens := fs.String("tokens", "", "comma-separated token ids")
	tokensFile := fs.String("tokens-file", "", "`file` of token ids separated by commas or white space")
	maxTokens := fs.Int("max-tokens", 0, "evaluate only the first `N` tokens (0 = all)")
	bos := fs.Bool("bos", false, "prepend token 0 (end of text), as RWKV training separates documents")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *refPath == "" {
		return usagef("--ref REF.gguf is required")
	}
	sources := 0
	for _, s := range []string{*text, *tokens, *tokensFile} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		return usagef("give exactly one of --text, --tokens and --tokens-file")
	}
	if *maxTokens < 0 {
		return usagef("--max-tokens %d: want 0 or more", *maxTokens)
	}
	var ids []int
	switch {
	case *tokens != "":
		if ids, err = parseTokenList(*tokens); err != nil {
			return usagef("--tokens: %v", err)
		}
	case *tokensFile != "":
		b, err := os.ReadFile(*tokensFile)
		if err != nil {
			return err
		}
		if ids, err = parseTokenList(string(b)); err != nil {
			return fmt.Errorf("%s: %w", *tokensFile, err)
		}
	}

	q, err := mf.open()
	if err != nil {
		return err
	}
	defer q.Close()
	ref, err := runtime.Load(*refPath, runtime.Options{Threads: *mf.threads})
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
		return usagef("no tokens to evaluate")
	}
	res, err := eval.Run(ref, q, ids, eval.Options{Progress: newCountProgress(stderr, "evaluating")})
	if err != nil {
		return err
	}
	report := evalReport{
		Quant: describeModel(*mf.path, q), Ref: describeModel(*refPath, ref), Result: res,
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonSafe(report))
	}
	printEval(stdout, report)
	return nil
}

// evalReport is what `gosling eval --json` prints.
type evalReport struct {
	Quant  modelDesc `json:"quant"`
	Ref    modelDesc `json:"ref"`
	Result eval.Result
}

type modelDesc struct {
	Path          string  `json:"path"`
	WeightBytes   int64   `json:"weight_bytes"`
	BitsPerWeight float64 `json:"bits_per_weight"`
	Types         string  `json:"types"`
}

func describeModel(path string, m *runtime.Model) modelDesc {
	counts := map[string]int{}
	var order []string
	for _, t := range m.File.Tensors {
		n := t.Type.String()
		if counts[n] == 0 {
			order = append(order, n)
		}
		counts[n]++
	}
	parts := make([]string, len(order))
	for i, n := range order {
		parts[i] = fmt.Sprintf("%s×%d", n, counts[n])
	}
	return modelDesc{Path: path, WeightBytes: m.WeightBytes(), BitsPerWeight: eval.BitsPerWeight(m),
		Types: strings.Join(parts, " ")}
}

func printEval(w io.Writer, r evalReport) {
	res := r.Result
	for _, d := range []struct {
		label string
		m     modelDesc
	}{{"quant", r.Quant}, {"ref  ", r.Ref}} {
		fmt.Fprintf(w, "%s %s: %s of tensors, %.3f bits/weight (%s)\n", d.label, d.m.Path,
			humanBytes(d.m.WeightBytes), d.m.BitsPerWeight, d.m.Types)
	}
	fmt.Fprintf(w, "tokens           %d (vocabulary rows %d)\n", res.Tokens, res.Vocab)
	fmt.Fprintf(w, "KL(ref‖quant)    mean %.4g  median %.4g  p99 %.4g  max %.4g (step %d) nats\n",
		res.MeanKL, res.MedianKL, res.P99KL, res.MaxKL, res.MaxKLAt)
	fmt.Fprintf(w, "top-1 agreement  %d/%d = %.2f %%\n", res.Top1Agree, res.Tokens, 100*res.Top1)
	fmt.Fprintf(w, "|Δlogit|         max %.4g (step %d, id %d)  mean %.4g\n",
		res.MaxAbsDiff, res.MaxAbsDiffAt[0], res.MaxAbsDiffAt[1], res.MeanAbsDiff)
	if res.Predicted > 0 {
		fmt.Fprintf(w, "perplexity       ref %.4f  quant %.4f (%+.3f %%) over %d predictions\n",
			res.PPLRef, res.PPLQuant, 100*(res.PPLQuant/res.PPLRef-1), res.Predicted)
	} else {
		fmt.Fprintln(w, "perplexity       n/a (needs at least two tokens)")
	}
	if res.Infinities > 0 {
		fmt.Fprintf(w, "warning          %d steps had non-finite logits (counted as infinite KL)\n", res.Infinities)
	}
}

// jsonSafe is the report with NaN and infinities (no perplexity for one
// token, infinite KL for a broken model), which JSON cannot hold, as null.
func jsonSafe(r evalReport) any {
	return map[string]any{"quant": r.Quant, "ref": r.Ref, "result": resultFields(r.Result)}
}

func resultFields(r eval.Result) map[string]any {
	m := map[string]any{}
	f := func(name string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			m[name] = nil
		} else {
			m[name] = v
		}
	}
	m["tokens"], m["vocab"], m["top1_agree"], m["predicted"] = r.Tokens, r.Vocab, r.Top1Agree, r.Predicted
	m["max_kl_at"], m["max_abs_dlogit_at"], m["nonfinite_steps"] = r.MaxKLAt, r.MaxAbsDiffAt, r.Infinities
	f("mean_kl", r.MeanKL)
	f("max_kl", r.MaxKL)
	f("median_kl", r.MedianKL)
	f("p99_kl", r.P99KL)
	f("top1", r.Top1)
	f("max_abs_dlogit", r.MaxAbsDiff)
	f("mean_abs_dlogit", r.MeanAbsDiff)
	f("ppl_ref", r.PPLRef)
	f("ppl_quant", r.PPLQuant)
	f("nll_ref", r.NLLRef)
	f("nll_quant", r.NLLQuant)
	return m
}

// parseTokenList reads token ids separated by commas and/or white space.
func parseTokenList(s string) ([]int, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	})
	ids := make([]int, 0, len(fields))
	for _, f := range fields {
		id, err := strconv.Atoi(f)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("%q is not a token id", f)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no token ids")
	}
	return ids, nil
}
