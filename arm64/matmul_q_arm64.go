//go:build !purego

package arm64

// The SDOT tiles of matmul_q_arm64.s (4 rows × 8 or 4 tokens) cover the
// rows in multiples of 4 and the tokens in multiples of 4; the remaining
// tokens and rows run the matvec kernel, whose results are bit-identical.
// Without the dot product (ARMv8.0) the matvec kernel runs token by token
// over row blocks (matMulByRows).

//go:noescape
func matMulQ8_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ8_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ4_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ4_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

func matMulQ8_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if useDotProd {
		matMulQuantDot("MatMulQ8_0", out, ldOut, w, xq, xd, T, BlockQ8_0, matMulQ8_0Dot8, matMulQ8_0Dot4, matVecQ8_0)
		return
	}
	if !useNEON {
		matMulQ8_0Generic(out, ldOut, w, xq, xd, T)
		return
	}
	cols, rows, nb, rb := matMulQ8Shape("MatMulQ8_0", out, ldOut, w, xq, xd, T, BlockQ8_0)
	if rows == 0 {
		return
	}
	// The v8.0 kernel cannot take −128 (see matVecQ8_0). One scan of all
	// the tokens here replaces the matvec wrapper's scan of each token for
	// every row block; a token is scanned on its own only when some token
	// holds a −128, which QuantizeQ8 never writes. Each token then gets
	// what matVecQ8_0 gives it.
	anyMin := hasInt8Min(&xq[0], T*cols)
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		o, x, d := out[t*ldOut+lo:t*ldOut+hi], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb]
		if anyMin && hasInt8Min(&x[0], cols) {
			matVecQ8_0Generic(o, w[lo*rb:hi*rb], x, d)
			return
		}
		matVecQ8_0V80(&o[0], hi-lo, &w[lo*rb], rb, &x[0], &d[0], nb)
	})
}

func matMulQ4_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if useDotProd {
		matMulQuantDot("MatMulQ4_0", out, ldOut, w, xq, xd, T, BlockQ4_0, matMulQ4_0Dot8, matMulQ4_0Dot4, matVecQ4_0)
		return
	}
	if !useNEON {
		matMulQ4_0Generic(out, ldOut, w, xq, xd, T)
		return
	}
	cols, rows, nb, rb := matMulQ8Shape("MatMulQ4_0", out, ldOut, w, xq, xd, T, BlockQ4_0)
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		matVecQ4_0(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	})
}

type matMulTile func(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

// matMulQuantDot runs a quantized product with the SDOT tiles t8, t4 and
// the matvec kernel mv for the rest. The shapes are checked by
// matMulQ8Shape, as the generic twin checks them, so it panics
// where the twin does (even with no rows to compute).
func matMulQuantDot(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int,
	blockBytes int, t8, t4 matMulTile, mv func(out []float32, w []byte, xq []int8, xd []float32)) {
	cols, rows, nb, rb := matMulQ8Shape(kernel, out, ldOut, w, xq, xd, T, blockBytes)
	if rows == 0 {
		return
	}
	rows4 := rows &^ 3
	tiled := 0
	if rows4 > 0 {
		tiled = tileTokens(T,
			func(tok, n int) { t8(&out[tok*ldOut], ldOut, &w[0], rows4, rb, &xq[tok*cols], &xd[tok*nb], nb, n) },
			func(tok, n int) { t4(&out[tok*ldOut], ldOut, &w[0], rows4, rb, &xq[tok*cols], &xd[tok*nb], nb, n) })
	}
	// Tokens left over for all rows, then rows left over for the tiled tokens.
	for t := tiled; t < T; t++ {
		mv(out[t*ldOut:t*ldOut+rows], w[:rows*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	}
	if rows4 < rows {
		for t := range tiled {
			mv(out[t*ldOut+rows4:t*ldOut+rows], w[rows4*rb:rows*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
		}
	}
}
