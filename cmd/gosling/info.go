package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/tools/bench"
	"github.com/gosling-edge/gosling/tools/cli"
)

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info")
	mf := addModelFlags(fs.FlagSet)
	tensors := fs.Bool("tensors", false, "list every tensor")
	verify := fs.Bool("verify", false, "read every weight and fail on the first NaN or infinite one (the runtime checks each matrix at its first use)")
	df := addDeviceFlags(fs)
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 || len(pos) == 1 && *mf.path != "" {
		return cli.Usagef("want one model: -m MODEL or MODEL")
	} else if len(pos) == 1 {
		*mf.path = pos[0] // `gosling info model.gguf`, as llama.cpp's tools take it
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
	fmt.Fprintf(stdout, "file:          %s (%s, GGUF v%d)\n", g.Path, bench.HumanBytes(int64(g.Size)), g.Version)
	fmt.Fprintf(stdout, "name:          %s\n", name)
	fmt.Fprintf(stdout, "architecture:  rwkv7 %s\n", m.Config)
	fmt.Fprintf(stdout, "weights:       %s in %d tensors\n", bench.HumanBytes(m.WeightBytes()), len(g.Tensors))
	var types []string
	for _, t := range g.TypeTotals() {
		types = append(types, fmt.Sprintf("%s×%d (%s)", t.Type, t.Tensors, bench.HumanBytes(int64(t.Bytes))))
	}
	sort.Strings(types)
	fmt.Fprintf(stdout, "tensor types:  %s\n", strings.Join(types, ", "))
	fmt.Fprintf(stdout, "vocabulary:    %d tokens in the file, %d rows\n", m.Tokenizer.Size(), m.Vocab)
	fmt.Fprintf(stdout, "state:         %s per sequence\n", bench.HumanBytes(int64(m.NewState().Bytes())))
	fmt.Fprintf(stdout, "kernels:       %s\n", arm64.Path())
	fmt.Fprintf(stdout, "threads:       %d\n", m.Threads())
	if *tensors {
		for _, t := range g.Tensors {
			fmt.Fprintf(stdout, "  %-36s %-5s %v\n", t.Name, t.Type, t.Dims)
		}
	}
	if *verify {
		n, err := g.Verify()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "verified:      %d of %d tensors read, no NaN or Inf\n", n, len(g.Tensors))
	}
	if onDevice {
		return dev.describe(stdout)
	}
	return nil
}
