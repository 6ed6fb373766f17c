package arm64

import "fmt"

// The MatMul kernels are the prefill form of the MatVec kernels: one weight
// matrix times T activation vectors at once, so that a chunk of prompt
// tokens reads the weights once instead of once per token. For every
// token t < T and row i < rows
//
//	out[t·ldOut + i] = Σ_j W[i][j]·x_t[j]
//
// where cols = len(x)/T (len(xq)/T for the quantized kernels), x_t is the
// t-th run of cols values of x (xq, with its scales in xd[t·cols/QK:]) and
// rows is the number of whole rows in w. Rows are stored as for the MatVec
// kernels, so a row range is passed by slicing w and out (out[lo:]) while
// ldOut stays the full output width. out must hold (T−1)·ldOut + rows
// values and ldOut ≥ rows; nothing else in out is written.
//
// With the same implementation, the result for token t equals what the
// MatVec kernel returns for x_t up to float summation order (the generic
// twins give identical bits). The float kernels are in matmul_f*.go, the
// quantized ones in matmul_q*.go; this file and matmul_asm.go hold what
// they share.

// matMulShape checks the arguments shared by all MatMul kernels and returns
// the number of columns and rows. n is len(x) (or len(xq)); rowLen maps
// cols to the length of one row of w in w's element type.
func matMulShape(kernel string, nOut, ldOut, nW, n, T int, rowLen func(cols int) int) (cols, rows int) {
	if T <= 0 || n%T != 0 {
		panic(fmt.Sprintf("arm64.%s: %d activation values are not %d vectors", kernel, n, T))
	}
	cols = n / T
	rl := rowLen(cols)
	if rl == 0 {
		panic(fmt.Sprintf("arm64.%s: %d columns do not make a row", kernel, cols))
	}
	rows = nW / rl
	if ldOut < rows || rows > 0 && nOut < (T-1)*ldOut+rows {
		panic(fmt.Sprintf("arm64.%s: output of %d values (stride %d) is too small for %d×%d", kernel, nOut, ldOut, T, rows))
	}
	return cols, rows
}

func f32RowLen(cols int) int { return cols }

// matMulQ8Shape is matMulShape for the kernels over QuantizeQ8
// activations: it also checks that xd holds the T tokens' scales, as the
// generic twins do (even with no rows to compute), and returns the blocks
// per row and the bytes per weight row.
func matMulQ8Shape(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, T, blockBytes int) (cols, rows, nb, rb int) {
	cols, rows = matMulShape(kernel, len(out), ldOut, len(w), len(xq), T, func(c int) int { return blockRowLen(c, QK, blockBytes) })
	nb = cols / QK
	_ = xd[T*nb-1]
	return cols, rows, nb, nb * blockBytes
}
