package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
)

func init() {
	register("run", "continue a prompt, streaming the text", runRun)
}

// samplerFlags are the sampling flags of run (and chat).
type samplerFlags struct {
	temp, topP, presence, frequency, decay *float64
	topK                                   *int
	seed                                   *uint64
	fs                                     *flag.FlagSet
}

func addSamplerFlags(fs *flag.FlagSet, def runtime.SamplerOptions) samplerFlags {
	return samplerFlags{
		fs:        fs,
		temp:      fs.Float64("temp", float64(def.Temperature), "sampling temperature; 0 = greedy"),
		topP:      fs.Float64("top-p", float64(def.TopP), "nucleus sampling: keep the most likely tokens up to this probability mass"),
		topK:      fs.Int("top-k", def.TopK, "keep at most this many tokens (0 = no limit)"),
		presence:  fs.Float64("presence", float64(def.Presence), "presence penalty"),
		frequency: fs.Float64("frequency", float64(def.Frequency), "frequency penalty"),
		decay:     fs.Float64("penalty-decay", float64(def.Decay), "penalty decay per token"),
		seed:      fs.Uint64("seed", 0, "random seed (default: a new one each run)"),
	}
}

func (f samplerFlags) options() (runtime.SamplerOptions, error) {
	o := runtime.SamplerOptions{
		Temperature: float32(*f.temp), TopP: float32(*f.topP), TopK: *f.topK,
		Presence: float32(*f.presence), Frequency: float32(*f.frequency), Decay: float32(*f.decay), Seed: *f.seed,
	}
	seeded := false
	f.fs.Visit(func(fl *flag.Flag) { seeded = seeded || fl.Name == "seed" })
	if !seeded {
		o.Seed = rand.Uint64()
	}
	if err := o.Validate(); err != nil {
		if e := (*runtime.SamplerOptionError)(nil); errors.As(err, &e) {
			return o, usagef("%s %s: want %s", samplerFlagNames[e.Option], e.Value, e.Want)
		}
		return o, err
	}
	return o, nil
}

// samplerFlagNames are the flags of the sampler options, by the option's
// name in runtime.SamplerOptionError.
var samplerFlagNames = map[string]string{
	"Temperature": "--temp", "TopP": "--top-p", "TopK": "--top-k",
	"Presence": "--presence", "Frequency": "--frequency", "Decay": "--penalty-decay",
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run [-m MODEL] [flags] PROMPT...",
		"Reads PROMPT (the arguments joined by spaces; '-' reads standard input) and\n"+
			"streams the model's continuation to standard output. Sampling and penalties are\n"+
			"those of the official PIPELINE.generate (spaces and digits count 0 for the\n"+
			"frequency penalty). --state-in continues a saved state: the PROMPT is read after\n"+
			"it, and with no PROMPT generation continues from the logits the file carries\n"+
			"(files saved by run, chat and logits do).", stderr)
	mf := addModelFlags(fs.FlagSet)
	sf := addSamplerFlags(fs.FlagSet, runtime.CompletionSampler)
	stf := addStateFlags(fs.FlagSet)
	maxTokens := fs.Int("max-tokens", 200, "stop after this many tokens (0 = until end of text)")
	var stops stringList
	fs.Var(&stops, "stop", "stop when the output contains this `text` (repeatable; \\n escapes allowed)")
	stats := fs.Bool("stats", false, "print token counts and speed to standard error")
	df := addDeviceFlags(fs.FlagSet)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if _, _, err := df.handle(); err != nil {
		return err
	}
	if len(pos) == 0 && *stf.in == "" {
		return usagef("no prompt")
	}
	prompt := strings.Join(pos, " ")
	if prompt == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		prompt = string(b)
	}
	sopt, err := sf.options()
	if err != nil {
		return err
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	backend, err := df.open(m)
	if err != nil {
		return err
	}
	if backend != nil {
		defer backend.Close()
	}

	s, logits, err := stf.load(m)
	if err != nil {
		return err
	}
	ids := m.Tokenizer.Encode([]byte(prompt))
	switch {
	case len(ids) == 0 && len(pos) > 0:
		return usagef("the prompt is empty")
	case len(ids) == 0 && logits == nil:
		return fmt.Errorf("%s holds no logits to continue from: give a PROMPT", *stf.in)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	g := m.NewGenerator(sopt)
	g.Backend = backend
	w := bufio.NewWriter(stdout)
	opt := runtime.GenerateOptions{MaxTokens: *maxTokens, Sampler: sopt, Weights: runtime.GenerateWeights,
		Stop: stops.bytes(), Progress: newCountProgress(stderr, "reading prompt")}
	st, err := g.Generate(ctx, s, ids, logits, opt, func(b []byte) error {
		if _, err := w.Write(b); err != nil {
			return err
		}
		return w.Flush()
	})
	w.WriteString("\n")
	w.Flush()
	if err != nil && ctx.Err() == nil {
		return err
	}
	if *stf.out != "" {
		if err := g.Sync(s); err != nil {
			return err
		}
	}
	if err := stf.save(stderr, m, s, g.Logits()); err != nil {
		return err
	}
	if *stats {
		fmt.Fprintf(stderr, "prompt: %d tokens in %v (%.1f tok/s); generated: %d tokens in %v (%.1f tok/s); stop: %s\n",
			st.PromptTokens, st.PromptTime.Round(1e6), rate(st.PromptTokens, st.PromptTime.Seconds()),
			st.GeneratedTokens, st.GenerateTime.Round(1e6), rate(st.GeneratedTokens, st.GenerateTime.Seconds()), st.StopReason)
	}
	return nil
}

func rate(n int, sec float64) float64 {
	if sec <= 0 {
		return 0
	}
	return float64(n) / sec
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// bytes returns the values with \n, \t and \\ escapes resolved.
func (s stringList) bytes() [][]byte {
	var out [][]byte
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`)
	for _, v := range s {
		if v != "" {
			out = append(out, []byte(r.Replace(v)))
		}
	}
	return out
}
