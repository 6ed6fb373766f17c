package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/quant"
)

func init() {
	register("info", "show a model's architecture, sizes, tensor types and the kernels in use", runInfo)
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info -m MODEL", "Prints what the model file holds and which kernels this machine runs it with.", stderr)
	mf := addModelFlags(fs.FlagSet)
	tensors := fs.Bool("tensors", false, "list every tensor")
	df := addDeviceFlags(fs.FlagSet)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	dev, onDevice, err := df.handle()
	if err != nil {
		return err
	}
	if onDevice && *mf.path == "" {
		return dev.describe(stdout) // the device alone
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	g := m.File
	name, _ := g.Meta.String("general.name")
	fmt.Fprintf(stdout, "file:          %s (%s, GGUF v%d)\n", g.Path, humanBytes(int64(g.Size)), g.Version)
	fmt.Fprintf(stdout, "name:          %s\n", name)
	fmt.Fprintf(stdout, "architecture:  rwkv7 %s\n", m.Config)
	fmt.Fprintf(stdout, "weights:       %s in %d tensors\n", humanBytes(m.WeightBytes()), len(g.Tensors))
	counts := map[quant.Type]int{}
	bytes := map[quant.Type]uint64{}
	for _, t := range g.Tensors {
		counts[t.Type]++
		bytes[t.Type] += t.Size
	}
	var types []string
	for t, n := range counts {
		types = append(types, fmt.Sprintf("%s×%d (%s)", t, n, humanBytes(int64(bytes[t]))))
	}
	sort.Strings(types)
	fmt.Fprintf(stdout, "tensor types:  %s\n", strings.Join(types, ", "))
	fmt.Fprintf(stdout, "vocabulary:    %d tokens in the file, %d rows\n", m.Tokenizer.Size(), m.Vocab)
	fmt.Fprintf(stdout, "state:         %s per sequence\n", humanBytes(int64(m.NewState().Bytes())))
	fmt.Fprintf(stdout, "kernels:       %s\n", arm64.Path())
	fmt.Fprintf(stdout, "threads:       %d\n", m.Pool.Threads())
	if *tensors {
		for _, t := range g.Tensors {
			fmt.Fprintf(stdout, "  %-36s %-5s %v\n", t.Name, t.Type, t.Dims)
		}
	}
	if onDevice {
		return dev.describe(stdout)
	}
	return nil
}
