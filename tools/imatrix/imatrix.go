// Package imatrix computes an importance matrix: it runs calibration text
// through a model and sums, for every weight matrix of the blocks, the
// squares of each input column over all tokens. The result is what
// llama-imatrix writes (quant.Imatrix, llama.cpp's GGUF imatrix format), so
// either program's file serves either quantizer.
//
// The statistic follows llama-imatrix's definition: the text is tokenized
// once and cut into chunks of Chunk tokens (a trailing part shorter than a
// chunk is dropped); each chunk starts from the zero state; every token of
// every chunk adds x_j² to column j of each matrix under "blk." it passes
// through (the LoRAs included, the head and the embedding not: llama-imatrix
// leaves the head out unless asked, and the embedding is not a product), and
// one to the matrix's count. The sums are float32, added token after token,
// as llama-imatrix keeps them.
package imatrix

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
)

// Collector is a runtime.InputObserver that accumulates Σ x² per column of
// every block matrix it sees. Sums for a matrix are allocated the first
// time it is seen, so collecting allocates nothing per token.
type Collector struct {
	entries map[*runtime.Matrix]*entry
}

type entry struct {
	sums  []float32
	count int64
}

// NewCollector returns an empty Collector.
func NewCollector() *Collector { return &Collector{entries: map[*runtime.Matrix]*entry{}} }

// ObserveInput adds the T rows of x (the input of w) to w's sums.
func (c *Collector) ObserveInput(w *runtime.Matrix, x []float32, T int) {
	e := c.entries[w]
	if e == nil {
		if !strings.HasPrefix(w.Name, "blk.") {
			return
		}
		e = &entry{sums: make([]float32, w.Cols)}
		c.entries[w] = e
	}
	n := w.Cols
	for t := 0; t < T; t++ {
		row := x[t*n : (t+1)*n]
		sums := e.sums[:n]
		for j, v := range row {
			sums[j] += v * v
		}
	}
	e.count += int64(T)
}

// Imatrix returns what was collected as an importance matrix file: one
// entry per matrix, named as its tensor, with the given metadata.
func (c *Collector) Imatrix(datasets []string, chunkSize, chunkCount int) *quant.Imatrix {
	m := &quant.Imatrix{Datasets: datasets, ChunkSize: uint32(chunkSize), ChunkCount: uint32(chunkCount),
		Entries: map[string]*quant.ImatrixEntry{}}
	for w, e := range c.entries {
		m.Entries[w.Name] = &quant.ImatrixEntry{Columns: w.Cols, Sums: append([]float32(nil), e.sums...),
			Counts: []float32{float32(e.count)}}
	}
	return m
}

// Options control Compute.
type Options struct {
	Chunk    int // tokens per chunk, each from the zero state (llama-imatrix --chunk/-c; default 512)
	Chunks   int // at most this many chunks (0 = all)
	Progress func(done, total int)
}

// Compute runs the chunks of tokens through m and returns the collector
// and how many chunks went in. The text must hold at least one chunk.
func Compute(m *runtime.Model, tokens []int, opt Options) (*Collector, int, error) {
	if opt.Chunk <= 0 {
		opt.Chunk = 512
	}
	n := len(tokens) / opt.Chunk
	if opt.Chunks > 0 && n > opt.Chunks {
		n = opt.Chunks
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("the text has %d tokens, fewer than one chunk of %d", len(tokens), opt.Chunk)
	}
	col := NewCollector()
	ctx := m.NewContext()
	ctx.Observe(col)
	buf := make([]int32, ctx.Chunk())
	total := n * opt.Chunk
	for ci := 0; ci < n; ci++ {
		s := m.NewState()
		chunk := tokens[ci*opt.Chunk : (ci+1)*opt.Chunk]
		for i := 0; i < len(chunk); i += len(buf) {
			part := buf[:min(len(buf), len(chunk)-i)]
			for k := range part {
				part[k] = int32(chunk[i+k])
			}
			if _, err := ctx.Prefill(s, part); err != nil {
				return nil, 0, err
			}
			if opt.Progress != nil {
				opt.Progress(ci*opt.Chunk+i+len(part), total)
			}
		}
	}
	return col, n, nil
}

// WriteComparison reads the importance matrix in file other (e.g.
// llama-imatrix's) and writes to w one line comparing im with it: the
// relative differences of RelDiff and the entries only one file holds.
func WriteComparison(w io.Writer, im *quant.Imatrix, other string) error {
	them, err := quant.ReadImatrix(other)
	if err != nil {
		return err
	}
	maxRel, meanRel, only := RelDiff(im, them)
	sort.Strings(only)
	fmt.Fprintf(w, "vs %s: relative difference of sum/count per column: max %.3g, mean %.3g", other, maxRel, meanRel)
	if len(only) > 0 {
		fmt.Fprintf(w, "; in one file only: %v", only)
	}
	_, err = fmt.Fprintln(w)
	return err
}

// RelDiff compares two importance matrices entry by entry on the per-column
// means (sum/count) and returns the largest and the mean relative
// difference |a−b|/max(|a|,|b|) over all columns both hold, and the names
// present in only one of them.
func RelDiff(a, b *quant.Imatrix) (maxRel, meanRel float64, only []string) {
	var n int
	for name, ea := range a.Entries {
		eb := b.Entries[name]
		if eb == nil || eb.Columns != ea.Columns || len(eb.Counts) != len(ea.Counts) {
			only = append(only, name)
			continue
		}
		wa, wb := ea.Weights(), eb.Weights()
		for i := range wa {
			x, y := float64(wa[i]), float64(wb[i])
			d := max(abs(x), abs(y))
			if d == 0 {
				n++
				continue
			}
			r := abs(x-y) / d
			maxRel = max(maxRel, r)
			meanRel += r
			n++
		}
	}
	for name := range b.Entries {
		if a.Entries[name] == nil {
			only = append(only, name)
		}
	}
	if n > 0 {
		meanRel /= float64(n)
	}
	return maxRel, meanRel, only
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
