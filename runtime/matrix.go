package runtime

import (
	"fmt"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/quant"
)

// Matrix is a weight matrix bound to a GGUF tensor, used as out = W·x: Rows
// outputs, each the dot product of a stored row of Cols values with x. The
// data is a view into the memory map, never a copy, whatever its type.
type Matrix struct {
	Name       string
	Type       quant.Type
	Rows, Cols int
	RowBytes   int
	data       []byte
	f32        []float32 // the same bytes, when Type is F32
	f16        []uint16  // the same bytes, when Type is F16
}

// supportedMatrixTypes are the types the kernels compute with.
func supportedMatrixType(t quant.Type) bool {
	switch t {
	case quant.TypeF32, quant.TypeF16, quant.TypeQ8_0, quant.TypeQ4_0:
		return true
	}
	return false
}

func bindMatrix(g *quant.File, name string, rows, cols int) (*Matrix, error) {
	t, ok := g.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("tensor %s: missing", name)
	}
	if t.Rows() != rows || t.Cols() != cols || len(t.Dims) > 2 && t.Elements() != uint64(rows*cols) {
		return nil, fmt.Errorf("tensor %s: shape %v, want [%d %d]", name, t.Dims, cols, rows)
	}
	if !supportedMatrixType(t.Type) {
		return nil, fmt.Errorf("tensor %s: type %s is not supported (gosling runs F32, F16, Q8_0 and Q4_0; re-quantize the model with one of those)", name, t.Type)
	}
	rb, err := t.Type.RowBytes(cols)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	m := &Matrix{Name: name, Type: t.Type, Rows: rows, Cols: cols, RowBytes: rb, data: g.Bytes(t)}
	switch t.Type {
	case quant.TypeF32:
		if m.f32, err = g.F32(t); err != nil {
			return nil, err
		}
	case quant.TypeF16:
		if m.f16, err = g.U16(t); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Quantized reports whether the kernels need the input as Q8 blocks.
func (m *Matrix) Quantized() bool {
	return m.Type == quant.TypeQ8_0 || m.Type == quant.TypeQ4_0
}

// Data is the raw tensor bytes (a view into the mapping).
func (m *Matrix) Data() []byte { return m.data }

// Bytes is the size of the weights, what one product reads from memory.
func (m *Matrix) Bytes() int { return len(m.data) }

// mulRows computes out[i] = W[i]·x for rows lo..hi-1 (out indexed by row).
// For quantized weights x must already be in xq/xd (see arm64.QuantizeQ8).
func (m *Matrix) mulRows(out, x []float32, xq []int8, xd []float32, lo, hi int) {
	switch m.Type {
	case quant.TypeF32:
		arm64.MatVecF32(out[lo:hi], m.f32[lo*m.Cols:hi*m.Cols], x[:m.Cols])
	case quant.TypeF16:
		arm64.MatVecF16(out[lo:hi], m.f16[lo*m.Cols:hi*m.Cols], x[:m.Cols])
	case quant.TypeQ8_0:
		arm64.MatVecQ8_0(out[lo:hi], m.data[lo*m.RowBytes:hi*m.RowBytes], xq[:m.Cols], xd[:m.Cols/arm64.QK])
	case quant.TypeQ4_0:
		arm64.MatVecQ4_0(out[lo:hi], m.data[lo*m.RowBytes:hi*m.RowBytes], xq[:m.Cols], xd[:m.Cols/arm64.QK])
	}
}

// mulRowsT is mulRows for T input vectors: x holds T rows of Cols values
// (xq/xd their Q8 form) and out T rows of Rows values; rows lo..hi-1 of
// every output row are computed, reading each weight row once.
func (m *Matrix) mulRowsT(out, x []float32, xq []int8, xd []float32, T, lo, hi int) {
	o := out[lo:]
	switch m.Type {
	case quant.TypeF32:
		arm64.MatMulF32(o, m.Rows, m.f32[lo*m.Cols:hi*m.Cols], x[:T*m.Cols], T)
	case quant.TypeF16:
		arm64.MatMulF16(o, m.Rows, m.f16[lo*m.Cols:hi*m.Cols], x[:T*m.Cols], T)
	case quant.TypeQ8_0:
		arm64.MatMulQ8_0(o, m.Rows, m.data[lo*m.RowBytes:hi*m.RowBytes], xq[:T*m.Cols], xd[:T*m.Cols/arm64.QK], T)
	case quant.TypeQ4_0:
		arm64.MatMulQ4_0(o, m.Rows, m.data[lo*m.RowBytes:hi*m.RowBytes], xq[:T*m.Cols], xd[:T*m.Cols/arm64.QK], T)
	}
}

// row writes row i of the matrix, dequantized, to out (len Cols): the
// embedding lookup.
func (m *Matrix) row(out []float32, i int) error {
	return quant.Dequantize(m.Type, out[:m.Cols], m.data[i*m.RowBytes:(i+1)*m.RowBytes])
}

// vector binds a 1-D weight (any shape with the given element count) as
// float32. F32 tensors are views into the map; the few small vectors stored
// in F16 are converted once at load.
func bindVector(g *quant.File, name string, n int) ([]float32, error) {
	t, ok := g.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("tensor %s: missing", name)
	}
	if t.Elements() != uint64(n) {
		return nil, fmt.Errorf("tensor %s: shape %v has %d values, want %d", name, t.Dims, t.Elements(), n)
	}
	switch t.Type {
	case quant.TypeF32:
		return g.F32(t)
	case quant.TypeF16, quant.TypeBF16:
		out := make([]float32, n)
		if err := quant.Dequantize(t.Type, out, g.Bytes(t)); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", name, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("tensor %s: type %s is not supported for a vector (want F32 or F16)", name, t.Type)
}
