package tokenizer

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func BenchmarkNew(b *testing.B) {
	vocab, _ := officialTokenizer(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(vocab); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseVocab(b *testing.B) {
	raw, err := os.ReadFile(officialVocab)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVocab(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

var benchTexts = map[string]string{
	"English": strings.Repeat("The quick brown fox jumps over the lazy dog, and then it sleeps. ", 64),
	"Chinese": strings.Repeat("敏捷的棕色狐狸跳过了懒狗，然后睡着了。", 64),
	"Code":    strings.Repeat("\tfor i := 0; i < len(x); i++ {\n\t\tsum += x[i] * y[i]\n\t}\n", 64),
}

func BenchmarkEncode(b *testing.B) {
	_, tk := officialTokenizer(b)
	for name, text := range benchTexts {
		b.Run(name, func(b *testing.B) {
			src := []byte(text)
			dst := make([]int32, 0, len(src))
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				dst = tk.AppendEncode(dst[:0], src)
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	_, tk := officialTokenizer(b)
	src := []byte(benchTexts["English"])
	ids := tk.Encode(src)
	dst := make([]byte, 0, len(src))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = tk.AppendDecode(dst[:0], ids...)
	}
}

func BenchmarkStreamDecoder(b *testing.B) {
	_, tk := officialTokenizer(b)
	src := []byte(benchTexts["Chinese"])
	ids := tk.Encode(src)
	dst := make([]byte, 0, len(src))
	d := tk.NewStreamDecoder()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = dst[:0]
		for _, id := range ids {
			dst = d.Append(dst, id)
		}
		dst = d.Flush(dst)
	}
}
