package quant

import (
	"encoding/binary"
	"math"
)

// QKK is the number of values in one super-block of the K types (Q2_K…Q6_K,
// Q8_K) and of IQ4_XS.
const QKK = 256

// Bytes per super-block, in ggml's field order (ggml-common.h). Every fp16
// is little-endian.
const (
	// scales[16] (low nibble: scale, high nibble: min, of each 16 values),
	// qs[64] (2-bit codes), d, dmin.
	// value = d·(scale)·q − dmin·(min).
	BlockQ2_KBytes = QKK/16 + QKK/4 + 2 + 2
	// hmask[32] (bit 2 of each code), qs[64] (bits 0–1), scales[12]
	// (16 six-bit scales), d. value = d·(scale − 32)·(q − 4).
	BlockQ3_KBytes = QKK/8 + QKK/4 + 12 + 2
	// d, dmin, scales[12] (8 six-bit scales and 8 six-bit mins, one pair per
	// 32 values), qs[128] (4-bit codes). value = d·scale·q − dmin·min.
	BlockQ4_KBytes = 2 + 2 + 12 + QKK/2
	// d, dmin, scales[12] as Q4_K, qh[32] (bit 4 of each code), qs[128].
	BlockQ5_KBytes = 2 + 2 + 12 + QKK/8 + QKK/2
	// ql[128] (bits 0–3), qh[64] (bits 4–5), scales[16] (int8, one per 16
	// values), d. value = d·scale·(q − 32).
	BlockQ6_KBytes = QKK/2 + QKK/4 + QKK/16 + 2
	// d (float32), qs[256] (int8), bsums[16] (int16 sums of each 16 codes).
	// The activation side of the K-type dot products; never stored in files.
	BlockQ8_KBytes = 4 + QKK + QKK/16*2
)

// The K-type quantizers follow ggml's (ggml-quants.c) in two flavours, as
// llama-quantize calls them through ggml_quantize_chunk: without an
// importance matrix the reference ones (quantize_row_q*_K_ref), with one the
// weighted ones (quantize_row_q*_K_impl), which also pick the super-block
// scales by weighted least squares. See scalesearch.go for the arithmetic
// rules that keep the bytes identical.

// packScaleMin6 stores eight 6-bit (scale, min) pairs in 12 bytes, the Q4_K
// and Q5_K layout: pairs 0–3 in the low six bits of bytes 0–3 (scales) and
// 4–7 (mins); pairs 4–7 split into a low nibble in bytes 8–11 (scale low,
// min high) and their top two bits in the top bits of bytes 0–3 and 4–7.
func packScaleMin6(dst []byte, ls, lm *[8]uint8) {
	for j := 0; j < 8; j++ {
		if j < 4 {
			dst[j] = ls[j]
			dst[j+4] = lm[j]
		} else {
			dst[j+4] = ls[j]&0xF | (lm[j]&0xF)<<4
			dst[j-4] |= (ls[j] >> 4) << 6
			dst[j] |= (lm[j] >> 4) << 6
		}
	}
}

// scaleMin6 reads pair j of packScaleMin6's layout.
func scaleMin6(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xF | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// q3Scale6 reads the six-bit scale j (0…15, stored with +32) of Q3_K: its low
// nibble in byte j (j < 8) or in the high nibble of byte j−8, its top two bits
// in byte 8 + j%4 at bit 2·(j/4).
func q3Scale6(j int, s []byte) int {
	var lo byte
	if j < 8 {
		lo = s[j] & 0xF
	} else {
		lo = s[j-8] >> 4
	}
	return int(lo | ((s[8+j%4]>>(2*(j/4)))&3)<<4)
}

// packQ3Scales stores 16 six-bit scales (0…63) in Q3_K's 12 bytes.
func packQ3Scales(dst []byte, ls *[16]int) {
	clear(dst[:12])
	for j, l := range ls {
		if j < 8 {
			dst[j] = byte(l & 0xF)
		} else {
			dst[j-8] |= byte(l&0xF) << 4
		}
		dst[j%4+8] |= byte(l>>4) << (2 * (j / 4))
	}
}

// pack2Bit stores 256 2-bit codes as Q2_K and Q3_K do: per half of 128 codes,
// byte l of its 32 holds codes l, l+32, l+64, l+96 at bits 0, 2, 4, 6.
func pack2Bit(qs []byte, L *[QKK]uint8) {
	for j := 0; j < QKK; j += 128 {
		for l := 0; l < 32; l++ {
			qs[j/4+l] = L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6
		}
	}
}

// sumSquares is Σ x² accumulated left to right.
func sumSquares(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += float32(v * v)
	}
	return s
}

// sqrt32 is sqrtf: the float64 root rounded to float32 is correctly rounded.
func sqrt32(v float32) float32 { return float32(math.Sqrt(float64(v))) }

// imatrixWeights fills w[l] = qw[l]·√(sigma2 + x[l]²), the weighting ggml
// gives importance-matrix values in its weighted quantizers.
func imatrixWeights(w, qw, x []float32, sigma2 float32) {
	for l := range w {
		w[l] = qw[l] * sqrt32(sigma2+float32(x[l]*x[l]))
	}
}

// ---- Q2_K

func quantizeQ2_K(dst []byte, x, qw []float32) {
	nb := len(x) / QKK
	for i := 0; i < nb; i++ {
		xb := x[i*QKK : (i+1)*QKK]
		out := dst[i*BlockQ2_KBytes : (i+1)*BlockQ2_KBytes]
		if qw != nil {
			q2KBlockWeighted(out, xb, qw[i*QKK:(i+1)*QKK])
		} else {
			q2KBlock(out, xb)
		}
	}
}

var q2KRef = affineSearch{nmax: 3, rmin: -0.5, rdelta: 0.1, nstep: 15, absError: true}
var q2KWeighted = affineSearch{nmax: 3, rmin: -0.9, rdelta: 0.05, nstep: 36, emptyUnlessAbove: true}

// q2KBlock is ggml's reference Q2_K: per 16 values an affine fit weighted by
// |x| under absolute error, then the 16 scales and 16 mins quantized to four
// bits against their maxima, then the codes recomputed from the stored
// scales.
func q2KBlock(out []byte, x []float32) {
	var L [QKK]uint8
	var Laux [16]uint8
	var weights [16]float32
	var scales, mins [QKK / 16]float32
	var maxScale, maxMin float32
	for j := 0; j < QKK/16; j++ {
		xs := x[16*j : 16*j+16]
		for l, v := range xs {
			weights[l] = abs32(v)
		}
		scales[j], mins[j] = affineScale(q2KRef, xs, weights[:], L[16*j:16*j+16], Laux[:])
		if scales[j] > maxScale {
			maxScale = scales[j]
		}
		if mins[j] > maxMin {
			maxMin = mins[j]
		}
	}
	sc := out[0:16]
	const q4scale = 15
	if maxScale > 0 {
		iscale := q4scale / maxScale
		for j := range sc {
			sc[j] = uint8(nearestInt(iscale * scales[j]))
		}
		putF16(out[80:], maxScale/q4scale)
	} else {
		clear(sc)
		putF16(out[80:], 0)
	}
	if maxMin > 0 {
		iscale := q4scale / maxMin
		for j := range sc {
			sc[j] |= uint8(nearestInt(iscale*mins[j]) << 4)
		}
		putF16(out[82:], maxMin/q4scale)
	} else {
		putF16(out[82:], 0)
	}
	q2KRequantize(out, x, &L)
}

// q2KRequantize recomputes the codes from the stored (fp16) scales, as both
// of ggml's Q2_K quantizers do, and packs them. A sub-block whose scale is 0
// keeps the codes of its search.
func q2KRequantize(out []byte, x []float32, L *[QKK]uint8) {
	d, dmin := getF16(out[80:]), getF16(out[82:])
	for j := 0; j < QKK/16; j++ {
		sd := d * float32(out[j]&0xF)
		if sd == 0 {
			continue
		}
		dm := float32(dmin * float32(out[j]>>4))
		for ii := 0; ii < 16; ii++ {
			L[16*j+ii] = uint8(clampInt(nearestInt((x[16*j+ii]+dm)/sd), 0, 3))
		}
	}
	pack2Bit(out[16:80], L)
}

// q2KBlockWeighted is ggml's Q2_K with an importance matrix: weights
// qw·√(σ² + x²), a squared-error affine search, and the scales and mins
// chosen by positiveScale weighted by each sub-block's total weight.
func q2KBlockWeighted(out []byte, x, qw []float32) {
	var L [QKK]uint8
	var Laux [16]uint8
	var weight [16]float32
	var scales, mins, sw [QKK / 16]float32
	var Ls, Lm [QKK / 16]uint8
	sigma2 := float32(sumSquares(x) / QKK)
	for j := 0; j < QKK/16; j++ {
		xs := x[16*j : 16*j+16]
		imatrixWeights(weight[:], qw[16*j:16*j+16], xs, sigma2)
		for _, w := range weight {
			sw[j] += w
		}
		scales[j], mins[j] = affineScale(q2KWeighted, xs, weight[:], L[16*j:16*j+16], Laux[:])
	}
	dm := positiveScale(15, scales[:], Ls[:], sw[:])
	mm := positiveScale(15, mins[:], Lm[:], sw[:])
	putF16(out[80:], dm)
	putF16(out[82:], mm)
	for j := range Ls {
		out[j] = Ls[j] | Lm[j]<<4
	}
	q2KRequantize(out, x, &L)
}

// DequantizeQ2_K decodes Q2_K super-blocks. len(dst) must be a multiple of
// 256 and len(src) len(dst)/256*84; otherwise it panics.
func DequantizeQ2_K(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ2_K", len(dst), len(src), QKK, BlockQ2_KBytes)
	for i := 0; i < nb; i++ {
		in := src[i*BlockQ2_KBytes : (i+1)*BlockQ2_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d, dmin := getF16(in[80:]), getF16(in[82:])
		// Per half of 128 values: four shifts, each giving 2×16 values
		// from the same 32 bytes with their own scale byte.
		for h := 0; h < 2; h++ {
			q := in[16+32*h : 16+32*h+32]
			for j := 0; j < 4; j++ {
				for k := 0; k < 2; k++ {
					is := 8*h + 2*j + k
					sc := in[is]
					dl, ml := d*float32(sc&0xF), float32(dmin*float32(sc>>4))
					o := y[128*h+32*j+16*k:]
					for l := 0; l < 16; l++ {
						o[l] = float32(dl*float32((q[16*k+l]>>(2*j))&3)) - ml
					}
				}
			}
		}
	}
}

// ---- Q3_K

func quantizeQ3_K(dst []byte, x, qw []float32) {
	nb := len(x) / QKK
	for i := 0; i < nb; i++ {
		xb := x[i*QKK : (i+1)*QKK]
		out := dst[i*BlockQ3_KBytes : (i+1)*BlockQ3_KBytes]
		if qw != nil {
			q3KBlockWeighted(out, xb, qw[i*QKK:(i+1)*QKK])
		} else {
			q3KBlock(out, xb)
		}
	}
}

// q3KBlock is ggml's reference Q3_K: a symmetric x²-weighted search per 16
// values (q3Scale), the 16 scales quantized to six bits against the one of
// largest magnitude (mapped to −32), then the codes recomputed.
func q3KBlock(out []byte, x []float32) {
	var L [QKK]int8
	var scales [QKK / 16]float32
	var maxScale, amax float32
	for j := 0; j < QKK/16; j++ {
		scales[j] = q3Scale(4, x[16*j:16*j+16], L[16*j:16*j+16])
		if a := abs32(scales[j]); a > amax {
			amax, maxScale = a, scales[j]
		}
	}
	var ls [16]int
	if maxScale != 0 {
		iscale := -32 / maxScale
		for j := range ls {
			// ggml keeps nearest_int's result in an int8 first.
			ls[j] = clampInt(int(int8(nearestInt(iscale*scales[j]))), -32, 31) + 32
		}
		packQ3Scales(out[96:108], &ls)
		putF16(out[108:], 1/iscale)
	} else {
		clear(out[96:108])
		putF16(out[108:], 0)
	}
	q3KRequantize(out, x, &L)
}

// q3KRequantize recomputes the codes from the stored scales and packs them:
// bit 2 of code j into hmask byte j%32 at bit j/32, bits 0–1 as pack2Bit.
func q3KRequantize(out []byte, x []float32, L *[QKK]int8) {
	d := getF16(out[108:])
	for j := 0; j < QKK/16; j++ {
		sd := d * float32(int8(q3Scale6(j, out[96:108])-32))
		if sd == 0 {
			continue
		}
		for ii := 0; ii < 16; ii++ {
			L[16*j+ii] = int8(clampInt(nearestInt(x[16*j+ii]/sd), -4, 3) + 4)
		}
	}
	hmask := out[0:32]
	clear(hmask)
	var low [QKK]uint8
	for j, l := range L {
		if l > 3 {
			hmask[j%32] |= 1 << (j / 32)
			l -= 4
		}
		low[j] = uint8(l)
	}
	pack2Bit(out[32:96], &low)
}

// q3KBlockWeighted is ggml's Q3_K with an importance matrix: symmetric
// searches weighted by qw·√(σ² + x²), and the 16 scales themselves chosen by
// a symmetric search weighted by each sub-block's total weight.
func q3KBlockWeighted(out []byte, x, qw []float32) {
	var L [QKK]int8
	var scales, sw [QKK / 16]float32
	var weight [16]float32
	var Ls [QKK / 16]int8
	sigma2 := float32(2 * sumSquares(x) / QKK)
	for j := 0; j < QKK/16; j++ {
		xs := x[16*j : 16*j+16]
		imatrixWeights(weight[:], qw[16*j:16*j+16], xs, sigma2)
		var sumw float32
		for _, w := range weight {
			sumw += w
		}
		sw[j] = sumw
		scales[j] = symmetricScale(4, xs, L[16*j:16*j+16], weight[:])
	}
	dBlock := symmetricScale(32, scales[:], Ls[:], sw[:])
	var ls [16]int
	for j, l := range Ls {
		ls[j] = int(l)
	}
	packQ3Scales(out[96:108], &ls)
	putF16(out[108:], dBlock)
	q3KRequantize(out, x, &L)
}

// DequantizeQ3_K decodes Q3_K super-blocks. len(dst) must be a multiple of
// 256 and len(src) len(dst)/256*110; otherwise it panics.
func DequantizeQ3_K(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ3_K", len(dst), len(src), QKK, BlockQ3_KBytes)
	for i := 0; i < nb; i++ {
		in := src[i*BlockQ3_KBytes : (i+1)*BlockQ3_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d := getF16(in[108:])
		hm := in[0:32]
		var dls [16]float32
		for sub := range dls {
			dls[sub] = d * float32(q3Scale6(sub, in[96:108])-32)
		}
		for j := 0; j < QKK; j++ {
			// Value j: half h, shift s, 16-group k, index l in the group;
			// its scale is number 8h + 2s + k.
			h, r := j/128, j%128
			s, k, l := r/32, (r%32)/16, r%16
			dl := dls[8*h+2*s+k]
			q := int((in[32+32*h+16*k+l] >> (2 * s)) & 3)
			if hm[16*k+l]&(1<<(4*h+s)) == 0 {
				q -= 4
			}
			y[j] = dl * float32(q)
		}
	}
}

// ---- Q4_K and Q5_K

func quantizeQ4_K(dst []byte, x, qw []float32) {
	quantizeQ45K(dst, x, qw, 15, BlockQ4_KBytes)
}

func quantizeQ5_K(dst []byte, x, qw []float32) {
	quantizeQ45K(dst, x, qw, 31, BlockQ5_KBytes)
}

var (
	q4KRef      = affineSearch{nmax: 15, rmin: -1, rdelta: 0.1, nstep: 20}
	q5KRef      = affineSearch{nmax: 31, rmin: -0.5, rdelta: 0.1, nstep: 15}
	q45Weighted = affineSearch{rmin: -0.9, rdelta: 0.05, nstep: 36, emptyUnlessAbove: true}
)

// quantizeQ45K is ggml's Q4_K (nmax 15) and Q5_K (nmax 31): per 32 values an
// affine search, weighted by mean|x|-ish weights (reference) or by
// qw·√(σ² + x²) (importance matrix); the eight scales and mins are stored in
// six bits each against their maxima (reference) or as chosen by
// positiveScale (importance matrix); the codes are recomputed from the stored
// values.
func quantizeQ45K(dst []byte, x, qw []float32, nmax, blockBytes int) {
	var L [QKK]uint8
	var Laux [32]uint8
	var weights [32]float32
	var scales, mins, sw [QKK / 32]float32
	var ls, lm [8]uint8
	for i := 0; i < len(x)/QKK; i++ {
		xb := x[i*QKK : (i+1)*QKK]
		out := dst[i*blockBytes : (i+1)*blockBytes]
		if qw == nil {
			p := q4KRef
			if nmax == 31 {
				p = q5KRef
			}
			var maxScale, maxMin float32
			for j := 0; j < QKK/32; j++ {
				xs := xb[32*j : 32*j+32]
				avX := sqrt32(sumSquares(xs) / 32)
				for l, v := range xs {
					weights[l] = avX + abs32(v)
				}
				scales[j], mins[j] = affineScale(p, xs, weights[:], L[32*j:32*j+32], Laux[:])
				if scales[j] > maxScale {
					maxScale = scales[j]
				}
				if mins[j] > maxMin {
					maxMin = mins[j]
				}
			}
			var invScale, invMin float32
			if maxScale > 0 {
				invScale = 63 / maxScale
			}
			if maxMin > 0 {
				invMin = 63 / maxMin
			}
			for j := range ls {
				ls[j] = min(63, uint8(nearestInt(invScale*scales[j])))
				lm[j] = min(63, uint8(nearestInt(invMin*mins[j])))
			}
			packScaleMin6(out[4:16], &ls, &lm)
			putF16(out[0:], maxScale/63)
			putF16(out[2:], maxMin/63)
		} else {
			qb := qw[i*QKK : (i+1)*QKK]
			sigma2 := float32(2 * sumSquares(xb) / QKK)
			p := q45Weighted
			p.nmax = nmax
			for j := 0; j < QKK/32; j++ {
				xs := xb[32*j : 32*j+32]
				imatrixWeights(weights[:], qb[32*j:32*j+32], xs, sigma2)
				var sumw float32
				for _, w := range weights {
					sumw += w
				}
				sw[j] = sumw
				scales[j], mins[j] = affineScale(p, xs, weights[:], L[32*j:32*j+32], Laux[:])
			}
			dBlock := positiveScale(63, scales[:], ls[:], sw[:])
			mBlock := positiveScale(63, mins[:], lm[:], sw[:])
			if nmax == 31 {
				// ggml clamps here for Q5_K only; the codes positiveScale
				// returns are ≤ 63 anyway unless a scale was negative.
				for j := range ls {
					ls[j], lm[j] = min(63, ls[j]), min(63, lm[j])
				}
			}
			packScaleMin6(out[4:16], &ls, &lm)
			putF16(out[0:], dBlock)
			putF16(out[2:], mBlock)
		}
		d, dmin := getF16(out[0:]), getF16(out[2:])
		for j := 0; j < QKK/32; j++ {
			sc, m := scaleMin6(j, out[4:16])
			sd := d * float32(sc)
			if sd == 0 {
				continue
			}
			dm := float32(dmin * float32(m))
			for ii := 0; ii < 32; ii++ {
				L[32*j+ii] = uint8(clampInt(nearestInt((xb[32*j+ii]+dm)/sd), 0, nmax))
			}
		}
		if nmax == 15 {
			// qs: per 64 values, byte l holds value l (low) and l+32 (high).
			q := out[16:]
			for j := 0; j < QKK; j += 64 {
				for l := 0; l < 32; l++ {
					q[j/2+l] = L[j+l] | L[j+l+32]<<4
				}
			}
		} else {
			// qh bit 2k / 2k+1 of byte l: bit 4 of value 64k+l / 64k+l+32.
			qh, ql := out[16:48], out[48:]
			clear(qh)
			for n := 0; n < QKK; n += 64 {
				m1, m2 := uint8(1)<<(n/32), uint8(2)<<(n/32)
				for j := 0; j < 32; j++ {
					l1, l2 := L[n+j], L[n+j+32]
					if l1 > 15 {
						l1 -= 16
						qh[j] |= m1
					}
					if l2 > 15 {
						l2 -= 16
						qh[j] |= m2
					}
					ql[n/2+j] = l1 | l2<<4
				}
			}
		}
	}
}

// DequantizeQ4_K decodes Q4_K super-blocks. len(dst) must be a multiple of
// 256 and len(src) len(dst)/256*144; otherwise it panics.
func DequantizeQ4_K(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ4_K", len(dst), len(src), QKK, BlockQ4_KBytes)
	for i := 0; i < nb; i++ {
		in := src[i*BlockQ4_KBytes : (i+1)*BlockQ4_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d, dmin := getF16(in[0:]), getF16(in[2:])
		for j := 0; j < QKK/32; j++ {
			sc, m := scaleMin6(j, in[4:16])
			dl, ml := d*float32(sc), float32(dmin*float32(m))
			q := in[16+32*(j/2):]
			shift := 4 * (j % 2)
			for l := 0; l < 32; l++ {
				y[32*j+l] = float32(dl*float32((q[l]>>shift)&0xF)) - ml
			}
		}
	}
}

// DequantizeQ5_K decodes Q5_K super-blocks. len(dst) must be a multiple of
// 256 and len(src) len(dst)/256*176; otherwise it panics.
func DequantizeQ5_K(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ5_K", len(dst), len(src), QKK, BlockQ5_KBytes)
	for i := 0; i < nb; i++ {
		in := src[i*BlockQ5_KBytes : (i+1)*BlockQ5_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d, dmin := getF16(in[0:]), getF16(in[2:])
		qh := in[16:48]
		for j := 0; j < QKK/32; j++ {
			sc, m := scaleMin6(j, in[4:16])
			dl, ml := d*float32(sc), float32(dmin*float32(m))
			q := in[48+32*(j/2):]
			shift := 4 * (j % 2)
			for l := 0; l < 32; l++ {
				v := (q[l] >> shift) & 0xF
				if qh[l]&(1<<j) != 0 {
					v += 16
				}
				y[32*j+l] = float32(dl*float32(v)) - ml
			}
		}
	}
}

// ---- Q6_K

func quantizeQ6_K(dst []byte, x, qw []float32) {
	var L [QKK]int8
	var scales [QKK / 16]float32
	for i := 0; i < len(x)/QKK; i++ {
		xb := x[i*QKK : (i+1)*QKK]
		out := dst[i*BlockQ6_KBytes : (i+1)*BlockQ6_KBytes]
		var maxScale, maxAbs float32
		for ib := 0; ib < QKK/16; ib++ {
			var w []float32 // nil: weights x²
			if qw != nil {
				w = qw[i*QKK+16*ib : i*QKK+16*ib+16]
			}
			s := symmetricScale(32, xb[16*ib:16*ib+16], L[16*ib:16*ib+16], w)
			scales[ib] = s
			if a := abs32(s); a > maxAbs {
				maxAbs, maxScale = a, s
			}
		}
		if maxAbs < groupMaxEps {
			clear(out)
			continue
		}
		iscale := -128 / maxScale
		putF16(out[208:], 1/iscale)
		sc := out[192:208]
		for ib := range sc {
			sc[ib] = byte(int8(min(127, nearestInt(iscale*scales[ib]))))
		}
		d := getF16(out[208:])
		for j := 0; j < QKK/16; j++ {
			sd := d * float32(int8(sc[j]))
			if sd == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = int8(clampInt(nearestInt(xb[16*j+ii]/sd), -32, 31) + 32)
			}
		}
		// Per half of 128 values: ql byte l holds values l (low) and l+64
		// (high), byte l+32 values l+32 and l+96; qh byte l their bits 4–5
		// at bits 0, 2, 4, 6 for l, l+32, l+64, l+96.
		for j := 0; j < QKK; j += 128 {
			ql, qh := out[j/2:], out[128+j/4:]
			for l := 0; l < 32; l++ {
				q1, q2 := uint8(L[j+l]), uint8(L[j+l+32])
				q3, q4 := uint8(L[j+l+64]), uint8(L[j+l+96])
				ql[l] = q1&0xF | (q3&0xF)<<4
				ql[l+32] = q2&0xF | (q4&0xF)<<4
				qh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
			}
		}
	}
}

// DequantizeQ6_K decodes Q6_K super-blocks. len(dst) must be a multiple of
// 256 and len(src) len(dst)/256*210; otherwise it panics.
func DequantizeQ6_K(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ6_K", len(dst), len(src), QKK, BlockQ6_KBytes)
	for i := 0; i < nb; i++ {
		in := src[i*BlockQ6_KBytes : (i+1)*BlockQ6_KBytes]
		y := dst[i*QKK : (i+1)*QKK]
		d := getF16(in[208:])
		for j := 0; j < QKK; j++ {
			h, r := j/128, j%128
			part, l := r/32, r%32 // 0: ql low, 1: ql+32 low, 2: ql high, 3: ql+32 high
			qlb := in[64*h+32*(part%2)+l]
			q := (qlb >> (4 * (part / 2))) & 0xF
			q |= ((in[128+32*h+l] >> (2 * part)) & 3) << 4
			sc := int8(in[192+8*h+2*part+l/16])
			y[j] = d * float32(sc) * float32(int(q)-32)
		}
	}
}

// ---- Q8_K

// QuantizeQ8_K encodes activations as Q8_K blocks (ggml's
// quantize_row_q8_K_ref): per 256 values d = max/−127 for the signed value of
// largest magnitude max, q = min(127, round-half-even(x·(−127/max))), and
// bsums the sums of each 16 codes. An all-zero block is d = 0, codes 0.
// len(src) must be a multiple of 256 and len(dst) len(src)/256*292;
// otherwise it panics.
func QuantizeQ8_K(dst []byte, src []float32) {
	nb := mustBlocksOf("QuantizeQ8_K", len(src), len(dst), QKK, BlockQ8_KBytes)
	for i := 0; i < nb; i++ {
		x := src[i*QKK : (i+1)*QKK]
		out := dst[i*BlockQ8_KBytes : (i+1)*BlockQ8_KBytes]
		peak := signedPeak(x)
		amax := abs32(peak)
		if amax == 0 {
			clear(out[:4+QKK])
			// ggml leaves bsums as they were; zero them so the block is
			// fully defined.
			clear(out[4+QKK:])
			continue
		}
		iscale := -127 / peak
		qs := out[4 : 4+QKK]
		for j, v := range x {
			qs[j] = byte(int8(min(127, nearestInt(iscale*v))))
		}
		for j := 0; j < QKK/16; j++ {
			var sum int
			for _, q := range qs[16*j : 16*j+16] {
				sum += int(int8(q))
			}
			binary.LittleEndian.PutUint16(out[4+QKK+2*j:], uint16(int16(sum)))
		}
		binary.LittleEndian.PutUint32(out, math.Float32bits(1/iscale))
	}
}

// DequantizeQ8_K decodes Q8_K blocks: dst[j] = d·q[j].
func DequantizeQ8_K(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ8_K", len(dst), len(src), QKK, BlockQ8_KBytes)
	for i := 0; i < nb; i++ {
		in := src[i*BlockQ8_KBytes : (i+1)*BlockQ8_KBytes]
		d := math.Float32frombits(binary.LittleEndian.Uint32(in))
		for j := 0; j < QKK; j++ {
			dst[i*QKK+j] = d * float32(int8(in[4+j]))
		}
	}
}
