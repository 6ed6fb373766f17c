package arm64

import "math"

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
