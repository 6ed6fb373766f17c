// Command insncount is the workload that insncount.sh measures under
// qemu-aarch64: it loads a model and either generates tokens greedily
// (decode: Forward, argmax, feed it back) or feeds one prompt through
// Prefill, then exits. Everything but the number of tokens is the same
// from run to run, so the difference of two instruction counts divided by
// the difference of the token counts is the cost of one token.
//
//	insncount -m MODEL -decode N     one prompt token, then N generated tokens
//	insncount -m MODEL -prefill T    one Prefill of T prompt tokens (logits of the last)
package main

import (
	"flag"
	"fmt"
	"os"
	goruntime "runtime"
	"runtime/debug"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/runtime"
)

func main() {
	model := flag.String("m", "", "model file (GGUF)")
	decode := flag.Int("decode", 0, "tokens to generate greedily after one prompt token")
	prefill := flag.Int("prefill", 0, "prompt tokens to feed through Prefill")
	threads := flag.Int("threads", 1, "goroutines per matrix product")
	info := flag.Bool("info", false, "print the kernel path to standard error")
	flag.Parse()
	if err := run(*model, *decode, *prefill, *threads, *info); err != nil {
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
		_, err := c.Prefill(s, prompt)
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
