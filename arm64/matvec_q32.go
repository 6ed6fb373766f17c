package arm64

// What the matrix × vector products over the 32-value block types beyond
// Q8_0 and Q4_0 share (matvec_q5_0.go, matvec_iq4_nl.go against
// QuantizeQ8's activations, matvec_q4_1.go, matvec_q5_1.go against
// QuantizeQ8_1's, whose block sums carry the offset m). Rows are stored as
// for MatVecQ8_0 (len(out) rows of len(xq)/QK blocks). Every block's codes
// are multiplied with the activation codes in integers and scaled once per
// block, as ggml's vec_dot kernels do; the dot functions below are the
// generic twins' rows.

// dotQ8Func is one row's product against QuantizeQ8 activations
// (nb = len(xd) blocks); dotQ8_1Func against QuantizeQ8_1's.
type (
	dotQ8Func   func(row []byte, xq []int8, xd []float32) float32
	dotQ8_1Func func(row []byte, xq []int8, xd, xs []float32) float32
)

// matVecQ8With, matVecQ8_1With and (matvec_k.go) matVecQ8_KWith cut the
// activations to the nb blocks of xq, so that the dot functions, which
// range over xd, see nb blocks, and a short xd or xs panics.
func matVecQ8With(out []float32, w []byte, xq []int8, xd []float32, blockBytes int, dot dotQ8Func) {
	nb := len(xq) / QK
	matVecRows(out, w, nb, blockBytes, func(row []byte) float32 {
		return dot(row, xq[:nb*QK], xd[:nb])
	})
}

func matVecQ8_1With(out []float32, w []byte, xq []int8, xd, xs []float32, blockBytes int, dot dotQ8_1Func) {
	nb := len(xq) / QK
	matVecRows(out, w, nb, blockBytes, func(row []byte) float32 {
		return dot(row, xq[:nb*QK], xd[:nb], xs[:nb])
	})
}

func f16At(b []byte) float32 { return f16ToF32[uint16(b[0])|uint16(b[1])<<8] }

func u32At(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func dotQ4_1(row []byte, xq []int8, xd, xs []float32) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ4_1]byte)(row[b*BlockQ4_1:])
		x := (*[QK]int8)(xq[b*QK:])
		var acc int32
		for j := 0; j < QK/2; j++ {
			acc += int32(blk[4+j]&0xF)*int32(x[j]) + int32(blk[4+j]>>4)*int32(x[j+QK/2])
		}
		sum += f16At(blk[0:])*xd[b]*float32(acc) + f16At(blk[2:])*xs[b]
	}
	return sum
}

func dotQ5_1(row []byte, xq []int8, xd, xs []float32) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ5_1]byte)(row[b*BlockQ5_1:])
		x := (*[QK]int8)(xq[b*QK:])
		qh := u32At(blk[4:])
		var acc int32
		for j := 0; j < QK/2; j++ {
			lo := int32(blk[8+j]&0xF) | int32(qh>>j&1)<<4
			hi := int32(blk[8+j]>>4) | int32(qh>>(j+QK/2)&1)<<4
			acc += lo*int32(x[j]) + hi*int32(x[j+QK/2])
		}
		sum += f16At(blk[0:])*xd[b]*float32(acc) + f16At(blk[2:])*xs[b]
	}
	return sum
}

func dotQ5_0(row []byte, xq []int8, xd []float32) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ5_0]byte)(row[b*BlockQ5_0:])
		x := (*[QK]int8)(xq[b*QK:])
		qh := u32At(blk[2:])
		var acc int32
		for j := 0; j < QK/2; j++ {
			lo := int32(blk[6+j]&0xF) | int32(qh>>j&1)<<4
			hi := int32(blk[6+j]>>4) | int32(qh>>(j+QK/2)&1)<<4
			acc += (lo-16)*int32(x[j]) + (hi-16)*int32(x[j+QK/2])
		}
		sum += f16At(blk[0:]) * xd[b] * float32(acc)
	}
	return sum
}

func dotIQ4_NL(row []byte, xq []int8, xd []float32) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockIQ4_NL]byte)(row[b*BlockIQ4_NL:])
		x := (*[QK]int8)(xq[b*QK:])
		var acc int32
		for j := 0; j < QK/2; j++ {
			acc += int32(iq4Values[blk[2+j]&0xF])*int32(x[j]) + int32(iq4Values[blk[2+j]>>4])*int32(x[j+QK/2])
		}
		sum += f16At(blk[0:]) * xd[b] * float32(acc)
	}
	return sum
}
