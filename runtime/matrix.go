package runtime

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

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
	f16        []uint16  // the same bytes, when Type is F16 or BF16

	// The weights are checked for NaN and Inf the first time the matrix
	// is used (see Context.verify), not at load: a model starts without
	// reading its file, and a damaged one fails its first step naming the
	// tensor instead of printing garbage. finite (set once the check
	// passed) is the one atomic load every later use pays; a bad matrix
	// takes the slow path and its kept verdict every time.
	finite   atomic.Bool
	checkMu  sync.Mutex
	checked  bool
	checkErr error // the verdict, once checked
}

// actKind is the form a matrix wants its input in: the kernels of the
// block types multiply integer codes with the input quantized as ggml pairs
// it with that type.
type actKind int

const (
	actFloat actKind = iota // the float32 vector itself
	actQ8                   // arm64.QuantizeQ8: Q8_0, Q4_0, Q5_0, IQ4_NL
	actQ8_1                 // arm64.QuantizeQ8_1 (with block sums): Q4_1, Q5_1
	actQ8_K                 // arm64.QuantizeQ8_K (256-value blocks): the K types, IQ4_XS
)

// matrixKernel is a type's input form and, for the block types, its
// matrix × vector (mv) and prefill (mm) kernels over rows of raw weights,
// adapted to take the input as acts. The float types' kernels read the
// matrix's typed view instead (see mulRows).
type matrixKernel struct {
	act actKind
	mv  func(out []float32, w []byte, a *acts)
	mm  func(out []float32, ldOut int, w []byte, a *acts, T int)
}

func q8Kernel(mv func([]float32, []byte, []int8, []float32), mm func([]float32, int, []byte, []int8, []float32, int)) matrixKernel {
	return matrixKernel{actQ8,
		func(out []float32, w []byte, a *acts) { mv(out, w, a.q, a.d) },
		func(out []float32, ld int, w []byte, a *acts, T int) { mm(out, ld, w, a.q, a.d, T) }}
}

func q8_1Kernel(mv func([]float32, []byte, []int8, []float32, []float32), mm func([]float32, int, []byte, []int8, []float32, []float32, int)) matrixKernel {
	return matrixKernel{actQ8_1,
		func(out []float32, w []byte, a *acts) { mv(out, w, a.q, a.d, a.s) },
		func(out []float32, ld int, w []byte, a *acts, T int) { mm(out, ld, w, a.q, a.d, a.s, T) }}
}

func q8_KKernel(mv func([]float32, []byte, []int8, []float32, []int16), mm func([]float32, int, []byte, []int8, []float32, []int16, int)) matrixKernel {
	return matrixKernel{actQ8_K,
		func(out []float32, w []byte, a *acts) { mv(out, w, a.q, a.d, a.bs) },
		func(out []float32, ld int, w []byte, a *acts, T int) { mm(out, ld, w, a.q, a.d, a.bs, T) }}
}

// matrixTypes are the types the kernels compute with, the input each takes
// and its kernels. Others (the IQ1/IQ2/IQ3 and ternary types, …) are
// refused at load.
var matrixTypes = map[quant.Type]matrixKernel{
	quant.TypeF32: {act: actFloat}, quant.TypeF16: {act: actFloat}, quant.TypeBF16: {act: actFloat},
	quant.TypeQ8_0:   q8Kernel(arm64.MatVecQ8_0, arm64.MatMulQ8_0),
	quant.TypeQ4_0:   q8Kernel(arm64.MatVecQ4_0, arm64.MatMulQ4_0),
	quant.TypeQ5_0:   q8Kernel(arm64.MatVecQ5_0, arm64.MatMulQ5_0),
	quant.TypeIQ4_NL: q8Kernel(arm64.MatVecIQ4_NL, arm64.MatMulIQ4_NL),
	quant.TypeQ4_1:   q8_1Kernel(arm64.MatVecQ4_1, arm64.MatMulQ4_1),
	quant.TypeQ5_1:   q8_1Kernel(arm64.MatVecQ5_1, arm64.MatMulQ5_1),
	quant.TypeQ2_K:   q8_KKernel(arm64.MatVecQ2_K, arm64.MatMulQ2_K),
	quant.TypeQ3_K:   q8_KKernel(arm64.MatVecQ3_K, arm64.MatMulQ3_K),
	quant.TypeQ4_K:   q8_KKernel(arm64.MatVecQ4_K, arm64.MatMulQ4_K),
	quant.TypeQ5_K:   q8_KKernel(arm64.MatVecQ5_K, arm64.MatMulQ5_K),
	quant.TypeQ6_K:   q8_KKernel(arm64.MatVecQ6_K, arm64.MatMulQ6_K),
	quant.TypeIQ4_XS: q8_KKernel(arm64.MatVecIQ4_XS, arm64.MatMulIQ4_XS),
}

// supportedMatrixType reports whether the kernels compute with t.
func supportedMatrixType(t quant.Type) bool { _, ok := matrixTypes[t]; return ok }

func bindMatrix(g *quant.File, name string, rows, cols int) (*Matrix, error) {
	t, ok := g.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("tensor %s: missing", name)
	}
	if t.Rows() != rows || t.Cols() != cols || len(t.Dims) > 2 && t.Elements() != uint64(rows*cols) {
		return nil, fmt.Errorf("tensor %s: shape %v, want [%d %d]", name, t.Dims, cols, rows)
	}
	if !supportedMatrixType(t.Type) {
		return nil, fmt.Errorf("tensor %s: type %s is not supported (gosling runs F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL and IQ4_XS; re-quantize the model with one of those)", name, t.Type)
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
	case quant.TypeF16, quant.TypeBF16:
		if m.f16, err = g.U16(t); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// verifyJob scans a matrix's rows for NaN and Inf on the pool, keeping the
// lowest bad row's finding. It lives in the Context: dispatching it
// allocates nothing.
type verifyJob struct {
	m     *Matrix
	mu    sync.Mutex
	bad   bool
	found quant.NonFinite
}

func (j *verifyJob) run(lo, hi int) {
	m := j.m
	nf, bad := quant.FindNonFinite(m.Type, m.data[lo*m.RowBytes:hi*m.RowBytes])
	if !bad {
		return
	}
	nf.Index += lo * m.Cols
	j.mu.Lock()
	if !j.bad || nf.Index < j.found.Index {
		j.bad, j.found = true, nf
	}
	j.mu.Unlock()
}

// verify checks w on its first use and returns the verdict, kept for
// every later use. Contexts sharing the model check each matrix once.
func (c *Context) verify(w *Matrix) error {
	w.checkMu.Lock()
	defer w.checkMu.Unlock()
	if w.checked {
		return w.checkErr
	}
	j := &c.vj
	j.m, j.bad = w, false
	if err := c.m.pool.Run(j, w.Rows); err != nil {
		return err // a fault: not a verdict on the weights
	}
	if j.bad {
		w.checkErr = &quant.NonFiniteError{Tensor: w.Name, Type: w.Type, NonFinite: j.found}
	}
	j.m = nil
	w.checked = true
	w.finite.Store(w.checkErr == nil)
	return w.checkErr
}

// Verify reads the whole matrix on the calling goroutine and returns the
// verdict its first use on the CPU gives (a *quant.NonFiniteError), kept
// for later uses. A back end that copies the weights elsewhere, reading
// them all anyway, calls it as it copies.
func (m *Matrix) Verify() error {
	m.checkMu.Lock()
	defer m.checkMu.Unlock()
	if !m.checked {
		if nf, bad := quant.FindNonFinite(m.Type, m.data); bad {
			m.checkErr = &quant.NonFiniteError{Tensor: m.Name, Type: m.Type, NonFinite: nf}
		}
		m.checked = true
		m.finite.Store(m.checkErr == nil)
	}
	return m.checkErr
}

// checkVector refuses a NaN or Inf in a small weight vector; these are
// read whole at load anyway (a few kilobytes per layer).
func checkVector(name string, v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return &quant.NonFiniteError{Tensor: name, Type: quant.TypeF32, NonFinite: quant.NonFinite{Index: i, Value: x}}
		}
	}
	return nil
}

// Quantized reports whether the kernels need the input quantized (to Q8
// blocks of some form; see actKind).
func (m *Matrix) Quantized() bool { return matrixTypes[m.Type].act != actFloat }

// act is the input form m's kernels take.
func (m *Matrix) act() actKind { return matrixTypes[m.Type].act }

// Data is the raw tensor bytes (a view into the mapping).
func (m *Matrix) Data() []byte { return m.data }

// Bytes is the size of the weights, what one product reads from memory.
func (m *Matrix) Bytes() int { return len(m.data) }

// acts is an input in the quantized form a matrix wants (see actKind), for
// T vectors: q the codes, d the block scales, s the block sums (actQ8_1),
// bs the sums of each 16 codes (actQ8_K). Slices the form does not use are
// left as they are.
type acts struct {
	q  []int8
	d  []float32
	s  []float32
	bs []int16
}

// quantizeInput fills a (whose buffers hold at least len(x) codes) with x in
// the form kind; it returns the slices sized to x.
func quantizeInput(kind actKind, a acts, x []float32) acts {
	n := len(x)
	switch kind {
	case actQ8:
		a = acts{q: a.q[:n], d: a.d[:n/arm64.QK]}
		arm64.QuantizeQ8(a.q, a.d, x)
	case actQ8_1:
		a = acts{q: a.q[:n], d: a.d[:n/arm64.QK], s: a.s[:n/arm64.QK]}
		arm64.QuantizeQ8_1(a.q, a.d, a.s, x)
	case actQ8_K:
		a = acts{q: a.q[:n], d: a.d[:n/arm64.QKK], bs: a.bs[:n/16]}
		arm64.QuantizeQ8_K(a.q, a.d, a.bs, x)
	default:
		a = acts{}
	}
	return a
}

// mulRows computes out[i] = W[i]·x for rows lo..hi-1 (out indexed by row).
// For quantized weights x must already be in a (see quantizeInput).
func (m *Matrix) mulRows(out, x []float32, a *acts, lo, hi int) {
	w := m.data[lo*m.RowBytes : hi*m.RowBytes]
	o := out[lo:hi]
	switch m.Type {
	case quant.TypeF32:
		arm64.MatVecF32(o, m.f32[lo*m.Cols:hi*m.Cols], x[:m.Cols])
	case quant.TypeF16:
		arm64.MatVecF16(o, m.f16[lo*m.Cols:hi*m.Cols], x[:m.Cols])
	case quant.TypeBF16:
		arm64.MatVecBF16(o, m.f16[lo*m.Cols:hi*m.Cols], x[:m.Cols])
	default:
		matrixTypes[m.Type].mv(o, w, a)
	}
}

// mulRowsT is mulRows for T input vectors: x holds T rows of Cols values
// (a their quantized form) and out T rows of Rows values; rows lo..hi-1 of
// every output row are computed, reading each weight row once.
func (m *Matrix) mulRowsT(out, x []float32, a *acts, T, lo, hi int) {
	o := out[lo:]
	w := m.data[lo*m.RowBytes : hi*m.RowBytes]
	switch m.Type {
	case quant.TypeF32:
		arm64.MatMulF32(o, m.Rows, m.f32[lo*m.Cols:hi*m.Cols], x[:T*m.Cols], T)
	case quant.TypeF16:
		arm64.MatMulF16(o, m.Rows, m.f16[lo*m.Cols:hi*m.Cols], x[:T*m.Cols], T)
	case quant.TypeBF16:
		arm64.MatMulBF16(o, m.Rows, m.f16[lo*m.Cols:hi*m.Cols], x[:T*m.Cols], T)
	default:
		matrixTypes[m.Type].mm(o, m.Rows, w, a, T)
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
		v, err := g.F32(t)
		if err != nil {
			return nil, err
		}
		return v, checkVector(name, v)
	case quant.TypeF16, quant.TypeBF16:
		out := make([]float32, n)
		if err := quant.Dequantize(t.Type, out, g.Bytes(t)); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", name, err)
		}
		return out, checkVector(name, out)
	}
	return nil, fmt.Errorf("tensor %s: type %s is not supported for a vector (want F32 or F16)", name, t.Type)
}
