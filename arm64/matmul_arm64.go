//go:build !purego

package arm64

// Prefill kernels: the SDOT tiles of matmul_q_arm64.s (4 rows × 8 or 4
// tokens) cover the rows in multiples of 4 and the tokens in multiples of
// 4; the remaining tokens and rows run the matvec kernel of the same
// implementation, whose results are bit-identical. The ARMv8.0 and float
// paths run the matvec kernel token by token over row blocks small enough
// to stay in cache, so memory traffic is still one pass over the weights.

//go:noescape
func matMulQ8_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ8_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ4_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ4_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

type matMulTile func(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

// matMulQuantDot runs a quantized product with the SDOT tiles t8, t4 and
// the matvec kernel mv for the rest. The shapes are checked by
// matMulShape (panics like the generic twin).
func matMulQuantDot(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int,
	rowLen func(int) int, blockBytes int, t8, t4 matMulTile, mv func(out []float32, w []byte, xq []int8, xd []float32)) {
	cols, rows := matMulShape(kernel, len(out), ldOut, len(w), len(xq), T, rowLen)
	nb := cols / QK
	if rows == 0 {
		return
	}
	_ = xd[T*nb-1]
	rb := nb * blockBytes
	rows4 := rows &^ 3
	t := 0
	if rows4 > 0 {
		if n8 := T / 8; n8 > 0 {
			t8(&out[0], ldOut, &w[0], rows4, rb, &xq[0], &xd[0], nb, n8)
			t = n8 * 8
		}
		if T-t >= 4 {
			t4(&out[t*ldOut], ldOut, &w[0], rows4, rb, &xq[t*cols], &xd[t*nb], nb, 1)
			t += 4
		}
	}
	// Tokens left over for all rows, then rows left over for the tiled tokens.
	for ; t < T; t++ {
		mv(out[t*ldOut:t*ldOut+rows], w[:rows*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	}
	if rows4 < rows {
		tiled := T / 4 * 4
		if rows4 == 0 {
			tiled = 0
		}
		for t := 0; t < tiled; t++ {
			mv(out[t*ldOut+rows4:t*ldOut+rows], w[rows4*rb:rows*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
		}
	}
}

func matMulQ8_0NEONDot(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQuantDot(KernelMatMulQ8_0, out, ldOut, w, xq, xd, T, q8RowLen, BlockQ8_0, matMulQ8_0Dot8, matMulQ8_0Dot4, matVecQ8_0NEONDot)
}

func matMulQ4_0NEONDot(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQuantDot(KernelMatMulQ4_0, out, ldOut, w, xq, xd, T, q4RowLen, BlockQ4_0, matMulQ4_0Dot8, matMulQ4_0Dot4, matVecQ4_0NEONDot)
}

// matMulByRows runs mv for every token over blocks of rows that fit in
// the L1 data cache (at least 8 rows), so each weight comes from memory
// once per call.
func matMulByRows(rows, rowBytes, T int, mv func(lo, hi, t int)) {
	const l1 = 24 << 10
	step := l1 / max(rowBytes, 1)
	step = max(8, step&^7)
	for lo := 0; lo < rows; lo += step {
		hi := min(rows, lo+step)
		for t := 0; t < T; t++ {
			mv(lo, hi, t)
		}
	}
}

func matMulQ8_0NEON(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	cols, rows := matMulShape(KernelMatMulQ8_0, len(out), ldOut, len(w), len(xq), T, q8RowLen)
	nb, rb := cols/QK, cols/QK*BlockQ8_0
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		matVecQ8_0NEON(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	})
}

func matMulQ4_0NEON(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	cols, rows := matMulShape(KernelMatMulQ4_0, len(out), ldOut, len(w), len(xq), T, q4RowLen)
	nb, rb := cols/QK, cols/QK*BlockQ4_0
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		matVecQ4_0NEON(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	})
}
