//go:build cuda

package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/cuda"
	"github.com/gosling-edge/gosling/tools/bench"
	"github.com/gosling-edge/gosling/tools/cli"
)

// The CUDA back end: registered only in builds with the cuda tag.
func init() {
	devices["cuda"] = cudaFlags
}

func cudaFlags(fs *flag.FlagSet) deviceHandle {
	mapped := fs.Bool("cuda-mapped", false, "with --device cuda: read the weights in place from the memory map (the default on integrated GPUs such as Jetson)")
	ordinal := fs.Int("cuda-device", 0, "with --device cuda: which GPU")
	chunk := fs.Int("cuda-chunk", cuda.DefaultChunk, "with --device cuda: prompt tokens per prefill launch")
	noGraph := fs.Bool("cuda-no-graph", false, "with --device cuda: plain launches instead of a CUDA graph per token")
	unfused := fs.Bool("cuda-unfused", false, "with --device cuda: decode through the prefill kernels instead of the fused decode kernels (for comparison)")
	splitLoRA := fs.Bool("cuda-split-lora", false, "with --device cuda: the LoRA second stages of decode as a many-block launch of their own (float LoRA matrices only)")
	rpw := fs.Int("cuda-rpw", 0, "with --device cuda: rows a warp of the decode products, 1 or 4 (0: chosen per launch)")
	blocksPerSM := fs.Int("cuda-blocks-per-sm", 0, "with --device cuda: decode product blocks per multiprocessor (0: the driver's occupancy answer)")
	opts := func() cuda.Options {
		return cuda.Options{Device: *ordinal, Mapped: *mapped, Chunk: *chunk, NoGraph: *noGraph,
			Unfused: *unfused, SplitLoRA: *splitLoRA, RowsPerWarp: *rpw, BlocksPerSM: *blocksPerSM}
	}
	return deviceHandle{
		open: func(m *runtime.Model) (runtime.Backend, error) {
			if *chunk < 1 {
				return nil, cli.Usagef("--cuda-chunk %d: want at least 1", *chunk)
			}
			return cuda.Open(m, opts())
		},
		describe: func(w io.Writer) error {
			info, err := cuda.Probe(*ordinal)
			if err != nil {
				return err
			}
			mode := info.DefaultMemoryMode()
			if *mapped {
				mode = "weights in place: mapped host memory (--cuda-mapped)"
			}
			fmt.Fprintf(w, "device:        cuda %d: %s\n", *ordinal, info.Name)
			fmt.Fprintf(w, "compute:       sm_%d%d (compute capability %d.%d), %d SMs\n", info.Major, info.Minor, info.Major, info.Minor, info.SMs)
			fmt.Fprintf(w, "gpu memory:    %s, %s\n", bench.HumanBytes(int64(info.TotalMemory)), map[bool]string{true: "integrated (shared with the CPU)", false: "discrete"}[info.Integrated])
			fmt.Fprintf(w, "memory mode:   %s\n", mode)
			fmt.Fprintf(w, "driver:        CUDA %d.%d\n", info.Driver/1000, info.Driver%1000/10)
			return nil
		},
	}
}
