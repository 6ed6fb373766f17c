// Command gosling converts, inspects and runs RWKV-7 language models.
//
//	gosling convert  IN.pth -o OUT.gguf --type q8_0   checkpoint → GGUF
//	gosling run      [-m MODEL] PROMPT                continue a prompt
//	gosling chat     -m MODEL [--system TEXT]         chat (G1 template)
//	gosling serve    -m MODEL [--addr HOST:PORT]      OpenAI-compatible HTTP API
//	gosling bench    -m MODEL [--json]                speed vs memory bandwidth
//	gosling info     -m MODEL                         shapes, types, kernels
//	gosling tokenize (-m MODEL | --vocab FILE) TEXT   text → token ids
//	gosling logits   -m MODEL --tokens 1,2,3 --out F  reference logits
//	gosling synth    -o OUT.gguf [shape flags]        random-weight model
//
// Run `gosling COMMAND --help` for the flags of a command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// stdin is where commands read standard input (tests replace it).
var stdin io.Reader = os.Stdin

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	commands[name] = command{summary, run}
}

// errUsage marks errors in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func main() {
	os.Exit(mainExit(os.Args[1:], os.Stdout, os.Stderr))
}

func mainExit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gosling: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "gosling %s: %s (see gosling %s --help)\n", args[0], ue.msg, args[0])
		return 2
	}
	fmt.Fprintf(stderr, "gosling %s: %s\n", args[0], oneLine(err.Error()))
	return 1
}

// oneLine keeps an error message on one line.
func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "gosling: run RWKV-7 language models on small machines")
	fmt.Fprintln(w, "\nusage: gosling COMMAND [flags] [args]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'gosling COMMAND --help' for the flags of a command.")
}

// cmdFlags is a command's flag set with its help text. Parse errors are
// returned as one-line usage errors; --help prints the synopsis and flags.
type cmdFlags struct {
	*flag.FlagSet
	name, synopsis string
	stderr         io.Writer
}

func newFlags(name, synopsis string, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, name: name, synopsis: synopsis, stderr: stderr}
}

func (f *cmdFlags) printHelp() {
	fmt.Fprintf(f.stderr, "usage: gosling %s\n\n%s\n\nflags:\n", f.name, f.synopsis)
	f.SetOutput(f.stderr)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
}

// parse parses flags anywhere on the command line (Go's flag package stops
// at the first positional argument; `gosling convert IN -o OUT` puts one
// first) and returns the positional arguments.
func (f *cmdFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.printHelp()
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		rest := f.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			return append(pos, rest...), nil // everything after -- is positional
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
