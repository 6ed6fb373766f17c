package arm64

import (
	"math"

	"github.com/gosling-edge/gosling/quant"
)

// Block sizes of the ggml quantized formats: the layouts are defined in
// package quant; the kernels only read them.
const (
	QK         = quant.QK             // values per block
	BlockQ8_0  = quant.BlockQ8_0Bytes // fp16 scale + 32 × int8
	BlockQ4_0  = quant.BlockQ4_0Bytes // fp16 scale + 32 nibbles
	q4ZeroBias = 8                    // Q4_0 stores q+8 in a nibble
)

// q4CorrMax is the most blocks per row the corrected Q4_0 kernels of the
// arm64 build take: their table of 8·Σx per block lives on the wrapper's
// stack (2 KiB; rows up to 16384 columns, the FFN of a 7B model). Wider
// rows run the kernels that unpack nibbles to signed values. It is defined
// here, in every build, so that the tests cover widths around it everywhere.
const q4CorrMax = 512

// QuantizeQ8 quantizes the activation vector x (len(x) a multiple of QK) to
// blocks of QK int8 values q with one float32 scale d per block, the way
// ggml quantizes activations for its Q8_0 and Q4_0 dot products
// (d = max|x|/127, q = round(x/d) half away from zero). Quantized weight
// kernels take the result. The scale stays float32 (ggml rounds it to fp16):
// activations are quantized per token, so there is nothing to gain from
// storing it narrow.
func QuantizeQ8(q []int8, d []float32, x []float32) { quantizeQ8(q, d, x) }

func quantizeQ8Generic(q []int8, d []float32, x []float32) {
	nb := len(x) / QK
	if nb == 0 {
		return
	}
	_ = q[nb*QK-1]
	_ = d[nb-1]
	for b := 0; b < nb; b++ {
		xb := x[b*QK : (b+1)*QK]
		var amax float32
		for _, v := range xb {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax = a
			}
		}
		db := amax / 127
		// A block whose max is below ~4e-37 has a subnormal d and an
		// infinite 1/d; its codes are all 0 (its contribution is far below
		// float32 resolution anyway) rather than x·Inf, whose conversion to
		// int8 differs between architectures. An all-zero block (d = 0,
		// 1/d = +Inf) takes the same path. d is never NaN: NaN inputs never
		// pass a > amax.
		id := 1 / db
		if math.IsInf(float64(id), 0) {
			id = 0
		}
		d[b] = db
		qb := q[b*QK : (b+1)*QK]
		for j, v := range xb {
			qb[j] = int8(roundHalfAway(v * id))
		}
	}
}

// roundHalfAway is C's roundf: ties go away from zero.
func roundHalfAway(v float32) float32 {
	return float32(math.Round(float64(v)))
}

// MatVecQ8_0 computes out[i] = Σ_j W[i][j]·x[j] where row i of W is stored
// as ggml Q8_0 blocks in w (len(out) rows of len(xq)/QK blocks each) and x
// was quantized by QuantizeQ8 into xq, xd.
func MatVecQ8_0(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ8_0(out, w, xq, xd)
}

func matVecQ8_0Generic(out []float32, w []byte, xq []int8, xd []float32) {
	nb := len(xq) / QK
	if len(out) == 0 {
		return
	}
	if nb == 0 {
		clear(out)
		return
	}
	rowBytes := nb * BlockQ8_0
	_ = w[len(out)*rowBytes-1]
	_ = xd[nb-1]
	for i := range out {
		out[i] = dotQ8_0Generic(w[i*rowBytes:(i+1)*rowBytes], xq, xd)
	}
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

// MatVecQ4_0 is MatVecQ8_0 for weights stored as ggml Q4_0 blocks: byte j of
// a block holds element j in its low nibble and element j+16 in its high
// nibble, value = d·(q−8).
func MatVecQ4_0(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ4_0(out, w, xq, xd)
}

func matVecQ4_0Generic(out []float32, w []byte, xq []int8, xd []float32) {
	nb := len(xq) / QK
	if len(out) == 0 {
		return
	}
	if nb == 0 {
		clear(out)
		return
	}
	rowBytes := nb * BlockQ4_0
	_ = w[len(out)*rowBytes-1]
	_ = xd[nb-1]
	for i := range out {
		out[i] = dotQ4_0Generic(w[i*rowBytes:(i+1)*rowBytes], xq, xd)
	}
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
