// Command quantref cuts a small reference file out of llama.cpp outputs, for
// package quant's tests (quant/testdata/llama-types.gguf; its README says how
// it was made):
//
//	quantref -o OUT.gguf -tensor NAME -rows N [-imatrix IMATRIX.gguf] SOURCE.gguf LABEL=FILE.gguf…
//
// OUT.gguf holds the first N rows of tensor NAME as they are in SOURCE.gguf
// (tensor "source"), the importance llama-quantize derived for NAME from the
// imatrix file (tensor "imatrix", F32), and for each LABEL=FILE the same rows
// of NAME as FILE has them (tensor LABEL, FILE's type and bytes unchanged).
// Rows are independent for every ggml type, so a row cut of a quantized
// tensor is exactly what llama-quantize writes for those rows.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gosling-edge/gosling/quant"
)

func main() {
	out := flag.String("o", "", "output file")
	name := flag.String("tensor", "", "tensor to cut")
	rows := flag.Int("rows", 8, "rows to keep")
	imPath := flag.String("imatrix", "", "importance matrix file")
	flag.Parse()
	if *out == "" || *name == "" || flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: quantref -o OUT -tensor NAME [-rows N] [-imatrix F] SOURCE LABEL=FILE…")
		os.Exit(2)
	}
	if err := run(*out, *name, *rows, *imPath, flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "quantref:", err)
		os.Exit(1)
	}
}

func run(outPath, name string, rows int, imPath, srcPath string, labelled []string) error {
	w := quant.NewWriter()
	w.Add("general.type", "gosling-quant-reference")
	w.Add("gosling.reference.tensor", name)
	if err := addRows(w, "source", srcPath, name, rows); err != nil {
		return err
	}
	if imPath != "" {
		m, err := quant.ReadImatrix(imPath)
		if err != nil {
			return err
		}
		e, ok := m.Entries[name]
		if !ok {
			return fmt.Errorf("%s has no entry for %s", imPath, name)
		}
		imp := e.Weights()
		b := make([]byte, 4*len(imp))
		if err := quant.Quantize(quant.TypeF32, b, imp); err != nil {
			return err
		}
		if err := w.AddTensorBytes("imatrix", quant.TypeF32, []uint64{uint64(len(imp))}, b); err != nil {
			return err
		}
	}
	for _, lf := range labelled {
		label, path, ok := strings.Cut(lf, "=")
		if !ok {
			return fmt.Errorf("%q is not LABEL=FILE", lf)
		}
		if err := addRows(w, label, path, name, rows); err != nil {
			return err
		}
	}
	return w.WriteFile(outPath, nil)
}

func addRows(w *quant.Writer, label, path, name string, rows int) error {
	g, err := quant.Open(path)
	if err != nil {
		return err
	}
	defer g.Close()
	t, ok := g.Tensor(name)
	if !ok {
		return fmt.Errorf("%s has no tensor %s", path, name)
	}
	if t.Rows() < rows {
		return fmt.Errorf("%s: %s has %d rows", path, name, t.Rows())
	}
	rb, err := t.Type.RowBytes(t.Cols())
	if err != nil {
		return err
	}
	data := append([]byte(nil), g.Bytes(t)[:rows*rb]...)
	return w.AddTensorBytes(label, t.Type, []uint64{uint64(t.Cols()), uint64(rows)}, data)
}
