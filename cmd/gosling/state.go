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

// save writes --state-out, if given, and says so on w.
func (f stateFlags) save(w io.Writer, m *runtime.Model, s *runtime.State, logits []float32) error {
	if *f.out == "" {
		return nil
	}
	if err := runtime.SaveState(*f.out, m, s, logits); err != nil {
		return err
	}
	f.saved(w, s.Tokens)
	return nil
}

// saveChat writes --state-out, if given, from the conversation (Chat.Save
// brings a device's state to the host first), and says so on w.
func (f stateFlags) saveChat(w io.Writer, chat *runtime.Chat) error {
	if *f.out == "" {
		return nil
	}
	if err := chat.Save(*f.out); err != nil {
		return err
	}
	f.saved(w, chat.State().Tokens)
	return nil
}

func (f stateFlags) saved(w io.Writer, tokens int64) {
	fmt.Fprintf(w, "saved the state after %d tokens to %s\n", tokens, *f.out)
}
