//go:build !purego

package arm64

// The amd64 float MatMul kernels tile weight rows × 4 tokens in registers
// (3 rows with AVX2, matMulF32Tile3x4 and matMulF16Tile3x4; 6 with
// AVX-512, matMulF32Tile6x4 and matMulF16Tile6x4, when the columns are a
// multiple of 16), so each weight is loaded and widened once per 4 tokens;
// the rows and tokens left over, and matrices whose columns are not a
// multiple of 8, run the matvec assembly token by token over row blocks
// that stay in cache (matMulByRows).

//go:noescape
func matMulF32Tile3x4(out *float32, ld int, w *float32, groups, rb int, x *float32, cols, tiles int)

//go:noescape
func matMulF16Tile3x4(out *float32, ld int, w *uint16, groups, rb int, x *float32, cols, tiles int)

//go:noescape
func matMulF32Tile6x4(out *float32, ld int, w *float32, groups, rb int, x *float32, cols, tiles int)

//go:noescape
func matMulF16Tile6x4(out *float32, ld int, w *uint16, groups, rb int, x *float32, cols, tiles int)

func matMulF32(out []float32, ldOut int, w, x []float32, T int) {
	if !useAVX2 {
		matMulF32Generic(out, ldOut, w, x, T)
		return
	}
	matMulFloatAVX("MatMulF32", out, ldOut, w, x, T, useAVX512, 4, matMulF32Tile3x4, matMulF32Tile6x4, matVecF32AVX2, matVecF32AVX512)
}

func matMulF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	if !useAVX2 {
		matMulF16Generic(out, ldOut, w, x, T)
		return
	}
	matMulFloatAVX("MatMulF16", out, ldOut, w, x, T, useAVX512, 2, matMulF16Tile3x4, matMulF16Tile6x4, matVecF16AVX2, matVecF16AVX512)
}

// matMulFloatAVX runs a float MatMul whose weights have es bytes each on
// the 3-row AVX2 tile and matvec, or on the 6-row AVX-512 ones when avx512
// (useAVX512) and the columns are a multiple of 16.
func matMulFloatAVX[W float32 | uint16](name string, out []float32, ldOut int, w []W, x []float32, T int, avx512 bool, es int,
	tile3, tile6 func(out *float32, ld int, w *W, groups, rb int, x *float32, cols, tiles int),
	mvAVX2, mvAVX512 func(out *float32, rows int, w *W, x *float32, n int)) {
	cols, rows := matMulShape(name, len(out), ldOut, len(w), len(x), T, f32RowLen)
	if rows == 0 {
		return
	}
	kernel, rt, mv := tile3, 3, mvAVX2
	if avx512 && cols%16 == 0 {
		kernel, rt, mv = tile6, 6, mvAVX512
	}
	matMulFloatTiled(rows, cols, T, cols*es, rt,
		func(r0, groups, t0, tiles int) {
			kernel(&out[t0*ldOut+r0], ldOut, &w[r0*cols], groups, cols*es, &x[t0*cols], cols, tiles)
		},
		func(lo, hi, t int) {
			mv(&out[t*ldOut+lo], hi-lo, &w[lo*cols], &x[t*cols], cols)
		})
}

// matMulFloatTiled covers rows in groups of rt and tokens in tiles of 4
// with tile (row, groups, token, tiles), a block of rows whose weights stay
// in the L2 cache at a time, and the rest with mv (rows lo..hi-1, token t).
func matMulFloatTiled(rows, cols, T, rowBytes, rt int, tile func(r0, groups, t0, tiles int), mv func(lo, hi, t int)) {
	groups, tiles := rows/rt, T/4
	if cols%8 != 0 || groups == 0 || tiles == 0 {
		matMulByRows(rows, rowBytes, T, mv)
		return
	}
	const l2 = 128 << 10
	step := max(1, l2/(rt*rowBytes))
	for g := 0; g < groups; g += step {
		tile(rt*g, min(step, groups-g), 0, tiles)
	}
	if rd := rt * groups; rd < rows {
		for t := 0; t < T; t++ {
			mv(rd, rows, t)
		}
	}
	if t4 := 4 * tiles; t4 < T {
		matMulByRows(rt*groups, rowBytes, T-t4, func(lo, hi, t int) { mv(lo, hi, t4+t) })
	}
}
