//go:build cuda

package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/cuda"
	"github.com/gosling-edge/gosling/tools/bench"
)

// Two commands that exist only in cuda builds: the GPU-versus-CPU check and
// the GPU benchmark (gosling bench --device cuda runs the general one there).
func init() {
	register("cuda-check", "compare the CUDA forward pass with the CPU's (logits, top-1, state)", runCudaCheck)
	register("cuda-bench", "decode and prefill speed of the CUDA forward pass", runCudaBench)
}

// testTokens are n seeded token ids in [1, vocab).
func testTokens(n, vocab int, seed uint64) []int32 {
	r := rand.New(rand.NewPCG(seed, 0x6f736c696e67))
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(1 + r.IntN(max(vocab-1, 1)))
	}
	return ids
}

// logitDiff compares two logit vectors.
type logitDiff struct {
	maxAbs, maxRef float64
	top1           int // steps whose argmax agrees
	steps          int
	bad            bool // NaN or Inf on the device side
}

func (d *logitDiff) add(ref, got []float32) {
	d.steps++
	for i := range ref {
		g := float64(got[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			d.bad = true
		}
		d.maxAbs = max(d.maxAbs, math.Abs(g-float64(ref[i])))
		d.maxRef = max(d.maxRef, math.Abs(float64(ref[i])))
	}
	if runtime.Argmax(ref) == runtime.Argmax(got) {
		d.top1++
	}
}

func (d *logitDiff) String() string {
	return fmt.Sprintf("max|Δ| %.3g (max|logit| %.3g, relative %.2g), top-1 %d/%d", d.maxAbs, d.maxRef, d.maxAbs/max(d.maxRef, 1e-30), d.top1, d.steps)
}

func (d *logitDiff) ok(tol float64) bool {
	return !d.bad && d.maxAbs <= tol*max(d.maxRef, 1e-30) && d.top1*10 >= d.steps*9
}

func runCudaCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cuda-check -m MODEL [--cuda-mapped] [flags]",
		"Feeds the same seeded tokens to the CPU path (the reference, token by token)\n"+
			"and to the CUDA back end, token by token and as prefill chunks, and prints\n"+
			"max |Δlogit|, top-1 agreement and the final state's max |Δ|. Fails when the\n"+
			"difference exceeds --tol × max|logit| or top-1 agrees on under 90% of steps.", stderr)
	mf := addModelFlags(fs.FlagSet)
	df := addDeviceFlags(fs.FlagSet)
	n := fs.Int("tokens", 64, "tokens to feed")
	seed := fs.Uint64("seed", 1, "token seed")
	tol := fs.Float64("tol", 0.02, "allowed max |Δlogit| as a fraction of max |logit|")
	refPath := fs.String("ref", "", "also compare CPU and GPU with this `model` (e.g. the F32 conversion) on the CPU")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if *df.name == "cpu" {
		*df.name = "cuda"
	}
	if *n < 2 {
		return usagef("--tokens %d: want at least 2", *n)
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	b, err := df.open(m)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(stdout, "model:   %s %s\n", m.File.Path, m.Config)
	fmt.Fprintf(stdout, "device:  %s\n", b)
	if cb, ok := b.(*cuda.Backend); ok {
		fmt.Fprintf(stdout, "launch:  %s\n", launchMode(cb))
	}

	ids := testTokens(*n, min(m.Vocab, m.Tokenizer.Size()), *seed)
	// The reference: the CPU, one token at a time.
	ctx := m.NewContext()
	ref := make([][]float32, len(ids))
	sCPU := m.NewState()
	for i, id := range ids {
		l, err := ctx.Forward(sCPU, int(id))
		if err != nil {
			return err
		}
		ref[i] = append([]float32(nil), l...)
	}

	// Decode: token by token on the GPU.
	var dec logitDiff
	sGPU := m.NewState()
	gpu := make([][]float32, len(ids))
	t0 := time.Now()
	for i, id := range ids {
		l, err := b.Forward(sGPU, int(id))
		if err != nil {
			return err
		}
		gpu[i] = append([]float32(nil), l...)
	}
	decTime := time.Since(t0)
	for i := range ids {
		dec.add(ref[i], gpu[i])
	}
	if err := b.Sync(sGPU); err != nil {
		return err
	}
	stateAbs, stateRef := 0.0, 0.0
	for i, v := range sCPU.Floats() {
		stateAbs = max(stateAbs, math.Abs(float64(sGPU.Floats()[i]-v)))
		stateRef = max(stateRef, math.Abs(float64(v)))
	}
	fmt.Fprintf(stdout, "decode:  %d tokens: %s (%.0f tok/s)\n", len(ids), &dec, float64(len(ids))/decTime.Seconds())
	fmt.Fprintf(stdout, "state:   max|Δ| %.3g (max|state| %.3g)\n", stateAbs, stateRef)

	// Prefill: all tokens at once, and in uneven pieces mixed with single
	// steps (the state must carry across calls and across chunks).
	var pre logitDiff
	sPre := m.NewState()
	l, err := b.Prefill(sPre, ids)
	if err != nil {
		return err
	}
	pre.add(ref[len(ids)-1], l)
	var mixed logitDiff
	sMix := m.NewState()
	for pos := 0; pos < len(ids); {
		step := []int{1, 7, 3, 20, 1, 33}[mixed.steps%6]
		end := min(pos+step, len(ids))
		if step == 1 {
			l, err = b.Forward(sMix, int(ids[pos]))
		} else {
			l, err = b.Prefill(sMix, ids[pos:end])
		}
		if err != nil {
			return err
		}
		mixed.add(ref[end-1], l)
		pos = end
	}
	if sPre.Tokens != int64(len(ids)) || sMix.Tokens != int64(len(ids)) {
		return fmt.Errorf("token counts: prefill %d, mixed %d, want %d", sPre.Tokens, sMix.Tokens, len(ids))
	}
	// A host-side reset must reach the device: the same first token again.
	sMix.Reset()
	l, err = b.Forward(sMix, int(ids[0]))
	if err != nil {
		return err
	}
	var reset logitDiff
	reset.add(ref[0], l)
	fmt.Fprintf(stdout, "prefill: %d tokens in one call: %s\n", len(ids), &pre)
	fmt.Fprintf(stdout, "mixed:   prefill pieces and single steps: %s\n", &mixed)
	fmt.Fprintf(stdout, "reset:   first token after State.Reset: %s\n", &reset)

	if *refPath != "" {
		// How far each side is from a more precise model: the GPU should be
		// no further than the CPU.
		rm, err := runtime.Load(*refPath, runtime.Options{Threads: *mf.threads})
		if err != nil {
			return err
		}
		defer rm.Close()
		if rm.Vocab != m.Vocab {
			return fmt.Errorf("--ref %s: vocabulary %d, model %d", *refPath, rm.Vocab, m.Vocab)
		}
		rc, rs := rm.NewContext(), rm.NewState()
		var cpuVsRef, gpuVsRef logitDiff
		for i, id := range ids {
			l, err := rc.Forward(rs, int(id))
			if err != nil {
				return err
			}
			cpuVsRef.add(l, ref[i])
			gpuVsRef.add(l, gpu[i])
		}
		fmt.Fprintf(stdout, "vs ref:  CPU %s\n", &cpuVsRef)
		fmt.Fprintf(stdout, "vs ref:  GPU %s\n", &gpuVsRef)
	}

	stateOK := stateAbs <= *tol*max(stateRef, 1e-30)
	if !dec.ok(*tol) || !pre.ok(*tol) || !mixed.ok(*tol) || !reset.ok(*tol) || !stateOK {
		return fmt.Errorf("CUDA and CPU disagree beyond --tol %g", *tol)
	}
	fmt.Fprintln(stdout, "result:  ok")
	return nil
}

func runCudaBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cuda-bench -m MODEL [--cuda-mapped] [flags]",
		"Times decode (one token per step, logits copied back each step) and prefill\n"+
			"(one prompt of --prompt tokens) on the CUDA back end, and prints tokens/s,\n"+
			"the bytes of weights one decode step reads and the bandwidth that implies.", stderr)
	mf := addModelFlags(fs.FlagSet)
	df := addDeviceFlags(fs.FlagSet)
	decode := fs.Int("decode", 256, "decode steps to time")
	prompt := fs.Int("prompt", 512, "prefill prompt length")
	reps := fs.Int("reps", 3, "repetitions (the median is reported)")
	peak := fs.Float64("peak-gbs", 3350, "the GPU's memory bandwidth in GB/s, for the share")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if *df.name == "cpu" {
		*df.name = "cuda"
	}
	if *decode < 1 || *prompt < 1 || *reps < 1 {
		return usagef("--decode, --prompt and --reps must be positive")
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	t0 := time.Now()
	b, err := df.open(m)
	if err != nil {
		return err
	}
	defer b.Close()
	openTime := time.Since(t0)

	perToken := bench.BytesPerToken(m)
	ids := testTokens(max(*decode, *prompt), min(m.Vocab, m.Tokenizer.Size()), 7)

	s := m.NewState()
	if _, err := b.Prefill(s, ids[:min(16, len(ids))]); err != nil { // warm up
		return err
	}
	for i := 0; i < 8; i++ {
		if _, err := b.Forward(s, int(ids[i])); err != nil {
			return err
		}
	}
	var decRates, preRates []float64
	for r := 0; r < *reps; r++ {
		t := time.Now()
		for i := 0; i < *decode; i++ {
			if _, err := b.Forward(s, int(ids[i])); err != nil {
				return err
			}
		}
		decRates = append(decRates, float64(*decode)/time.Since(t).Seconds())
		s.Reset()
		t = time.Now()
		if _, err := b.Prefill(s, ids[:*prompt]); err != nil {
			return err
		}
		preRates = append(preRates, float64(*prompt)/time.Since(t).Seconds())
	}
	dec, pre := median(decRates), median(preRates)
	gbs := dec * float64(perToken) / 1e9
	fmt.Fprintf(stdout, "model:    %s %s (%s of weights)\n", m.File.Path, m.Config, humanBytes(m.WeightBytes()))
	fmt.Fprintf(stdout, "device:   %s (opened in %v)\n", b, openTime.Round(time.Millisecond))
	if cb, ok := b.(*cuda.Backend); ok {
		fmt.Fprintf(stdout, "launch:   %s\n", launchMode(cb))
	}
	fmt.Fprintf(stdout, "decode:   %.1f tok/s (%.3f ms/token, median of %d × %d)\n", dec, 1e3/dec, *reps, *decode)
	fmt.Fprintf(stdout, "prefill:  %.1f tok/s (%d-token prompt, chunk %d)\n", pre, *prompt, b.Chunk())
	fmt.Fprintf(stdout, "bytes:    %s per decode token → %.0f GB/s, %.1f%% of %.0f GB/s\n", humanBytes(perToken), gbs, 100*gbs/(*peak), *peak)
	fmt.Fprintf(stdout, "RESULT decode_tok_s=%.1f prefill_tok_s=%.1f bytes_per_token=%d gb_s=%.1f share=%.3f\n", dec, pre, perToken, gbs, gbs/(*peak))
	return nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// launchMode says how a decode step reaches the GPU.
func launchMode(b *cuda.Backend) string {
	switch {
	case b.Graph():
		return "one CUDA graph per token"
	case b.GraphError() != nil:
		return fmt.Sprintf("plain launches (graph capture failed: %v)", b.GraphError())
	}
	return "plain launches"
}
