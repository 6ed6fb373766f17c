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
// matMulShape and the scales as the generic twin checks them, so it panics
// where the twin does (even with no rows to compute).
func matMulQuantDot(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int,
	rowLen func(int) int, blockBytes int, t8, t4 matMulTile, mv func(out []float32, w []byte, xq []int8, xd []float32)) {
	cols, rows := matMulShape(kernel, len(out), ldOut, len(w), len(xq), T, rowLen)
	nb := cols / QK
	_ = xd[T*nb-1]
	if rows == 0 {
		return
	}
	rb := nb * blockBytes
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

// tileTokens covers tokens [0, T/4·4) with the assembly tiles: tile8 once
// from token 0 with T/8 tiles of 8 tokens, then tile4 with one tile of 4
// if 4 tokens remain. It returns the number of tokens covered.
func tileTokens(T int, tile8, tile4 func(tok, tiles int)) int {
	t := 0
	if n8 := T / 8; n8 > 0 {
		tile8(0, n8)
		t = n8 * 8
	}
	if T-t >= 4 {
		tile4(t, 1)
		t += 4
	}
	return t
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
	_ = xd[T*nb-1]
	if rows == 0 {
		return
	}
	// The v8.0 kernel cannot take −128 (see matVecQ8_0NEON). One scan of
	// all the tokens here replaces the matvec wrapper's scan of each token
	// for every row block; a token is scanned on its own only when some
	// token holds a −128, which QuantizeQ8 never writes. Each token then
	// gets what matVecQ8_0NEON gives it.
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

func matMulQ4_0NEON(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	cols, rows := matMulShape(KernelMatMulQ4_0, len(out), ldOut, len(w), len(xq), T, q4RowLen)
	nb, rb := cols/QK, cols/QK*BlockQ4_0
	_ = xd[T*nb-1]
	matMulByRows(rows, rb, T, func(lo, hi, t int) {
		matVecQ4_0NEON(out[t*ldOut+lo:t*ldOut+hi], w[lo*rb:hi*rb], xq[t*cols:(t+1)*cols], xd[t*nb:(t+1)*nb])
	})
}

//go:noescape
func matMulF32Tile8(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)

//go:noescape
func matMulF32Tile4(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)

//go:noescape
func matMulF16Tile8(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)

//go:noescape
func matMulF16Tile4(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)

// matMulFloatTiles covers rows in pairs and tokens in tiles of 8 and 4
// with the assembly (when cols is a multiple of 16) and returns how many
// rows and tokens it covered; tile8/tile4 receive (out offset, x offset,
// rows, tiles).
func matMulFloatTiles(rows, cols, T, ldOut int, tile8, tile4 func(outOff, xOff, rows, tiles int)) (rowsDone, tokensDone int) {
	rows2 := rows &^ 1
	if rows2 == 0 || cols%16 != 0 || T < 4 {
		return 0, 0
	}
	t := tileTokens(T,
		func(tok, n int) { tile8(tok*ldOut, tok*cols, rows2, n) },
		func(tok, n int) { tile4(tok*ldOut, tok*cols, rows2, n) })
	return rows2, t
}

// matMulFloatRest runs mv(t, lo, hi) for what the tiles left: every row of
// the tokens from tokensDone on, and rows from rowsDone on for the tiled
// tokens, over L1-sized row blocks.
func matMulFloatRest(rows, rowBytes, T, rowsDone, tokensDone int, mv func(lo, hi, t int)) {
	if tokensDone < T {
		matMulByRows(rows, rowBytes, T-tokensDone, func(lo, hi, t int) { mv(lo, hi, tokensDone+t) })
	}
	if rowsDone < rows {
		for t := 0; t < tokensDone; t++ {
			mv(rowsDone, rows, t)
		}
	}
}

func matMulF32NEON(out []float32, ldOut int, w, x []float32, T int) {
	cols, rows := matMulShape(KernelMatMulF32, len(out), ldOut, len(w), len(x), T, f32RowLen)
	if rows == 0 {
		return
	}
	rd, td := matMulFloatTiles(rows, cols, T, ldOut,
		func(o, xo, r, n int) { matMulF32Tile8(&out[o], ldOut, &w[0], r, cols*4, &x[xo], cols, n) },
		func(o, xo, r, n int) { matMulF32Tile4(&out[o], ldOut, &w[0], r, cols*4, &x[xo], cols, n) })
	matMulFloatRest(rows, cols*4, T, rd, td, func(lo, hi, t int) {
		matVecF32NEONGo(out[t*ldOut+lo:t*ldOut+hi], w[lo*cols:hi*cols], x[t*cols:(t+1)*cols])
	})
}

func matMulF16NEON(out []float32, ldOut int, w []uint16, x []float32, T int) {
	cols, rows := matMulShape(KernelMatMulF16, len(out), ldOut, len(w), len(x), T, f32RowLen)
	if rows == 0 {
		return
	}
	rd, td := matMulFloatTiles(rows, cols, T, ldOut,
		func(o, xo, r, n int) { matMulF16Tile8(&out[o], ldOut, &w[0], r, cols*2, &x[xo], cols, n) },
		func(o, xo, r, n int) { matMulF16Tile4(&out[o], ldOut, &w[0], r, cols*2, &x[xo], cols, n) })
	matMulFloatRest(rows, cols*2, T, rd, td, func(lo, hi, t int) {
		matVecF16NEONGo(out[t*ldOut+lo:t*ldOut+hi], w[lo*cols:hi*cols], x[t*cols:(t+1)*cols])
	})
}
