package eval

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
)

// Report is a Result with the two models it compares: what `gosling eval
// --json` prints.
type Report struct {
	Quant  ModelInfo `json:"quant"`
	Ref    ModelInfo `json:"ref"`
	Result Result    `json:"result"`
}

// ModelInfo describes one side of a Report.
type ModelInfo struct {
	Path          string  `json:"path"`
	WeightBytes   int64   `json:"weight_bytes"`
	BitsPerWeight float64 `json:"bits_per_weight"`
	Types         string  `json:"types"` // tensor types and counts in file order, e.g. "F32×36 Q8_0×14"
}

// Describe is m, loaded from path, as a Report names it.
func Describe(path string, m *runtime.Model) ModelInfo {
	var parts []string
	for _, t := range m.File.TypeTotals() {
		parts = append(parts, fmt.Sprintf("%s×%d", t.Type, t.Tensors))
	}
	return ModelInfo{Path: path, WeightBytes: m.WeightBytes(), BitsPerWeight: BitsPerWeight(m),
		Types: strings.Join(parts, " ")}
}

// ParseTokens reads token ids separated by commas and/or white space (the
// form of a tokens file).
func ParseTokens(s string) ([]int, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r'
	})
	ids := make([]int, 0, len(fields))
	for _, f := range fields {
		id, err := strconv.Atoi(f)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("%q is not a token id", f)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no token ids")
	}
	return ids, nil
}

// WriteText prints the report for a reader, as gosling eval does.
func (r Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	w = bw
	res := r.Result
	for _, d := range []struct {
		label string
		m     ModelInfo
	}{{"quant", r.Quant}, {"ref  ", r.Ref}} {
		fmt.Fprintf(w, "%s %s: %.2f MiB of tensors, %.3f bits/weight (%s)\n", d.label, d.m.Path,
			float64(d.m.WeightBytes)/(1<<20), d.m.BitsPerWeight, d.m.Types)
	}
	fmt.Fprintf(w, "tokens           %d (vocabulary rows %d)\n", res.Tokens, res.Vocab)
	fmt.Fprintf(w, "KL(ref‖quant)    mean %.4g  median %.4g  p99 %.4g  max %.4g (step %d) nats\n",
		res.MeanKL, res.MedianKL, res.P99KL, res.MaxKL, res.MaxKLAt)
	fmt.Fprintf(w, "top-1 agreement  %d/%d = %.2f %%\n", res.Top1Agree, res.Tokens, 100*res.Top1)
	fmt.Fprintf(w, "|Δlogit|         max %.4g (step %d, id %d)  mean %.4g\n",
		res.MaxAbsDiff, res.MaxAbsDiffAt[0], res.MaxAbsDiffAt[1], res.MeanAbsDiff)
	if res.Predicted > 0 {
		fmt.Fprintf(w, "perplexity       ref %.4f  quant %.4f (%+.3f %%) over %d predictions\n",
			res.PPLRef, res.PPLQuant, 100*(res.PPLQuant/res.PPLRef-1), res.Predicted)
	} else {
		fmt.Fprintln(w, "perplexity       n/a (needs at least two tokens)")
	}
	if res.Infinities > 0 {
		fmt.Fprintf(w, "warning          %d steps had non-finite logits (counted as infinite KL)\n", res.Infinities)
	}
	return bw.Flush()
}
