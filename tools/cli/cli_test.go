package cli

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
)

// Main's exit statuses and where each message goes: help to stdout (0), a
// mistake in the command line to stderr with a pointer to the help (2), a
// failure on one line (1), a signal as 128 + its number.
func TestMainExitStatus(t *testing.T) {
	p := &Program{Name: "prog", Title: "does things", Help: "# prog\n\n## do [-n N]\n\nDoes it.\n",
		OnlyIn: map[string]string{"gpu": "cuda"}}
	p.Commands = map[string]Command{"do": {Summary: "do it", Run: func(args []string, stdout, stderr io.Writer) error {
		fs := p.NewFlags("do")
		n := fs.IntAtLeast("n", 1, 1, "how many `times`")
		if err := fs.ParseNone(args); err != nil {
			return err
		}
		switch *n {
		case 2:
			return errors.New("do: it broke\nbadly")
		case 3:
			return SignalError{syscall.SIGTERM}
		}
		return nil
	}}}
	for _, c := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{nil, 2, "", "usage: prog COMMAND"},
		{[]string{"help"}, 0, "  do         do it\n", ""},
		{[]string{"help", "do"}, 0, "usage: prog do [-n N]\n\nDoes it.\n\nflags:\n  -n times", ""},
		{[]string{"do", "-n", "1"}, 0, "", ""},
		{[]string{"do", "-n", "0"}, 2, "", "prog do: --n 0: want ≥ 1 (see prog help do)\n"},
		{[]string{"do", "extra"}, 2, "", `prog do: unexpected argument "extra"`},
		{[]string{"do", "-n", "2"}, 1, "", "prog do: it broke; badly\n"},
		{[]string{"do", "-n", "3"}, 128 + int(syscall.SIGTERM), "", ""},
		{[]string{"gpu"}, 2, "", `unknown command "gpu" (it is in builds with -tags cuda)`},
	} {
		var out, errb bytes.Buffer
		code := p.Main(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.stdout) || !strings.Contains(errb.String(), c.errs) ||
			c.stdout == "" && out.Len() > 0 || c.errs == "" && errb.Len() > 0 {
			t.Errorf("prog %q: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.args, code, out.String(), errb.String(), c.code, c.stdout, c.errs)
		}
	}
}
