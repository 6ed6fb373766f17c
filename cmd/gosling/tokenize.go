package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
	"github.com/gosling-edge/gosling/tools/cli"
	"github.com/gosling-edge/gosling/tools/convert"
)

func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenize")
	model := fs.String("m", "", "model `file` whose vocabulary to use")
	vocab := fs.String("vocab", "", "vocabulary `file` (rwkv_vocab_v20230424.txt format)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if *model != "" && *vocab != "" {
		return cli.Usagef("give -m MODEL or --vocab FILE, not both")
	}
	var text []byte
	switch len(pos) {
	case 0:
		if text, err = io.ReadAll(stdin); err != nil {
			return err
		}
	case 1:
		text = []byte(pos[0])
	default:
		return cli.Usagef("want at most one TEXT argument (quote it), have %d", len(pos))
	}
	var tok *tokenizer.Tokenizer
	if *model != "" {
		m, err := runtime.Load(*model, runtime.Options{})
		if err != nil {
			return err
		}
		defer m.Close()
		tok = m.Tokenizer
	} else if tok, err = convert.Tokenizer(*vocab); err != nil {
		return err
	}
	ids := tok.Encode(text)
	if *asJSON {
		if ids == nil {
			ids = []int32{}
		}
		return json.NewEncoder(stdout).Encode(ids)
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	_, err = fmt.Fprintln(stdout, strings.Join(s, " "))
	return err
}
