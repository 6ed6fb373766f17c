package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/runtime"
)

// stateFlags are --state-in and --state-out, shared by run, chat and
// logits.
type stateFlags struct {
	in, out *string
}

func addStateFlags(fs *flag.FlagSet) stateFlags {
	return stateFlags{
		in:  fs.String("state-in", "", "start from the state saved in this `file` instead of the zero state"),
		out: fs.String("state-out", "", "save the final state (and the logits after it) to this `file`"),
	}
}

// load returns the starting state: the zero state, or --state-in's with
// the logits it carries (nil if none).
func (f stateFlags) load(m *runtime.Model) (*runtime.State, []float32, error) {
	if *f.in == "" {
		return m.NewState(), nil, nil
	}
	return runtime.LoadState(*f.in, m)
}

// save writes --state-out, if given, with write (runtime.SaveState, or
// the Generator's or Chat's, which bring a device's state to the host
// first), and says on w that the state after tokens was saved.
func (f stateFlags) save(w io.Writer, tokens int64, write func(path string) error) error {
	if *f.out == "" {
		return nil
	}
	if err := write(*f.out); err != nil {
		return err
	}
	fmt.Fprintf(w, "saved the state after %d tokens to %s\n", tokens, *f.out)
	return nil
}
