package toolset

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/gosling-edge/gosling/firmware/config"
)

// ErrTimeout is a command that ran past its timeout and was killed.
var ErrTimeout = errors.New("timed out")

// Command is what a command tool runs: a fixed argv with the model's enum
// values put in.
type Command struct {
	Argv      []string      // Argv[0] is an absolute path; no shell, no $PATH
	Timeout   time.Duration // then the process and its children are killed
	MaxOutput int           // bytes of stdout and stderr kept; the rest is dropped
}

// Result is how a command ended.
type Result struct {
	ExitCode  int    // -1 when a signal ended it
	Output    []byte // stdout and stderr as they came, cut at MaxOutput
	Truncated bool   // output was dropped
}

// Runner runs commands; tests give a fake one.
type Runner interface {
	// Run runs c until it exits, its timeout passes (ErrTimeout), or ctx
	// ends. An exit status other than 0 is a Result, not an error. The
	// output so far comes back with an error too.
	Run(ctx context.Context, c Command) (Result, error)
}

// ExecRunner runs commands with os/exec: argv as given (never a shell),
// stdin from /dev/null, the agent's environment, in a process group of
// their own on Unix so that the timeout kills the children a program
// started as well.
type ExecRunner struct{}

// waitDelay bounds the wait for output after the process is gone, for a
// child that escaped the kill and holds the pipe.
const waitDelay = time.Second

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, c Command) (Result, error) {
	if len(c.Argv) == 0 {
		return Result{}, errors.New("no program")
	}
	tctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, c.Argv[0], c.Argv[1:]...)
	out := &capped{max: c.MaxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = waitDelay
	ownGroup(cmd)
	err := cmd.Run()
	res := Result{ExitCode: -1, Output: out.buf, Truncated: out.dropped}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case tctx.Err() != nil:
		return res, fmt.Errorf("%w after %v: killed", ErrTimeout, c.Timeout)
	case err == nil:
		return res, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) || errors.Is(err, exec.ErrWaitDelay) {
		return res, nil // it ran and ended: its status is the result
	}
	return res, err
}

// capped keeps the first max bytes written to it and drops the rest.
type capped struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped bool
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := min(len(p), c.max-len(c.buf))
	c.buf = append(c.buf, p[:keep]...)
	if keep < len(p) {
		c.dropped = true
	}
	return len(p), nil
}

// buildCommand: one string argument per param, from its enum, all
// required; the result is the exit code and the output.
func buildCommand(t *Tool, c *config.Tool, run Runner) error {
	if len(c.Argv) == 0 || c.Timeout.Duration <= 0 || c.MaxOutput <= 0 {
		return errors.New("argv, timeout or max_output unset (config.Validate fills them)")
	}
	argv, timeout, maxOut := slices.Clone(c.Argv), c.Timeout.Duration, c.MaxOutput
	for _, p := range c.Params {
		if len(p.Enum) == 0 {
			return fmt.Errorf("param %q: no enum", p.Name)
		}
		enum := make([]any, len(p.Enum))
		for i, v := range p.Enum {
			enum[i] = v
		}
		t.params = append(t.params, param{name: p.Name, description: p.Description, typ: "string", enum: enum, required: true})
	}
	t.act = func(ctx context.Context, a args, dry bool) (map[string]any, error) {
		cmd := Command{Argv: expand(argv, a), Timeout: timeout, MaxOutput: maxOut}
		if dry {
			return map[string]any{"argv": cmd.Argv}, nil
		}
		r, err := run.Run(ctx, cmd)
		if err != nil {
			return nil, err
		}
		res := map[string]any{"exit_code": r.ExitCode, "output": string(r.Output)}
		if r.Truncated {
			res["truncated"] = true
		}
		return res, nil
	}
	return nil
}

// expand puts the arguments into argv: each {name} of a declared param,
// in one pass, so that a value is never itself expanded. Other braces
// stay as they are (awk's '{print $1}').
func expand(argv []string, a args) []string {
	out := make([]string, len(argv))
	for i, s := range argv {
		out[i] = config.Placeholder.ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := a[m[1:len(m)-1]].(string); ok {
				return v
			}
			return m
		})
	}
	return out
}
