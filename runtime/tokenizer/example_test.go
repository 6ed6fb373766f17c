package tokenizer_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/gosling-edge/gosling/runtime/tokenizer"
)

// A tiny vocabulary in the official text format: ids 1..256 the single
// bytes, then longer tokens. Real programs read rwkv_vocab_v20230424.txt.
func exampleTokenizer() *tokenizer.Tokenizer {
	var file strings.Builder
	for b := range 256 {
		fmt.Fprintf(&file, "%d b'\\x%02x' 1\n", b+1, b)
	}
	file.WriteString("257 'Hello' 5\n258 ' world' 6\n259 '\\n\\n' 2\n260 b'\\xe4\\xbd' 2\n")
	vocab, err := tokenizer.ParseVocab(strings.NewReader(file.String()))
	if err != nil {
		log.Fatal(err)
	}
	tk, err := tokenizer.New(vocab)
	if err != nil {
		log.Fatal(err)
	}
	return tk
}

func ExampleTokenizer_Encode() {
	tk := exampleTokenizer()
	ids := tk.Encode([]byte("Hello world!\n\n"))
	fmt.Println(ids)
	fmt.Printf("%q\n", tk.Decode(ids))
	// Output:
	// [257 258 34 259]
	// "Hello world!\n\n"
}

func ExampleStreamDecoder() {
	tk := exampleTokenizer()
	ids := tk.Encode([]byte("你!")) // 你 is e4 bd a0: token 260, then the byte a0
	d := tk.NewStreamDecoder()
	for _, id := range ids {
		fmt.Printf("%d -> %q\n", id, d.Append(nil, id))
	}
	fmt.Printf("flush -> %q\n", d.Flush(nil))
	// Output:
	// 260 -> ""
	// 161 -> "你"
	// 34 -> "!"
	// flush -> ""
}

func ExampleEscapeGGUF() {
	fmt.Println(tokenizer.EscapeGGUF([]byte("it's\n\xe4")))
	fmt.Printf("%q\n", tokenizer.UnescapeGGUF(`it's\n\xe4`))
	// Output:
	// it's\n\xe4
	// "it's\n\xe4"
}
