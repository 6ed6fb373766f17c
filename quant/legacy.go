package quant

import "encoding/binary"

// Bytes per 32-value block of the older ggml types besides Q8_0 and Q4_0.
const (
	// d, m (fp16), qs[16] (4-bit codes: byte j holds values j and j+16).
	// value = d·q + m.
	BlockQ4_1Bytes = 2 + 2 + QK/2
	// d, qh[4] (bit 4 of value j at bit j, little-endian), qs[16].
	// value = d·(q − 16).
	BlockQ5_0Bytes = 2 + 4 + QK/2
	// d, m, qh[4], qs[16]. value = d·q + m.
	BlockQ5_1Bytes = 2 + 2 + 4 + QK/2
)

// The quantizers below are ggml's: without an importance matrix the
// reference ones (quantize_row_q4_1_ref, …), with one the weighted ones
// (quantize_row_q4_0_impl, …), which weigh each value by
// qw·√(σ² + x²) with σ² the mean square of the whole row — so they take one
// row at a time.

// pack4 stores 32 codes as byte j = q[j] | q[j+16]<<4, for codes of at most
// 4 bits; with hi set it also returns bit 4 of code j at bit j (qh).
func pack4(qs []byte, L []uint8) (qh uint32) {
	for j := 0; j < QK/2; j++ {
		a, b := L[j], L[j+QK/2]
		qs[j] = a&0xF | (b&0xF)<<4
		qh |= uint32(a>>4&1)<<j | uint32(b>>4&1)<<(j+QK/2)
	}
	return qh
}

// rowSigma2 is Σx²/n over the row, ggml's σ² for the weighted legacy types.
func rowSigma2(x []float32) float32 { return float32(sumSquares(x) / float32(len(x))) }

// minMax returns the extremes of x as ggml's legacy quantizers find them,
// starting from ±FLT_MAX (NaN never replaces either).
func minMax(x []float32) (lo, hi float32) {
	lo, hi = maxFloat32, -maxFloat32
	for _, v := range x {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

const maxFloat32 = 3.40282346638528859811704183484516925440e+38

// affineRef is the reference affine scale of a block: d = (max−min)/nmax,
// stored with min as fp16 in out[0:4]; it returns min and 1/d (0 for a flat
// block) for the codes.
func affineRef(out []byte, xb []float32, nmax float32) (lo, id float32) {
	lo, hi := minMax(xb)
	d := (hi - lo) / nmax
	putF16(out[0:], d)
	putF16(out[2:], lo)
	return lo, recip(d)
}

// signedPeak returns the value of largest magnitude (the first on ties).
func signedPeak(x []float32) float32 {
	var amax, peak float32
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, peak = a, v
		}
	}
	return peak
}

var legacyWeighted = affineSearch{rmin: -0.9, rdelta: 0.05, nstep: 36, emptyUnlessAbove: true}

// quantizeQ4_0Row is Q4_0 for one row: the reference quantizer (QuantizeQ4_0)
// without weights, ggml's weighted symmetric search with them.
func quantizeQ4_0Row(dst []byte, x, qw []float32) {
	if qw == nil {
		QuantizeQ4_0(dst, x)
		return
	}
	sigma2 := rowSigma2(x)
	var weight [QK]float32
	var L [QK]int8
	var u [QK]uint8
	for b := 0; b < len(x)/QK; b++ {
		xb := x[b*QK : (b+1)*QK]
		out := dst[b*BlockQ4_0Bytes : (b+1)*BlockQ4_0Bytes]
		imatrixWeights(weight[:], qw[b*QK:(b+1)*QK], xb, sigma2)
		putF16(out, symmetricScale(8, xb, L[:], weight[:]))
		for j, l := range L {
			u[j] = uint8(l)
		}
		pack4(out[2:], u[:])
	}
}

// quantizeQ4_1Row: reference min/max quantizer, or ggml's weighted affine
// search.
func quantizeQ4_1Row(dst []byte, x, qw []float32) {
	nb := len(x) / QK
	if qw == nil {
		for b := 0; b < nb; b++ {
			xb := x[b*QK : (b+1)*QK]
			out := dst[b*BlockQ4_1Bytes : (b+1)*BlockQ4_1Bytes]
			lo, id := affineRef(out, xb, 15)
			for j := 0; j < QK/2; j++ {
				q0 := min(15, cInt8(float32((xb[j]-lo)*id)+0.5))
				q1 := min(15, cInt8(float32((xb[j+QK/2]-lo)*id)+0.5))
				out[4+j] = uint8(q0) | uint8(q1)<<4
			}
		}
		return
	}
	sigma2 := rowSigma2(x)
	var weight [QK]float32
	var L, Laux [QK]uint8
	p := legacyWeighted
	p.nmax = 15
	for b := 0; b < nb; b++ {
		xb := x[b*QK : (b+1)*QK]
		out := dst[b*BlockQ4_1Bytes : (b+1)*BlockQ4_1Bytes]
		imatrixWeights(weight[:], qw[b*QK:(b+1)*QK], xb, sigma2)
		d, negMin := affineScale(p, xb, weight[:], L[:], Laux[:])
		putF16(out[0:], d)
		putF16(out[2:], -negMin)
		pack4(out[4:], L[:])
	}
}

// quantizeQ5_0Row: reference (d = max/−16, codes trunc(x/d + 16.5) clamped
// to 31), or ggml's weighted symmetric search.
func quantizeQ5_0Row(dst []byte, x, qw []float32) {
	nb := len(x) / QK
	var L [QK]uint8
	if qw == nil {
		for b := 0; b < nb; b++ {
			xb := x[b*QK : (b+1)*QK]
			out := dst[b*BlockQ5_0Bytes : (b+1)*BlockQ5_0Bytes]
			d := signedPeak(xb) / -16
			id := recip(d)
			putF16(out, d)
			for j, v := range xb {
				L[j] = uint8(min(31, cInt8(float32(v*id)+16.5)))
			}
			binary.LittleEndian.PutUint32(out[2:], pack4(out[6:], L[:]))
		}
		return
	}
	sigma2 := rowSigma2(x)
	var weight [QK]float32
	var Ls [QK]int8
	for b := 0; b < nb; b++ {
		xb := x[b*QK : (b+1)*QK]
		out := dst[b*BlockQ5_0Bytes : (b+1)*BlockQ5_0Bytes]
		imatrixWeights(weight[:], qw[b*QK:(b+1)*QK], xb, sigma2)
		putF16(out, symmetricScale(16, xb, Ls[:], weight[:]))
		for j, l := range Ls {
			L[j] = uint8(l)
		}
		binary.LittleEndian.PutUint32(out[2:], pack4(out[6:], L[:]))
	}
}

// quantizeQ5_1Row: reference min/max quantizer, or ggml's weighted affine
// search.
func quantizeQ5_1Row(dst []byte, x, qw []float32) {
	nb := len(x) / QK
	var L, Laux [QK]uint8
	if qw == nil {
		for b := 0; b < nb; b++ {
			xb := x[b*QK : (b+1)*QK]
			out := dst[b*BlockQ5_1Bytes : (b+1)*BlockQ5_1Bytes]
			lo, id := affineRef(out, xb, 31)
			for j, v := range xb {
				// ggml converts to uint8_t directly; for these values
				// (0…31.5) that is the same truncation.
				L[j] = uint8(cInt8(float32((v-lo)*id) + 0.5))
			}
			binary.LittleEndian.PutUint32(out[4:], pack4(out[8:], L[:]))
		}
		return
	}
	sigma2 := rowSigma2(x)
	var weight [QK]float32
	p := legacyWeighted
	p.nmax = 31
	for b := 0; b < nb; b++ {
		xb := x[b*QK : (b+1)*QK]
		out := dst[b*BlockQ5_1Bytes : (b+1)*BlockQ5_1Bytes]
		imatrixWeights(weight[:], qw[b*QK:(b+1)*QK], xb, sigma2)
		d, negMin := affineScale(p, xb, weight[:], L[:], Laux[:])
		putF16(out[0:], d)
		putF16(out[2:], -negMin)
		binary.LittleEndian.PutUint32(out[4:], pack4(out[8:], L[:]))
	}
}

// DequantizeQ4_1 decodes Q4_1 blocks: value = d·q + m. len(dst) must be a
// multiple of 32 and len(src) len(dst)/32*20; otherwise it panics.
func DequantizeQ4_1(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ4_1", len(dst), len(src), QK, BlockQ4_1Bytes)
	for b := 0; b < nb; b++ {
		in := src[b*BlockQ4_1Bytes : (b+1)*BlockQ4_1Bytes]
		y := dst[b*QK : (b+1)*QK]
		d, m := getF16(in[0:]), getF16(in[2:])
		for j := 0; j < QK/2; j++ {
			y[j] = float32(float32(in[4+j]&0xF)*d) + m
			y[j+QK/2] = float32(float32(in[4+j]>>4)*d) + m
		}
	}
}

// DequantizeQ5_0 decodes Q5_0 blocks: value = d·(q − 16). len(dst) must be
// a multiple of 32 and len(src) len(dst)/32*22; otherwise it panics.
func DequantizeQ5_0(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ5_0", len(dst), len(src), QK, BlockQ5_0Bytes)
	for b := 0; b < nb; b++ {
		in := src[b*BlockQ5_0Bytes : (b+1)*BlockQ5_0Bytes]
		y := dst[b*QK : (b+1)*QK]
		d := getF16(in)
		qh := binary.LittleEndian.Uint32(in[2:])
		for j := 0; j < QK/2; j++ {
			q0 := int(in[6+j]&0xF) | int(qh>>j&1)<<4
			q1 := int(in[6+j]>>4) | int(qh>>(j+QK/2)&1)<<4
			y[j] = float32(q0-16) * d
			y[j+QK/2] = float32(q1-16) * d
		}
	}
}

// DequantizeQ5_1 decodes Q5_1 blocks: value = d·q + m. len(dst) must be a
// multiple of 32 and len(src) len(dst)/32*24; otherwise it panics.
func DequantizeQ5_1(dst []float32, src []byte) {
	nb := mustBlocksOf("DequantizeQ5_1", len(dst), len(src), QK, BlockQ5_1Bytes)
	for b := 0; b < nb; b++ {
		in := src[b*BlockQ5_1Bytes : (b+1)*BlockQ5_1Bytes]
		y := dst[b*QK : (b+1)*QK]
		d, m := getF16(in[0:]), getF16(in[2:])
		qh := binary.LittleEndian.Uint32(in[4:])
		for j := 0; j < QK/2; j++ {
			q0 := int(in[8+j]&0xF) | int(qh>>j&1)<<4
			q1 := int(in[8+j]>>4) | int(qh>>(j+QK/2)&1)<<4
			y[j] = float32(float32(q0)*d) + m
			y[j+QK/2] = float32(float32(q1)*d) + m
		}
	}
}
