//go:build !purego

package arm64

// The SDOT tiles of matmul_q_arm64.s (4 rows × 8 or 4 tokens; Q4_0 also
// 12) cover the rows in multiples of 4 and the tokens in multiples of 4;
// the remaining tokens and rows run the matvec kernel, whose results are
// bit-identical. Without the dot product (ARMv8.0) the matvec kernel runs
// token by token over row blocks (matMulByRows).

//go:noescape
func matMulQ8_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ8_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, nb, tiles int)

//go:noescape
func matMulQ4_0Dot8(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, xs *int32, nb, tiles int)

//go:noescape
func matMulQ4_0Dot12(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, xs *int32, nb, tiles int)

//go:noescape
func matMulQ4_0Dot4(out *float32, ldOut int, w *byte, rows, rowBytes int, xq *int8, xd *float32, xs *int32, nb, tiles int)

func matMulQ8_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	if useDotProd {
		matMulQuantDot("MatMulQ8_0", out, ldOut, w, xq, xd, T, BlockQ8_0, false, matVecQ8_0)
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
		matMulQuantDot("MatMulQ4_0", out, ldOut, w, xq, xd, T, BlockQ4_0, true, matVecQ4_0)
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

// xdTileRoom is the room for the activation scales of the tokens that one
// call of a tile kernel takes, reordered tile by tile and block by block
// (xd[tile][block][token of the tile]) so that the kernel loads a block's
// 8 (or 4) token scales with one instruction instead of one per token. It
// lives on the stack of matMulQuantDot (32 KiB): up to 32 tokens per call
// for rows of up to 256 blocks, fewer (the weights then stream once per
// call) for wider rows. The Q4_0 tiles take, in the same layout, each
// block's correction −8·Σx (xsT): they multiply the nibbles unsigned and
// start each block's int32 sums from it, as the corrected matvec does.
const xdTileRoom = 8192

// matMulQuantDot runs a quantized product with the SDOT tiles (Q4_0 when
// q4, else Q8_0) and the matvec kernel mv for the rest. The shapes are
// checked by matMulQ8Shape, as the generic twin checks them, so it panics
// where the twin does (even with no rows to compute).
func matMulQuantDot(kernel string, out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int,
	blockBytes int, q4 bool, mv func(out []float32, w []byte, xq []int8, xd []float32)) {
	cols, rows, nb, rb := matMulQ8Shape(kernel, out, ldOut, w, xq, xd, T, blockBytes)
	if rows == 0 {
		return
	}
	rows4 := rows &^ 3
	tiled := 0
	if g := xdTileRoom / nb; rows4 > 0 && g >= 8 {
		var xdT [xdTileRoom]float32
		var xsT [xdTileRoom]int32
		var sums [xdTileRoom / 8]int32
		// fill lays out the scales (and Q4_0 corrections) of the n tokens
		// from tiled on in tiles of nt.
		fill := func(n, nt int) {
			for t := range n {
				tile, j := t/nt, t%nt
				for b, d := range xd[(tiled+t)*nb : (tiled+t+1)*nb] {
					xdT[(tile*nb+b)*nt+j] = d
				}
				if q4 {
					q8BlockSums8(&xq[(tiled+t)*cols], nb, &sums[0])
					for b, c := range sums[:nb] {
						xsT[(tile*nb+b)*nt+j] = -c
					}
				}
			}
		}
		// Q4_0 runs tiles of 12 tokens first (the rows' codes, loaded and
		// unpacked once per block, serve 12 tokens instead of 8).
		for q4 && g >= 12 && T-tiled >= 12 {
			n := min(g/12, (T-tiled)/12) * 12
			fill(n, 12)
			matMulQ4_0Dot12(&out[tiled*ldOut], ldOut, &w[0], rows4, rb, &xq[tiled*cols], &xdT[0], &xsT[0], nb, n/12)
			tiled += n
		}
		for T-tiled >= 8 {
			n := min(g&^7, (T-tiled)&^7) // tokens of this call, 8 per tile
			fill(n, 8)
			o, x := &out[tiled*ldOut], &xq[tiled*cols]
			if q4 {
				matMulQ4_0Dot8(o, ldOut, &w[0], rows4, rb, x, &xdT[0], &xsT[0], nb, n/8)
			} else {
				matMulQ8_0Dot8(o, ldOut, &w[0], rows4, rb, x, &xdT[0], nb, n/8)
			}
			tiled += n
		}
		if T-tiled >= 4 {
			fill(4, 4)
			o, x := &out[tiled*ldOut], &xq[tiled*cols]
			if q4 {
				matMulQ4_0Dot4(o, ldOut, &w[0], rows4, rb, x, &xdT[0], &xsT[0], nb, 1)
			} else {
				matMulQ8_0Dot4(o, ldOut, &w[0], rows4, rb, x, &xdT[0], nb, 1)
			}
			tiled += 4
		}
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
