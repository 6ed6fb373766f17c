package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Flags is a command's flag set. Parse errors are returned as one-line
// usage errors; --help returns the help: the command's section of the
// program's help text and its flags.
type Flags struct {
	*flag.FlagSet
	prog   *Program
	checks []func() error // run after a successful parse (ranges, --device)
}

// NewFlags is the flag set of command name.
func (p *Program) NewFlags(name string) *Flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &Flags{FlagSet: fs, prog: p}
}

// Check adds a check that ParseAll runs after a successful parse.
func (f *Flags) Check(check func() error) { f.checks = append(f.checks, check) }

func (f *Flags) help() HelpRequest {
	var b strings.Builder
	synopsis, text, _ := f.prog.HelpSection(f.Name())
	fmt.Fprintf(&b, "usage: %s %s\n\n%s\n\nflags:\n", f.prog.Name, synopsis, text)
	f.SetOutput(&b)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
	return HelpRequest{b.String()}
}

// ParseAll parses flags anywhere on the command line (Go's flag package
// stops at the first positional argument; `gosling convert IN -o OUT` puts
// one first), runs the checks, and returns the positional arguments.
func (f *Flags) ParseAll(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, f.help()
		} else if err != nil {
			return nil, UsageError{err.Error()}
		}
		rest := f.Args()
		if i := len(args) - len(rest); len(rest) == 0 || i > 0 && args[i-1] == "--" {
			for _, check := range f.checks {
				if err := check(); err != nil {
					return nil, err
				}
			}
			return append(pos, rest...), nil // everything after -- is positional
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// ParseNone is ParseAll for a command that takes no positional arguments.
func (f *Flags) ParseNone(args []string) error {
	pos, err := f.ParseAll(args)
	if err == nil && len(pos) > 0 {
		err = Usagef("unexpected argument %q", pos[0])
	}
	return err
}

// IntAtLeast adds an int flag that ParseAll rejects below min, with the
// same message for every command.
func (f *Flags) IntAtLeast(name string, def, min int, usage string) *int {
	p := f.Int(name, def, usage)
	f.Check(func() error {
		if *p < min {
			return Usagef("--%s %d: want ≥ %d", name, *p, min)
		}
		return nil
	})
	return p
}

// Given is how many of the string flags' values are set (not empty), for
// flags that exclude each other.
func Given(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// Float32Default is a float32 default as the float64 a flag holds, without
// float32 noise in the help (0.996, not 0.9959999918937683).
func Float32Default(v float32) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
	return f
}

// StringList is a repeatable string flag.
type StringList []string

func (s *StringList) String() string     { return strings.Join(*s, ",") }
func (s *StringList) Set(v string) error { *s = append(*s, v); return nil }

// Bytes returns the values with \n, \t and \\ escapes resolved.
func (s StringList) Bytes() [][]byte {
	var out [][]byte
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`)
	for _, v := range s {
		if v != "" {
			out = append(out, []byte(r.Replace(v)))
		}
	}
	return out
}
