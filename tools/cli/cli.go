// Package cli is the command-line conventions of gosling, apart from its
// commands: subcommands in a registry, flags anywhere on the line, help
// taken from a help text with a section per command, one-line errors, and
// the exit status a shell expects (0; 1 for a failure; 2 for a mistake in
// the command line; 128 + the signal's number for a command a signal
// stopped), progress bars on a terminal only.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
)

// Program is a command with subcommands.
type Program struct {
	Name  string // as typed: "gosling"
	Title string // what it does, the usage's first line
	// Help has a section per command: a line "## NAME synopsis", then the
	// command's description.
	Help     string
	Commands map[string]Command
	// OnlyIn names the commands that exist only in builds with a tag, by
	// the tag, so that other builds can say how to get them.
	OnlyIn map[string]string
}

// Command is one subcommand: its one-line summary and its entry point.
type Command struct {
	Summary string
	Run     func(args []string, stdout, stderr io.Writer) error
}

// UsageError marks errors in the command line (exit status 2).
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, a ...any) error { return UsageError{fmt.Sprintf(format, a...)} }

// HelpRequest is what a command returns for --help: the help text, which
// goes to standard output with exit status 0.
type HelpRequest struct{ Text string }

func (h HelpRequest) Error() string { return "help requested" }

// SignalError ends a command that a signal stopped cleanly: exit status
// 128 + the signal's number (130 for Ctrl-C), as shells expect.
type SignalError struct{ Sig os.Signal }

func (e SignalError) Error() string { return e.Sig.String() }

func (e SignalError) exitCode() int {
	if n, ok := e.Sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

// Main runs the command args name and returns the exit status.
func (p *Program) Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		p.usage(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		p.usage(stdout)
		return 0
	case "help":
		if len(args) == 1 || args[1] == "help" {
			p.usage(stdout)
			return 0
		}
		name, args = args[1], []string{args[1], "--help"}
	case "-version", "--version":
		name = "version"
	}
	cmd, ok := p.Commands[name]
	if !ok {
		hint := ""
		if tag, ok := p.OnlyIn[name]; ok {
			hint = fmt.Sprintf(" (it is in builds with -tags %s)", tag)
		}
		fmt.Fprintf(stderr, "%s: unknown command %q%s; run '%s help' for the list\n", p.Name, name, hint, p.Name)
		return 2
	}
	err := cmd.Run(args[1:], stdout, stderr)
	var help HelpRequest
	var ue UsageError
	var sig SignalError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &sig):
		return sig.exitCode()
	case errors.As(err, &help):
		fmt.Fprint(stdout, help.Text)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s %s: %s (see %s help %s)\n", p.Name, name, ue.Msg, p.Name, name)
		return 2
	}
	msg := OneLine(err.Error())
	fmt.Fprintf(stderr, "%s %s: %s\n", p.Name, name, strings.TrimPrefix(msg, name+": "))
	return 1
}

// OneLine keeps an error message on one line.
func OneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func (p *Program) usage(w io.Writer) {
	fmt.Fprintf(w, "%s: %s\n\nusage: %s COMMAND [flags] [args]\n\ncommands:\n", p.Name, p.Title, p.Name)
	for _, n := range slices.Sorted(maps.Keys(p.Commands)) {
		fmt.Fprintf(w, "  %-10s %s\n", n, p.Commands[n].Summary)
	}
	fmt.Fprintf(w, "\nRun '%s help COMMAND' (or %s COMMAND --help) for the flags of a command.\n", p.Name, p.Name)
}

// HelpSection is the synopsis and the description of a command in the
// help text (ok false when it has none).
func (p *Program) HelpSection(name string) (synopsis, text string, ok bool) {
	for _, sec := range strings.Split(p.Help, "\n## ")[1:] {
		head, body, _ := strings.Cut(sec, "\n")
		if n, _, _ := strings.Cut(head, " "); n == name {
			return head, strings.TrimSpace(body), true
		}
	}
	return name, "", false
}

// NotifySignals delivers SIGINT (Ctrl-C) and SIGTERM (kill, systemd,
// container runtimes) until stop.
func NotifySignals() (sigs <-chan os.Signal, stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// InterruptContext is cancelled by the first signal of notify, with a
// SignalError as its cause.
func InterruptContext(notify func() (<-chan os.Signal, func())) (context.Context, func()) {
	sigs, stopSignals := notify()
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		select {
		case sig := <-sigs:
			cancel(SignalError{sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(nil); stopSignals() }
}

// BuildVersion is the main module's version and VCS revision as the build
// stamped them, with " (modified)" for a dirty tree.
func BuildVersion() (version, revision string) {
	version, revision = "(unknown)", "unknown (built without VCS stamping, e.g. -buildvcs=false)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					revision += " (modified)"
				}
			}
		}
	}
	return version, revision
}

// NotSameFile refuses an output that is the input, under any name (a
// symbolic or hard link): writing it would replace the file being read.
func NotSameFile(in, out string) error {
	a, err := os.Stat(in)
	if err != nil {
		return err
	}
	if b, err := os.Stat(out); err == nil && os.SameFile(a, b) {
		return Usagef("-o %s is the input %s: choose another output file", out, in)
	}
	return nil
}
