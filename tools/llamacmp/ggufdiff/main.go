// Command ggufdiff says whether two GGUF models hold the same tensors, byte
// for byte: how `gosling quantize` is checked against llama-quantize on a
// whole file (every tensor's name, type, shape and data; the metadata may
// differ in order and in keys only one program writes, and is not compared).
//
//	ggufdiff A.gguf B.gguf
//
// It prints one line per differing tensor and a summary, and exits 1 if any
// tensor differs or is missing from one file.
package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"

	"github.com/gosling-edge/gosling/quant"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ggufdiff A.gguf B.gguf")
		os.Exit(2)
	}
	same, err := run(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ggufdiff:", err)
		os.Exit(2)
	}
	if !same {
		os.Exit(1)
	}
}

func run(pa, pb string) (bool, error) {
	a, err := quant.Open(pa)
	if err != nil {
		return false, err
	}
	defer a.Close()
	b, err := quant.Open(pb)
	if err != nil {
		return false, err
	}
	defer b.Close()
	byName := map[string]*quant.TensorInfo{}
	for i := range b.Tensors {
		byName[b.Tensors[i].Name] = &b.Tensors[i]
	}
	var ident, differ int
	types := map[string]int{}
	for i := range a.Tensors {
		ta := &a.Tensors[i]
		tb := byName[ta.Name]
		delete(byName, ta.Name)
		switch {
		case tb == nil:
			fmt.Printf("%s: only in %s\n", ta.Name, pa)
		case ta.Type != tb.Type || !slices.Equal(ta.Dims, tb.Dims):
			fmt.Printf("%s: %v %v vs %v %v\n", ta.Name, ta.Type, ta.Dims, tb.Type, tb.Dims)
		case !bytes.Equal(a.Bytes(ta), b.Bytes(tb)):
			fmt.Printf("%s: %v data differ\n", ta.Name, ta.Type)
		default:
			ident++
			types[ta.Type.String()]++
			continue
		}
		differ++
	}
	for name := range byName {
		fmt.Printf("%s: only in %s\n", name, pb)
		differ++
	}
	fmt.Printf("%d tensors identical %v, %d differ\n", ident, types, differ)
	return differ == 0, nil
}
