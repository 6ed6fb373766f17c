package runtime

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gosling-edge/gosling/quant"
)

// The rows llama.cpp wrote in every type (quant/testdata/llama-types.gguf:
// tensor T as llama-quantize wrote it, T.f32 ggml's dequantization of it)
// bind as matrices, in place, and their products (one vector and three)
// equal ggml's dequantized rows times the input within the error of the
// input's quantization: half a quantization step per value.
func TestLlamaWrittenTypesBind(t *testing.T) {
	g, err := quant.Open(filepath.Join("..", "quant", "testdata", "llama-types.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	r := rand.New(rand.NewPCG(13, 13))
	seen := map[quant.Type]bool{}
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		ref, ok := g.Tensor(ti.Name + ".f32")
		if !ok || !supportedMatrixType(ti.Type) {
			continue
		}
		rows, cols := ti.Rows(), ti.Cols()
		m, err := bindMatrix(g, ti.Name, rows, cols)
		if err != nil {
			t.Errorf("%s: %v", ti.Name, err)
			continue
		}
		if &m.data[0] != &g.Bytes(ti)[0] {
			t.Errorf("%s: the matrix is a copy, not the mapping", ti.Name)
		}
		seen[ti.Type] = true
		deq, err := g.F32(ref)
		if err != nil {
			t.Fatal(err)
		}
		const T = 3
		x := make([]float32, T*cols)
		for j := range x {
			x[j] = float32(r.NormFloat64())
		}
		x[5] = 20 // an outlier: a coarse activation block
		buf := acts{q: make([]int8, T*cols), d: make([]float32, T*cols/32), s: make([]float32, T*cols/32), bs: make([]int16, T*cols/16)}
		one := make([]float32, rows)
		all := make([]float32, T*rows)
		aT := quantizeInput(m.act(), buf, x)
		m.mulRowsT(all, x, &aT, T, 0, rows)
		for tk := 0; tk < T; tk++ {
			xt := x[tk*cols : (tk+1)*cols]
			a := quantizeInput(m.act(), buf, xt)
			m.mulRows(one, xt, &a, 0, rows)
			step := actSteps(m.act(), a, cols)
			for row := 0; row < rows; row++ {
				var want, bound, mag float64
				for j := 0; j < cols; j++ {
					w := float64(deq[row*cols+j])
					want += w * float64(xt[j])
					bound += math.Abs(w) * step[j] / 2
					mag += math.Abs(w * float64(xt[j]))
				}
				bound += 1e-5 * mag
				if d := math.Abs(float64(one[row]) - want); d > bound {
					t.Errorf("%s row %d token %d: %g, ggml's dequantized row gives %g (bound %g)", ti.Name, row, tk, one[row], want, bound)
				}
				if math.Abs(float64(all[tk*rows+row])-float64(one[row])) > 1e-6*mag {
					t.Errorf("%s row %d token %d: matrix × matrix %g, matrix × vector %g", ti.Name, row, tk, all[tk*rows+row], one[row])
				}
			}
		}
	}
	for _, typ := range []quant.Type{quant.TypeBF16, quant.TypeQ4_1, quant.TypeQ5_0, quant.TypeQ5_1, quant.TypeQ2_K, quant.TypeQ3_K, quant.TypeQ4_K, quant.TypeQ5_K, quant.TypeQ6_K, quant.TypeIQ4_NL, quant.TypeIQ4_XS} {
		if !seen[typ] {
			t.Errorf("%s: no llama.cpp-written tensor bound", typ)
		}
	}
}

// actSteps is the quantization step of each of n input values in a.
func actSteps(kind actKind, a acts, n int) []float64 {
	step := make([]float64, n)
	for j := range step {
		switch kind {
		case actQ8, actQ8_1:
			step[j] = math.Abs(float64(a.d[j/32]))
		case actQ8_K:
			step[j] = math.Abs(float64(a.d[j/256]))
		}
	}
	return step
}
