package arm64

// MatVecQ8_0 computes out[i] = Σ_j W[i][j]·x[j] where row i of W is stored
// as ggml Q8_0 blocks in w (len(out) rows of len(xq)/QK blocks each) and x
// was quantized by QuantizeQ8 into xq, xd.
func MatVecQ8_0(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ8_0(out, w, xq, xd)
}

func matVecQ8_0Generic(out []float32, w []byte, xq []int8, xd []float32) {
	// xd is passed whole, not cut to nb blocks as by matVecQ8With: the dot
	// indexes it, so a short xd panics even where its capacity is larger.
	matVecRows(out, w, len(xq)/QK, BlockQ8_0, func(row []byte) float32 { return dotQ8_0Generic(row, xq, xd) })
}

// dotQ8_0Generic is one row of MatVecQ8_0: the Q8_0 blocks of row times the
// Q8 activation blocks xq, xd (nb = len(xq)/QK blocks).
func dotQ8_0Generic(row []byte, xq []int8, xd []float32) float32 {
	nb := len(xq) / QK
	var sum float32
	for b := 0; b < nb; b++ {
		blk := row[b*BlockQ8_0 : (b+1)*BlockQ8_0]
		dw := f16ToF32[uint16(blk[0])|uint16(blk[1])<<8]
		xb := xq[b*QK : (b+1)*QK]
		var acc int32
		for j := 0; j < QK; j++ {
			acc += int32(int8(blk[2+j])) * int32(xb[j])
		}
		sum += dw * xd[b] * float32(acc)
	}
	return sum
}
