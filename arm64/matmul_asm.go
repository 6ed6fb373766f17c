//go:build (arm64 || amd64) && !purego

package arm64

// What the MatMul kernels with assembly (matmul_*_arm64.go, matmul_*_amd64.go)
// share: the assembly tiles cover rows and tokens in blocks; what they
// leave runs the matvec kernel of the same implementation, over row blocks
// small enough to stay in cache, so memory traffic is still one pass over
// the weights.

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
