package quant

import "encoding/binary"

// Bytes per block of the 4-bit non-linear types.
const (
	// d, qs[16]: byte j holds the codes of values j (low) and j+16 (high).
	// value = d·IQ4Values[q].
	BlockIQ4_NLBytes = 2 + QK/2
	// d, scales_h (uint16: bits 4–5 of the eight sub-block scales, two bits
	// each), scales_l[4] (their low nibbles, sub-block 2k low, 2k+1 high),
	// qs[128] (per 32 values as IQ4_NL). value = d·(scale − 32)·IQ4Values[q].
	BlockIQ4_XSBytes = 2 + 2 + QKK/64 + QKK/2
)

// IQ4Values is the non-uniform 4-bit grid of IQ4_NL and IQ4_XS (ggml's
// kvalues_iq4nl): denser near zero, where trained weights cluster.
var IQ4Values = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// iq4Index returns the index of the grid value nearest x (the upper one when
// x lies exactly between two), by bisection as ggml's best_index_int8.
func iq4Index(x float32) uint8 {
	v := &IQ4Values
	if x <= float32(v[0]) {
		return 0
	}
	if x >= float32(v[15]) {
		return 15
	}
	lo, hi := 0, 15
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if x < float32(v[mid]) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if x-float32(v[hi-1]) < float32(v[hi])-x {
		return uint8(hi - 1)
	}
	return uint8(hi)
}

// iq4Super quantizes one super-block of len(x) values (32 for IQ4_NL, 256
// for IQ4_XS) in sub-blocks of 32 into out (a block of either type), as
// ggml's quantize_row_iq4_nl_impl with ntry = 7, what llama-quantize uses
// with or without an importance matrix. Per sub-block it fits a scale by
// weighted least squares to the codes of a first guess (−peak/−127), then to
// those of the 15 guesses that map the value of largest magnitude, peak, onto
// −127+t for t = −7…7, and keeps the best fit. IQ4_NL
// stores that scale and recomputes the codes with it; IQ4_XS stores the
// sub-block scales in six bits against the largest and recomputes the codes
// from those (with the unrounded super-block scale, as ggml does).
func iq4Super(out []byte, x, qw []float32) {
	const ntry = 7
	var L [QKK]uint8
	var scales [QKK / QK]float32
	var weight [QK]float32
	sbs := len(x)
	var sigma2 float32
	for _, v := range x {
		sigma2 += float32(v * v)
	}
	sigma2 = float32(sigma2 * (2 / float32(sbs)))
	var maxScale, amaxScale float32
	for ib := 0; ib < sbs/QK; ib++ {
		xb := x[ib*QK : (ib+1)*QK]
		if qw != nil {
			imatrixWeights(weight[:], qw[ib*QK:(ib+1)*QK], xb, sigma2)
		} else {
			for j, v := range xb {
				weight[j] = v * v
			}
		}
		peak := signedPeak(xb)
		amax := abs32(peak)
		if amax < groupMaxEps {
			scales[ib] = 0
			continue
		}
		sd := -peak / float32(IQ4Values[0])
		id := 1 / sd
		var sumqx, sumq2 float32
		for j, v := range xb {
			q, w := float32(IQ4Values[iq4Index(id*v)]), weight[j]
			sumqx += float32(w * q * v)
			sumq2 += float32(w * q * q)
		}
		sd = 0
		if sumq2 > 0 {
			sd = sumqx / sumq2
		}
		best := sd * sumqx
		for itry := -ntry; itry <= ntry; itry++ {
			id = float32(itry+int(IQ4Values[0])) / peak
			sumqx, sumq2 = 0, 0
			for j, v := range xb {
				q, w := float32(IQ4Values[iq4Index(id*v)]), weight[j]
				sumqx += float32(w * q * v)
				sumq2 += float32(w * q * q)
			}
			if sumq2 > 0 && sumqx*sumqx > best*sumq2 {
				sd = sumqx / sumq2
				best = sd * sumqx
			}
		}
		scales[ib] = sd
		if a := abs32(sd); a > amaxScale {
			amaxScale, maxScale = a, sd
		}
	}
	var qs []byte
	if sbs == QK {
		putF16(out, scales[0])
		id := recip(scales[0])
		for j, v := range x {
			L[j] = iq4Index(id * v)
		}
		qs = out[2:]
	} else {
		d := -maxScale / 32
		putF16(out, d)
		id := recip(d)
		var sh uint16
		sl := out[4:8]
		for ib := 0; ib < sbs/QK; ib++ {
			l := clampInt(nearestInt(id*scales[ib]), -32, 31)
			dl := d * float32(l)
			var idl float32
			if dl != 0 {
				idl = 1 / dl
			}
			for j, v := range x[ib*QK : (ib+1)*QK] {
				L[ib*QK+j] = iq4Index(idl * v)
			}
			l += 32
			if ib%2 == 0 {
				sl[ib/2] = uint8(l & 0xF)
			} else {
				sl[ib/2] |= uint8(l&0xF) << 4
			}
			sh |= uint16(l>>4) << (2 * ib)
		}
		binary.LittleEndian.PutUint16(out[2:], sh)
		qs = out[8:]
	}
	for i := 0; i < sbs/QK; i++ {
		for j := 0; j < QK/2; j++ {
			qs[QK/2*i+j] = L[QK*i+j] | L[QK*i+QK/2+j]<<4
		}
	}
}

func quantizeIQ4_NL(dst []byte, x, qw []float32) {
	for b := 0; b < len(x)/QK; b++ {
		var w []float32
		if qw != nil {
			w = qw[b*QK : (b+1)*QK]
		}
		iq4Super(dst[b*BlockIQ4_NLBytes:(b+1)*BlockIQ4_NLBytes], x[b*QK:(b+1)*QK], w)
	}
}

func quantizeIQ4_XS(dst []byte, x, qw []float32) {
	for b := 0; b < len(x)/QKK; b++ {
		var w []float32
		if qw != nil {
			w = qw[b*QKK : (b+1)*QKK]
		}
		iq4Super(dst[b*BlockIQ4_XSBytes:(b+1)*BlockIQ4_XSBytes], x[b*QKK:(b+1)*QKK], w)
	}
}

// DequantizeIQ4_NL decodes IQ4_NL blocks. len(dst) must be a multiple of 32
// and len(src) len(dst)/32*18; otherwise it panics.
func DequantizeIQ4_NL(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeIQ4_NL", len(dst), len(src), QK, BlockIQ4_NLBytes)
	for b := 0; b < nb; b++ {
		in := src[b*BlockIQ4_NLBytes : (b+1)*BlockIQ4_NLBytes]
		y := dst[b*QK : (b+1)*QK]
		d := getF16(in)
		for j := 0; j < QK/2; j++ {
			y[j] = d * float32(IQ4Values[in[2+j]&0xF])
			y[j+QK/2] = d * float32(IQ4Values[in[2+j]>>4])
		}
	}
}

// IQ4XSScale returns the six-bit scale (0…63, stored with +32) of sub-block
// ib of an IQ4_XS block.
func IQ4XSScale(block []byte, ib int) int {
	lo := int(block[4+ib/2]>>(4*(ib%2))) & 0xF
	hi := int(binary.LittleEndian.Uint16(block[2:])>>(2*ib)) & 3
	return lo | hi<<4
}

// DequantizeIQ4_XS decodes IQ4_XS super-blocks. len(dst) must be a multiple
// of 256 and len(src) len(dst)/256*136; otherwise it panics.
func DequantizeIQ4_XS(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeIQ4_XS", len(dst), len(src), QKK, BlockIQ4_XSBytes)
	for b := 0; b < nb; b++ {
		in := src[b*BlockIQ4_XSBytes : (b+1)*BlockIQ4_XSBytes]
		d := getF16(in)
		for ib := 0; ib < QKK/QK; ib++ {
			dl := d * float32(IQ4XSScale(in, ib)-32)
			y := dst[b*QKK+ib*QK : b*QKK+(ib+1)*QK]
			qs := in[8+ib*QK/2:]
			for j := 0; j < QK/2; j++ {
				y[j] = dl * float32(IQ4Values[qs[j]&0xF])
				y[j+QK/2] = dl * float32(IQ4Values[qs[j]>>4])
			}
		}
	}
}
