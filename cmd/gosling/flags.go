package main

import (
	_ "embed"
	"errors"
	"flag"
	"math/rand/v2"
	"os"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/grammar"
	"github.com/gosling-edge/gosling/tools/cli"
)

// samplerFlags are the sampling flags of run, chat and agent.
type samplerFlags struct {
	temp, topP, presence, frequency, decay *float64
	topK                                   *int
	seed                                   *uint64
	fs                                     *flag.FlagSet
}

func addSamplerFlags(fs *flag.FlagSet, def runtime.SamplerOptions) samplerFlags {
	return samplerFlags{
		fs:        fs,
		temp:      fs.Float64("temp", cli.Float32Default(def.Temperature), "sampling temperature; 0 = greedy"),
		topP:      fs.Float64("top-p", cli.Float32Default(def.TopP), "nucleus sampling: keep the most likely tokens up to this probability mass"),
		topK:      fs.Int("top-k", def.TopK, "keep at most this many tokens (0 = no limit)"),
		presence:  fs.Float64("presence", cli.Float32Default(def.Presence), "presence penalty"),
		frequency: fs.Float64("frequency", cli.Float32Default(def.Frequency), "frequency penalty"),
		decay:     fs.Float64("penalty-decay", cli.Float32Default(def.Decay), "penalty decay per token"),
		seed:      fs.Uint64("seed", 0, "random seed (default: a new one each run)"),
	}
}

// options are the sampler options, checked by runtime.SamplerOptions.Validate
// (the rule serve and agent apply too); an option out of range is a usage
// error naming its flag.
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
	var e *runtime.SamplerOptionError
	if err := o.Validate(); errors.As(err, &e) {
		return o, cli.Usagef("%s %s: want %s", samplerFlagNames[e.Option], e.Value, e.Want)
	} else if err != nil {
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

// genFlags are the generation flags of run and chat: the sampler and
// --max-tokens, validated when the command line is parsed.
type genFlags struct {
	samplerFlags
	maxTokens *int
	sampler   runtime.SamplerOptions // set by parse

	grammarText, grammarFile, jsonSchema *string
	grammar                              *grammar.Grammar // set by parse; nil without a constraint
}

func addGenFlags(fs *cli.Flags, def runtime.SamplerOptions, maxTokens int, maxHelp string) *genFlags {
	g := &genFlags{samplerFlags: addSamplerFlags(fs.FlagSet, def)}
	g.maxTokens = fs.IntAtLeast("max-tokens", maxTokens, 0, maxHelp)
	g.grammarText = fs.String("grammar", "", "constrain the output to this GBNF `grammar` (llama.cpp's format)")
	g.grammarFile = fs.String("grammar-file", "", "constrain the output to the GBNF grammar in `file`")
	g.jsonSchema = fs.String("json-schema", "", "constrain the output to one JSON value of the schema in `file`")
	fs.Check(func() (err error) { g.sampler, err = g.options(); return err })
	fs.Check(g.loadGrammar)
	return g
}

// loadGrammar compiles the constraint of --grammar, --grammar-file or
// --json-schema (at most one). A grammar or schema that does not compile
// is a usage error whose one line has the position (line:column) or the
// schema path.
func (g *genFlags) loadGrammar() error {
	if cli.Given(*g.grammarText, *g.grammarFile, *g.jsonSchema) > 1 {
		return cli.Usagef("--grammar, --grammar-file and --json-schema exclude each other")
	}
	var err error
	switch {
	case *g.grammarText != "":
		if g.grammar, err = grammar.Parse(*g.grammarText); err != nil {
			return cli.Usagef("--grammar: %v", cli.OneLine(err.Error()))
		}
	case *g.grammarFile != "":
		src, rerr := os.ReadFile(*g.grammarFile)
		if rerr != nil {
			return rerr
		}
		if g.grammar, err = grammar.Parse(string(src)); err != nil {
			return cli.Usagef("%s: %v", *g.grammarFile, cli.OneLine(err.Error()))
		}
	case *g.jsonSchema != "":
		src, rerr := os.ReadFile(*g.jsonSchema)
		if rerr != nil {
			return rerr
		}
		if g.grammar, err = grammar.CompileJSONSchema(src); err != nil {
			return cli.Usagef("%s: %v", *g.jsonSchema, cli.OneLine(err.Error()))
		}
	}
	return nil
}
