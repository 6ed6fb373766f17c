package arm64

// MatVecQ4_0 is MatVecQ8_0 for weights stored as ggml Q4_0 blocks: byte j of
// a block holds element j in its low nibble and element j+16 in its high
// nibble, value = d·(q−8).
func MatVecQ4_0(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ4_0(out, w, xq, xd)
}

const q4ZeroBias = 8 // Q4_0 stores q+8 in a nibble

// q4CorrMax is the most blocks per row the corrected Q4_0 kernels of the
// arm64 build take: their table of 8·Σx per block lives on the wrapper's
// stack (2 KiB; rows up to 16384 columns, the FFN of a 7B model). Wider
// rows run the kernels that unpack nibbles to signed values. It is defined
// here, in every build, so that the tests cover widths around it everywhere.
const q4CorrMax = 512

func matVecQ4_0Generic(out []float32, w []byte, xq []int8, xd []float32) {
	// xd is passed whole, not cut to nb blocks as by matVecQ8With: the dot
	// indexes it, so a short xd panics even where its capacity is larger.
	matVecRows(out, w, len(xq)/QK, BlockQ4_0, func(row []byte) float32 { return dotQ4_0Generic(row, xq, xd) })
}

// dotQ4_0Generic is one row of MatVecQ4_0.
func dotQ4_0Generic(row []byte, xq []int8, xd []float32) float32 {
	nb := len(xq) / QK
	var sum float32
	for b := 0; b < nb; b++ {
		blk := row[b*BlockQ4_0 : (b+1)*BlockQ4_0]
		dw := f16ToF32[uint16(blk[0])|uint16(blk[1])<<8]
		xb := xq[b*QK : (b+1)*QK]
		var acc int32
		for j := 0; j < QK/2; j++ {
			lo := int32(blk[2+j]&0x0f) - q4ZeroBias
			hi := int32(blk[2+j]>>4) - q4ZeroBias
			acc += lo*int32(xb[j]) + hi*int32(xb[j+QK/2])
		}
		sum += dw * xd[b] * float32(acc)
	}
	return sum
}
