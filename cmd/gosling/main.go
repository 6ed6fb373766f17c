// Command gosling converts, inspects and runs RWKV-7 language models.
//
//	gosling convert    IN.pth -o OUT.gguf --type q8_0   checkpoint → GGUF
//	gosling quantize   IN.gguf -o OUT.gguf --type Q4_K_M  requantize a GGUF model
//	gosling imatrix    [-m MODEL] --text FILE [-o F]    importance matrix for quantize
//	gosling synth      -o OUT.gguf [shape flags]        random-weight model
//	gosling info       [-m MODEL] [--tensors]           shapes, types, kernels
//	gosling tokenize   [-m MODEL | --vocab FILE] TEXT   text → token ids
//	gosling run        [-m MODEL] PROMPT                continue a prompt
//	gosling chat       [-m MODEL] [--system TEXT]       chat (G1 template)
//	gosling serve      [-m MODEL] [--addr HOST:PORT]    OpenAI-compatible HTTP API
//	gosling agent      [--config FILE]                  prompts from a serial port and buttons
//	gosling bench      [-m MODEL] [--device D] [--json] speed vs memory bandwidth
//	gosling eval       -m QUANT --ref REF --text FILE   a quantized model vs its reference
//	gosling logits     -m MODEL --tokens 1,2,3 --out F  reference logits
//	gosling version                                     module version, revision, kernels
//	gosling cuda-check -m MODEL                         CUDA vs CPU (builds with -tags cuda)
//
// Run `gosling help COMMAND` for the flags of a command.
package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/tools/cli"
)

//go:embed help.txt
var helpFile string

// program is gosling, its commands those of the table below and, in a
// build with a tag, those its files add (cuda-check).
var program = &cli.Program{Name: "gosling", Title: "run RWKV-7 language models on small machines", Help: helpFile,
	OnlyIn: map[string]string{"cuda-check": "cuda"}}

// commands are the commands, by name: a one-line summary and the entry
// point, which reads the command's flags (help.txt has their help).
var commands = map[string]cli.Command{
	"agent":    {Run: runAgent, Summary: "answer prompts from a serial port and GPIO buttons (the board agent)"},
	"bench":    {Run: runBench, Summary: "measure prefill and decode speed against the machine's memory bandwidth"},
	"chat":     {Run: runChat, Summary: "talk with a chat model (G1 template) in the terminal"},
	"convert":  {Run: runConvert, Summary: "convert an RWKV-7 .pth or .safetensors checkpoint to GGUF"},
	"eval":     {Run: runEval, Summary: "measure a quantized model against its reference (KL, top-1, perplexity)"},
	"imatrix":  {Run: runImatrix, Summary: "compute an importance matrix (llama.cpp's GGUF imatrix) from calibration text"},
	"info":     {Run: runInfo, Summary: "show a model's architecture, sizes, tensor types and the kernels in use"},
	"logits":   {Run: runLogits, Summary: "write the logits after each of a list of tokens (for verification)"},
	"quantize": {Run: runQuantize, Summary: "requantize a GGUF model with a llama-quantize type or preset"},
	"run":      {Run: runRun, Summary: "continue a prompt, streaming the text"},
	"serve":    {Run: runServe, Summary: "serve the model over HTTP (OpenAI-compatible API)"},
	"synth":    {Run: runSynth, Summary: "write a random-weight RWKV-7 model of any shape (for tests and benchmarks)"},
	"tokenize": {Run: runTokenize, Summary: "turn text into token ids"},
	"version":  {Run: runVersion, Summary: "print the module version, VCS revision and kernel path"},
}

func init() { program.Commands = commands }

// stdin is where commands read standard input (tests replace it).
var stdin io.Reader = os.Stdin

func newFlags(name string) *cli.Flags { return program.NewFlags(name) }

func main() {
	os.Exit(mainExit(os.Args[1:], os.Stdout, os.Stderr))
}

func mainExit(args []string, stdout, stderr io.Writer) int { return program.Main(args, stdout, stderr) }

func runVersion(args []string, stdout, _ io.Writer) error {
	if err := newFlags("version").ParseNone(args); err != nil {
		return err
	}
	version, rev := cli.BuildVersion()
	fmt.Fprintf(stdout, "gosling %s\nrevision: %s\nkernels:  %s\n", version, rev, arm64.Path())
	return nil
}
