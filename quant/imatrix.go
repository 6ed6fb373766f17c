package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
)

// An importance matrix says, per weight matrix, how strongly each input
// column is driven by typical activations: for a matrix W applied as W·x it
// holds Σ x_j² over the calibration tokens for every column j. Quantizers
// weigh their errors by it, so the columns that matter keep more precision.
//
// The file format is llama.cpp's GGUF imatrix (what llama-imatrix writes and
// llama-quantize --imatrix reads): metadata general.type = "imatrix",
// imatrix.datasets (string array), imatrix.chunk_count and
// imatrix.chunk_size (uint32); then, per weight tensor NAME in name order, an
// F32 tensor NAME.in_sum2 of shape [columns, matrices] (the sums; several
// matrices for a mixture-of-experts tensor) and an F32 tensor NAME.counts of
// shape [1, matrices] (how many activation rows went into each matrix's
// sums).

// Imatrix key names, as llama.cpp spells them.
const (
	imatrixKeyType       = "general.type"
	imatrixKeyDatasets   = "imatrix.datasets"
	imatrixKeyChunkCount = "imatrix.chunk_count"
	imatrixKeyChunkSize  = "imatrix.chunk_size"
	imatrixSumsSuffix    = ".in_sum2"
	imatrixCountsSuffix  = ".counts"
)

// Imatrix is an importance matrix file.
type Imatrix struct {
	Datasets   []string // the calibration files it was computed on
	ChunkCount uint32   // chunks of text processed
	ChunkSize  uint32   // tokens per chunk
	Entries    map[string]*ImatrixEntry
}

// ImatrixEntry is the importance data of one weight tensor.
type ImatrixEntry struct {
	Columns int       // input columns (the weight's row length)
	Sums    []float32 // Σ x² per column, matrix after matrix: len = Columns·len(Counts)
	Counts  []float32 // activation rows summed, per matrix
}

// Weights returns the per-column importance llama-quantize hands its
// quantizers: for each matrix, Sums/count with the count rounded to an
// integer first (llama.cpp reads counts with lround), or 1 everywhere for a
// matrix that saw no activations. The result has Columns·len(Counts) values,
// matrix after matrix.
func (e *ImatrixEntry) Weights() []float32 {
	w := make([]float32, len(e.Sums))
	for m, c := range e.Counts {
		count := float32(int64(math.Round(float64(c))))
		for i := 0; i < e.Columns; i++ {
			if count > 0 {
				w[m*e.Columns+i] = e.Sums[m*e.Columns+i] / count
			} else {
				w[m*e.Columns+i] = 1
			}
		}
	}
	return w
}

// ParseImatrix reads an importance matrix from a parsed GGUF file. The
// entries' data are copied, so g may be closed afterwards.
func ParseImatrix(g *File) (*Imatrix, error) {
	m := &Imatrix{Entries: map[string]*ImatrixEntry{}}
	if v, ok := g.Meta.Get(imatrixKeyType); ok {
		if s, _ := v.V.(string); s != "imatrix" {
			return nil, fmt.Errorf("imatrix: general.type is %v, want \"imatrix\"", v.V)
		}
	}
	if _, ok := g.Meta.Get(imatrixKeyDatasets); ok {
		ds, err := g.Meta.Strings(imatrixKeyDatasets)
		if err != nil {
			return nil, fmt.Errorf("imatrix: %w", err)
		}
		m.Datasets = ds
	}
	for key, dst := range map[string]*uint32{imatrixKeyChunkCount: &m.ChunkCount, imatrixKeyChunkSize: &m.ChunkSize} {
		if _, ok := g.Meta.Get(key); !ok {
			continue
		}
		v, err := g.Meta.Uint(key)
		if err != nil || v > math.MaxUint32 {
			return nil, fmt.Errorf("imatrix: %s: %v out of range or not an integer (%v)", key, v, err)
		}
		*dst = uint32(v)
	}
	type pair struct{ sums, counts *TensorInfo }
	pairs := map[string]*pair{}
	for i := range g.Tensors {
		t := &g.Tensors[i]
		var name string
		var isSums bool
		switch {
		case strings.HasSuffix(t.Name, imatrixSumsSuffix):
			name, isSums = strings.TrimSuffix(t.Name, imatrixSumsSuffix), true
		case strings.HasSuffix(t.Name, imatrixCountsSuffix):
			name = strings.TrimSuffix(t.Name, imatrixCountsSuffix)
		default:
			continue // llama.cpp ignores other tensors too
		}
		if name == "" {
			continue
		}
		p := pairs[name]
		if p == nil {
			p = &pair{}
			pairs[name] = p
		}
		if isSums {
			p.sums = t
		} else {
			p.counts = t
		}
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("imatrix: no %s/%s tensors", imatrixSumsSuffix, imatrixCountsSuffix)
	}
	for name, p := range pairs {
		if p.sums == nil || p.counts == nil {
			return nil, fmt.Errorf("imatrix: %s has sums without counts or counts without sums", name)
		}
		sums, err := f32Copy(g, p.sums)
		if err != nil {
			return nil, fmt.Errorf("imatrix: %w", err)
		}
		counts, err := f32Copy(g, p.counts)
		if err != nil {
			return nil, fmt.Errorf("imatrix: %w", err)
		}
		if len(counts) == 0 || len(sums)%len(counts) != 0 {
			return nil, fmt.Errorf("imatrix: %s: %d sums for %d matrices", name, len(sums), len(counts))
		}
		m.Entries[name] = &ImatrixEntry{Columns: len(sums) / len(counts), Sums: sums, Counts: counts}
	}
	return m, nil
}

// ReadImatrix opens and reads an importance matrix file.
func ReadImatrix(path string) (*Imatrix, error) {
	g, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	m, err := ParseImatrix(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// f32Copy returns an F32 tensor's values as a new slice.
func f32Copy(g *File, t *TensorInfo) ([]float32, error) {
	if t.Type != TypeF32 {
		return nil, fmt.Errorf("tensor %s is %s, want F32", t.Name, t.Type)
	}
	b := g.Bytes(t)
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// Writer returns a GGUF writer holding m as llama-imatrix lays it out
// (metadata, then each entry's in_sum2 and counts, entries in name order),
// ready for WriteFile.
func (m *Imatrix) Writer() (*Writer, error) {
	w := NewWriter()
	w.Add(imatrixKeyType, "imatrix")
	w.Add(imatrixKeyDatasets, append([]string{}, m.Datasets...))
	w.Add(imatrixKeyChunkCount, m.ChunkCount)
	w.Add(imatrixKeyChunkSize, m.ChunkSize)
	names := make([]string, 0, len(m.Entries))
	for name := range m.Entries {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		e := m.Entries[name]
		nmat := len(e.Counts)
		if nmat == 0 || e.Columns <= 0 || len(e.Sums) != e.Columns*nmat {
			return nil, fmt.Errorf("imatrix entry %s: %d sums for %d columns × %d matrices", name, len(e.Sums), e.Columns, nmat)
		}
		if err := w.AddTensorBytes(name+imatrixSumsSuffix, TypeF32, ggmlDims(uint64(e.Columns), uint64(nmat)), f32Bytes(e.Sums)); err != nil {
			return nil, err
		}
		if err := w.AddTensorBytes(name+imatrixCountsSuffix, TypeF32, ggmlDims(1, uint64(nmat)), f32Bytes(e.Counts)); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// WriteFile writes m to path in llama.cpp's GGUF imatrix format.
func (m *Imatrix) WriteFile(path string) error {
	w, err := m.Writer()
	if err != nil {
		return err
	}
	return w.WriteFile(path, nil)
}

// ggmlDims drops trailing dimensions of 1, as gguf files written by ggml
// record a tensor (ggml_n_dims): a [128, 1] tensor is stored as [128].
func ggmlDims(dims ...uint64) []uint64 {
	for len(dims) > 1 && dims[len(dims)-1] == 1 {
		dims = dims[:len(dims)-1]
	}
	return dims
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	encodeF32(b, v)
	return b
}
