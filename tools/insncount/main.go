// Command insncount is the workload that insncount.sh measures under
// qemu-aarch64: it loads a model and either generates tokens greedily
// (decode: Forward, argmax, feed it back) or feeds one prompt as run does
// (Generator.Feed, a chunk at a time), then exits. Everything but the number of tokens is the same
// from run to run, so the difference of two instruction counts divided by
// the difference of the token counts is the cost of one token.
//
//	insncount -m MODEL -decode N     one prompt token, then N generated tokens
//	insncount -m MODEL -prefill T    one prompt of T tokens (logits of the last)
//
// The cost of constrained decoding: -generate decodes through
// Generator.Generate (the sampler, the text decoder) instead of the bare
// Forward-and-argmax loop, and -schema F does the same under a JSON
// schema's grammar; the two differ by the grammar's work per token (the
// mask, the accepted bytes). -topp P samples at temperature 1 with top-p P
// (seed 1) instead of greedily: top-p < 1 computes the full mask at every
// step, where greedy first checks the token drawn without it.
//
//	insncount -m MODEL -decode N -generate
//	insncount -m MODEL -decode N -schema schema.json [-topp 0.5]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	goruntime "runtime"
	"runtime/debug"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/grammar"
)

func main() {
	model := flag.String("m", "", "model file (GGUF)")
	decode := flag.Int("decode", 0, "tokens to generate greedily after one prompt token")
	prefill := flag.Int("prefill", 0, "prompt tokens to feed, a chunk at a time")
	threads := flag.Int("threads", 1, "goroutines per matrix product")
	info := flag.Bool("info", false, "print the kernel path to standard error")
	generate := flag.Bool("generate", false, "decode through Generator.Generate")
	schema := flag.String("schema", "", "decode through Generator.Generate under this JSON schema")
	topP := flag.Float64("topp", 0, "with -generate or -schema: sample at temperature 1 with this top-p (0: greedy)")
	flag.Parse()
	var err error
	if *generate || *schema != "" {
		err = runGenerate(*model, *decode, *threads, *schema, float32(*topP))
	} else {
		err = run(*model, *decode, *prefill, *threads, *info)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "insncount:", err)
		os.Exit(1)
	}
}

func run(path string, decode, prefill, threads int, info bool) error {
	if path == "" || (decode > 0) == (prefill > 0) {
		return fmt.Errorf("usage: insncount -m MODEL (-decode N | -prefill T) [-threads K]")
	}
	m, err := runtime.Load(path, runtime.Options{Threads: threads})
	if err != nil {
		return err
	}
	defer m.Close()
	if info {
		fmt.Fprintf(os.Stderr, "kernels: %s\n", arm64.Path())
	}
	c := m.NewContext()
	g := m.NewGenerator(c, runtime.SamplerOptions{})
	s := m.NewState()
	// Loading allocates (tokenizer, tables); collect that garbage now and
	// stop the collector, so no GC cycle started by loading runs during the
	// tokens and pollutes the per-token difference.
	goruntime.GC()
	debug.SetGCPercent(-1)
	if prefill > 0 {
		// Token ids from a fixed sequence, none of them 0 (end of text).
		prompt := make([]int32, prefill)
		x := uint32(12345)
		for i := range prompt {
			x = x*1664525 + 1013904223
			prompt[i] = int32(1 + int(x>>8)%(m.Vocab-1))
		}
		_, err := g.Feed(context.Background(), s, prompt, nil)
		return err
	}
	tok := 1
	for i := 0; i <= decode; i++ {
		logits, err := c.Forward(s, tok)
		if err != nil {
			return err
		}
		tok = runtime.Argmax(logits)
	}
	return nil
}

// runGenerate decodes n tokens with Generator.Generate, under the grammar
// of the JSON schema in file schema if it is not empty. End-of-text is
// banned, so only a grammar that ends stops it early: the count of tokens
// generated goes to standard error, to be checked against n.
func runGenerate(path string, n, threads int, schema string, topP float32) error {
	if path == "" || n <= 0 {
		return fmt.Errorf("usage: insncount -m MODEL -decode N (-generate | -schema F) [-topp P]")
	}
	m, err := runtime.Load(path, runtime.Options{Threads: threads})
	if err != nil {
		return err
	}
	defer m.Close()
	var gr *grammar.Grammar
	if schema != "" {
		src, err := os.ReadFile(schema)
		if err != nil {
			return err
		}
		if gr, err = grammar.CompileJSONSchema(src); err != nil {
			return err
		}
		m.GrammarVocab() // built once per model: not part of a token's cost
	}
	opt := runtime.SamplerOptions{}
	if topP > 0 {
		opt = runtime.SamplerOptions{Temperature: 1, TopP: topP, Seed: 1}
	}
	g := m.NewGenerator(nil, opt)
	goruntime.GC()
	debug.SetGCPercent(-1)
	var out []byte
	st, err := g.Generate(context.Background(), m.NewState(), []int32{1}, nil,
		runtime.GenerateOptions{MaxTokens: n, BanEndOfText: true, Grammar: gr},
		func(b []byte) error { out = append(out, b...); return nil })
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "generated %d tokens (%s): %q\n", st.GeneratedTokens, st.StopReason, out)
	return nil
}
