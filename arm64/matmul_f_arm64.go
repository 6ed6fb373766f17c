//go:build !purego

package arm64

// The tiles of matmul_f_arm64.s (2 rows × 8 or 4 tokens, when the columns
// are a multiple of 16) cover the rows in pairs and the tokens in
// multiples of 4; the rest runs the matvec kernel over row blocks.

//go:noescape
func matMulF32Tile8(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)

//go:noescape
func matMulF32Tile4(out *float32, ldOut int, w *float32, rows, rowBytes int, x *float32, cols, tiles int)

//go:noescape
func matMulF16Tile8(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)

//go:noescape
func matMulF16Tile4(out *float32, ldOut int, w *uint16, rows, rowBytes int, x *float32, cols, tiles int)

func matMulF32(out []float32, ldOut int, w, x []float32, T int) {
	if !useNEON {
		matMulF32Generic(out, ldOut, w, x, T)
		return
	}
	cols, rows := matMulShape("MatMulF32", len(out), ldOut, len(w), len(x), T, f32RowLen)
	if rows == 0 {
		return
	}
	rd, td := matMulFloatTiles(rows, cols, T, ldOut,
		func(o, xo, r, n int) { matMulF32Tile8(&out[o], ldOut, &w[0], r, cols*4, &x[xo], cols, n) },
		func(o, xo, r, n int) { matMulF32Tile4(&out[o], ldOut, &w[0], r, cols*4, &x[xo], cols, n) })
	matMulFloatRest(rows, cols*4, T, rd, td, func(lo, hi, t int) {
		matVecF32(out[t*ldOut+lo:t*ldOut+hi], w[lo*cols:hi*cols], x[t*cols:(t+1)*cols])
	})
}

func matMulF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	if !useNEON {
		matMulF16Generic(out, ldOut, w, x, T)
		return
	}
	cols, rows := matMulShape("MatMulF16", len(out), ldOut, len(w), len(x), T, f32RowLen)
	if rows == 0 {
		return
	}
	rd, td := matMulFloatTiles(rows, cols, T, ldOut,
		func(o, xo, r, n int) { matMulF16Tile8(&out[o], ldOut, &w[0], r, cols*2, &x[xo], cols, n) },
		func(o, xo, r, n int) { matMulF16Tile4(&out[o], ldOut, &w[0], r, cols*2, &x[xo], cols, n) })
	matMulFloatRest(rows, cols*2, T, rd, td, func(lo, hi, t int) {
		matVecF16(out[t*ldOut+lo:t*ldOut+hi], w[lo*cols:hi*cols], x[t*cols:(t+1)*cols])
	})
}

// matMulFloatTiles covers rows in pairs and tokens in tiles of 8 and 4
// with the assembly (when cols is a multiple of 16) and returns how many
// rows and tokens it covered; tile8/tile4 receive (out offset, x offset,
// rows, tiles).
func matMulFloatTiles(rows, cols, T, ldOut int, tile8, tile4 func(outOff, xOff, rows, tiles int)) (rowsDone, tokensDone int) {
	rows2 := rows &^ 1
	if rows2 == 0 || cols < 16 || cols%16 != 0 || T < 4 {
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
