package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/eval"
)

func runLogits(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("logits")
	mf := addModelFlags(fs.FlagSet)
	sf := addStateFlags(fs.FlagSet)
	tokens := fs.String("tokens", "", "comma-separated token ids, no spaces")
	out := fs.String("out", "", "output `file` (a plain write; /dev/null works)")
	stateRaw := fs.String("state-raw", "", "write the final state into this `directory`")
	if err := fs.ParseNone(args); err != nil {
		return err
	}
	if *tokens == "" || *out == "" {
		return cli.Usagef("--tokens and --out are required")
	}
	var ids []int
	for _, f := range strings.Split(*tokens, ",") {
		id, err := strconv.Atoi(f)
		if err != nil {
			return cli.Usagef("--tokens: %q is not a token id", f)
		}
		ids = append(ids, id)
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	for _, id := range ids {
		if id < 0 || id >= m.Vocab {
			return cli.Usagef("--tokens: id %d is outside the model's %d rows", id, m.Vocab)
		}
	}
	s, _, err := sf.load(m)
	if err != nil {
		return err
	}
	logits, err := eval.WriteLogitsFile(*out, m.NewContext(), s, ids)
	if err != nil {
		return err
	}
	if err := sf.save(stderr, s.Tokens, func(path string) error { return runtime.SaveState(path, m, s, logits) }); err != nil {
		return err
	}
	if *stateRaw != "" {
		if err := eval.WriteState(*stateRaw, s); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "wrote %d × %d logits to %s\n", len(ids), m.Vocab, *out)
	return nil
}
