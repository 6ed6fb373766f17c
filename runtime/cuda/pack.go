//go:build cuda

package cuda

import (
	goruntime "runtime"
	"sync"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
)

// packed is the set of matrices repacked in device memory: the quantized
// ones the product kernels read. The embedding (read a row at a time by
// the embed kernel) and the LoRA second stages (read by the time-mix
// kernel) keep the file layout.
func (b *Backend) packed() map[*runtime.Matrix]bool {
	keep := map[*runtime.Matrix]bool{b.m.Emb: true}
	for i := range b.m.Blocks {
		l := &b.m.Blocks[i]
		for _, mat := range []*runtime.Matrix{l.W2, l.A2, l.G2, l.V2} {
			keep[mat] = true
		}
	}
	pack := map[*runtime.Matrix]bool{}
	for _, mat := range matrices(b.m) {
		if mat.Quantized() && !keep[mat] {
			pack[mat] = true
		}
	}
	return pack
}

func packedType(t quant.Type) int64 {
	if t == quant.TypeQ4_0 {
		return typeQ4_0Packed
	}
	return typeQ8_0Packed
}

// packedRowBytes is the quant bytes of one row of the repacked matrix.
func packedRowBytes(mat *runtime.Matrix) int {
	if mat.Type == quant.TypeQ4_0 {
		return mat.Cols / 2
	}
	return mat.Cols
}

// packQuant writes a Q8_0 or Q4_0 matrix as TYPE_Q8_0P/TYPE_Q4_0P (see
// common.cuh): every row's quants (the blocks' bytes after their scale, in
// order), then every block's fp16 scale, row after row. Same size as the
// file's layout. dst is reused when large enough.
func packQuant(dst []byte, mat *runtime.Matrix) []byte {
	src := mat.Data()
	blockBytes := mat.Type.BlockBytes()
	quantBytes := blockBytes - 2
	nb := mat.Cols / quant.QK
	qRow := nb * quantBytes
	if cap(dst) < len(src) {
		dst = make([]byte, len(src))
	}
	dst = dst[:len(src)]
	scales := dst[mat.Rows*qRow:]
	parallelRows(mat.Rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := src[r*mat.RowBytes : (r+1)*mat.RowBytes]
			q := dst[r*qRow : (r+1)*qRow]
			sc := scales[2*r*nb : 2*(r+1)*nb]
			for k := 0; k < nb; k++ {
				blk := row[k*blockBytes : (k+1)*blockBytes]
				sc[2*k], sc[2*k+1] = blk[0], blk[1]
				copy(q[k*quantBytes:(k+1)*quantBytes], blk[2:])
			}
		}
	})
	return dst
}

// parallelRows runs f over [0, n) split among the CPUs.
func parallelRows(n int, f func(lo, hi int)) {
	workers := min(goruntime.GOMAXPROCS(0), max(n/256, 1))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
