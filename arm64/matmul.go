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
// twins give identical bits).

// MatMulF32 is the prefill form of MatVecF32.
func MatMulF32(out []float32, ldOut int, w, x []float32, T int) {
	matMulF32(out, ldOut, w, x, T)
}

// MatMulF16 is the prefill form of MatVecF16.
func MatMulF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	matMulF16(out, ldOut, w, x, T)
}

// MatMulQ8_0 is the prefill form of MatVecQ8_0; xq, xd hold T activation
// vectors quantized by QuantizeQ8 (each quantized on its own, or all at
// once: QuantizeQ8 works block by block).
func MatMulQ8_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ8_0(out, ldOut, w, xq, xd, T)
}

// MatMulQ4_0 is the prefill form of MatVecQ4_0.
func MatMulQ4_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ4_0(out, ldOut, w, xq, xd, T)
}

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

func q8RowLen(cols int) int {
	if cols%QK != 0 {
		return 0
	}
	return cols / QK * BlockQ8_0
}

func q4RowLen(cols int) int {
	if cols%QK != 0 {
		return 0
	}
	return cols / QK * BlockQ4_0
}

// The generic twins walk rows outermost so that each weight row is read
// from memory once and then served from cache for the T tokens.

func matMulF32Generic(out []float32, ldOut int, w, x []float32, T int) {
	cols, rows := matMulShape(KernelMatMulF32, len(out), ldOut, len(w), len(x), T, f32RowLen)
	for i := 0; i < rows; i++ {
		row := w[i*cols : (i+1)*cols]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dotF32Generic(row, x[t*cols:(t+1)*cols])
		}
	}
}

func matMulF16Generic(out []float32, ldOut int, w []uint16, x []float32, T int) {
	cols, rows := matMulShape(KernelMatMulF16, len(out), ldOut, len(w), len(x), T, f32RowLen)
	for i := 0; i < rows; i++ {
		row := w[i*cols : (i+1)*cols]
		for t := 0; t < T; t++ {
			matVecF16Generic(out[t*ldOut+i:t*ldOut+i+1], row, x[t*cols:(t+1)*cols])
		}
	}
}

func matMulQ8_0Generic(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	cols, rows := matMulShape(KernelMatMulQ8_0, len(out), ldOut, len(w), len(xq), T, q8RowLen)
	nb, rb := cols/QK, cols/QK*BlockQ8_0
	_ = xd[T*nb-1]
	for i := 0; i < rows; i++ {
		row := w[i*rb : (i+1)*rb]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dotQ8_0Generic(row, xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
		}
	}
}

func matMulQ4_0Generic(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	cols, rows := matMulShape(KernelMatMulQ4_0, len(out), ldOut, len(w), len(xq), T, q4RowLen)
	nb, rb := cols/QK, cols/QK*BlockQ4_0
	_ = xd[T*nb-1]
	for i := 0; i < rows; i++ {
		row := w[i*rb : (i+1)*rb]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dotQ4_0Generic(row, xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
		}
	}
}
