package arm64

import "math"

// The activation forms of the weight types beyond Q8_0 and Q4_0, as ggml
// pairs them (each weight type's vec_dot_type):
//   - Q5_0 and IQ4_NL take QuantizeQ8's blocks as they are;
//   - Q4_1 and Q5_1 store an offset m per block, whose product with the
//     activations is m·Σx̂: QuantizeQ8_1 adds that sum per block (ggml's
//     Q8_1);
//   - the K types and IQ4_XS take QuantizeQ8_K's 256-value blocks, with the
//     sums of each 16 codes for the types whose values have a per-group
//     offset (ggml's Q8_K).
// QuantizeQ8_1 runs once per token over a vector, against a matrix product
// per token: it has no assembly. QuantizeQ8_K, which every K-type and
// IQ4_XS product waits for, has NEON (quantize_q8_k_arm64.s) and AVX2
// (quantize_q8_k_amd64.s).

// QuantizeQ8_1 is QuantizeQ8 that also stores, per block b, s[b] =
// d[b]·Σq: the sum of the block's dequantized activations.
func QuantizeQ8_1(q []int8, d, s []float32, x []float32) { quantizeQ8_1Generic(q, d, s, x) }

func quantizeQ8_1Generic(q []int8, d, s []float32, x []float32) {
	quantizeQ8Generic(q, d, x)
	nb := len(x) / QK
	if nb == 0 {
		return
	}
	_ = s[nb-1]
	for b := 0; b < nb; b++ {
		var sum int32
		for _, v := range q[b*QK : (b+1)*QK] {
			sum += int32(v)
		}
		s[b] = d[b] * float32(sum)
	}
}

// QuantizeQ8_K quantizes x (len(x) a multiple of QKK) to blocks of QKK int8
// codes q with one float32 scale d per block and the sums s of each 16
// codes (QKK/16 per block), as ggml's quantize_row_q8_K: the value of
// largest magnitude maps to ∓127, d = max/−127, q = round(x/d) (ties to
// even). Codes lie in [−127, 127]. A block whose 1/d overflows (all zero, or
// a maximum below ~1e-38) has all-zero codes.
func QuantizeQ8_K(q []int8, d []float32, s []int16, x []float32) { quantizeQ8_K(q, d, s, x) }

func quantizeQ8_KGeneric(q []int8, d []float32, s []int16, x []float32) {
	nb := len(x) / QKK
	if nb == 0 {
		return
	}
	_ = q[nb*QKK-1]
	_ = d[nb-1]
	_ = s[nb*QKK/16-1]
	for b := 0; b < nb; b++ {
		xb := x[b*QKK : (b+1)*QKK]
		qb := q[b*QKK : (b+1)*QKK]
		var amax, peak float32
		for _, v := range xb {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax, peak = a, v
			}
		}
		iscale := -127 / peak
		if amax == 0 || math.IsInf(float64(iscale), 0) {
			d[b] = 0
			clear(qb)
			clear(s[b*QKK/16 : (b+1)*QKK/16])
			continue
		}
		d[b] = 1 / iscale
		for j, v := range xb {
			qb[j] = int8(min(127, max(-127, math.RoundToEven(float64(iscale*v)))))
		}
		for g := 0; g < QKK/16; g++ {
			var sum int16
			for _, v := range qb[16*g : 16*g+16] {
				sum += int16(v)
			}
			s[b*QKK/16+g] = sum
		}
	}
}
