package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/tokenizer"
)

func init() {
	register("tokenize", "turn text into token ids", runTokenize)
}

func runTokenize(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokenize (-m MODEL | --vocab VOCAB.txt) [--json] [TEXT]",
		"Prints the token ids of TEXT (or of standard input, byte for byte, when no\n"+
			"TEXT is given): one line of ids separated by spaces, or a JSON array.", stderr)
	model := fs.String("m", "", "model `file` whose vocabulary to use")
	vocab := fs.String("vocab", "", "vocabulary `file` (rwkv_vocab_v20230424.txt format)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if (*model == "") == (*vocab == "") {
		return usagef("give exactly one of -m MODEL or --vocab FILE")
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
		return usagef("want at most one TEXT argument (quote it), have %d", len(pos))
	}
	var tok *tokenizer.Tokenizer
	if *model != "" {
		m, err := runtime.Load(*model, runtime.Options{})
		if err != nil {
			return err
		}
		defer m.Close()
		tok = m.Tokenizer
	} else {
		f, err := os.Open(*vocab)
		if err != nil {
			return err
		}
		v, err := tokenizer.ParseVocab(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *vocab, err)
		}
		if tok, err = tokenizer.New(v); err != nil {
			return fmt.Errorf("%s: %w", *vocab, err)
		}
	}
	ids := tok.Encode(text)
	if *asJSON {
		if ids == nil {
			ids = []int32{}
		}
		b, _ := json.Marshal(ids)
		_, err := fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	_, err = fmt.Fprintln(stdout, strings.Join(s, " "))
	return err
}
