//go:build cuda

package main

import (
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/runtime/cuda"
	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/eval"
)

// A command that exists only in cuda builds: the GPU-versus-CPU check (the
// GPU's speed is gosling bench --device cuda).
func init() {
	commands["cuda-check"] = cli.Command{Summary: "compare the CUDA forward pass with the CPU's (logits, top-1, state)", Run: runCudaCheck}
}

func runCudaCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cuda-check")
	mf := addModelFlags(fs.FlagSet)
	df := addDeviceFlags(fs)
	n := fs.IntAtLeast("tokens", 64, 2, "tokens to feed")
	seed := fs.Uint64("seed", 1, "token seed")
	tol := fs.Float64("tol", 0.02, "allowed max |Δlogit| as a fraction of max |logit|")
	refPath := fs.String("ref", "", "also compare CPU and GPU with this `model` (e.g. the F32 conversion) on the CPU")
	if err := fs.ParseNone(args); err != nil {
		return err
	}
	if *df.name == "cpu" {
		*df.name = "cuda"
	}
	m, b, closeModel, err := openOn(mf, df)
	if err != nil {
		return err
	}
	defer closeModel()
	fmt.Fprintf(stdout, "model:   %s %s\n", m.File.Path, m.Config)
	fmt.Fprintf(stdout, "device:  %s\n", b)
	if cb, ok := b.(*cuda.Backend); ok {
		fmt.Fprintf(stdout, "launch:  %s\n", cb.LaunchMode())
	}
	c, err := eval.CheckBackend(m, b, eval.SeededTokens(m, *n, *seed))
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, c)
	if *refPath != "" {
		ref, _, err := loadModel(*refPath, *mf.threads)
		if err != nil {
			return err
		}
		defer ref.Close()
		if ref.Vocab != m.Vocab {
			return fmt.Errorf("--ref %s: vocabulary %d, model %d", *refPath, ref.Vocab, m.Vocab)
		}
		cpu, gpu, err := c.AgainstReference(ref)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "vs ref:  CPU %s\n", cpu.Summary())
		fmt.Fprintf(stdout, "vs ref:  GPU %s\n", gpu.Summary())
	}
	if !c.Within(*tol) {
		return fmt.Errorf("CUDA and CPU disagree beyond --tol %g", *tol)
	}
	fmt.Fprintln(stdout, "result:  ok")
	return nil
}
