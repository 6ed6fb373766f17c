package arm64

// Matrix × vector over the K types (Q2_K…Q6_K) and IQ4_XS, whose rows are
// 256-value super-blocks, against activations quantized by QuantizeQ8_K
// (len(out) rows of len(xq)/QKK super-blocks; xd one scale and xs 16 code
// sums per super-block). Per super-block the codes are multiplied with the
// activation codes in integers, per sub-block scaled by its small integer
// scale, and the result scaled once by the fp16 super-block scale times the
// activation scale; the offsets (the mins of Q2_K, Q4_K, Q5_K) are taken
// from the activation sums, as ggml's vec_dot_q*_K_q8_K do. The exported
// kernels of Q4_K, Q5_K, Q6_K and IQ4_XS, which have NEON, live in their
// own files (matvec_q4_k.go, …); the dot products here are their twins'
// and Q2_K's and Q3_K's, which have no assembly yet.

// MatVecQ2_K computes out = W·x for ggml Q2_K rows and x quantized by
// QuantizeQ8_K.
func MatVecQ2_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ2_KGeneric(out, w, xq, xd, xs)
}

func matVecQ2_KGeneric(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ8_KWith(out, w, xq, xd, xs, BlockQ2_K, dotQ2_K)
}

// MatVecQ3_K is MatVecQ2_K for Q3_K rows.
func MatVecQ3_K(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ3_KGeneric(out, w, xq, xd, xs)
}

func matVecQ3_KGeneric(out []float32, w []byte, xq []int8, xd []float32, xs []int16) {
	matVecQ8_KWith(out, w, xq, xd, xs, BlockQ3_K, dotQ3_K)
}

// dotQ8_KFunc is one row's product against QuantizeQ8_K activations
// (nb = len(xd) super-blocks).
type dotQ8_KFunc func(row []byte, xq []int8, xd []float32, xs []int16) float32

func matVecQ8_KWith(out []float32, w []byte, xq []int8, xd []float32, xs []int16, blockBytes int, dot dotQ8_KFunc) {
	nb := len(xq) / QKK
	matVecRows(out, w, nb, blockBytes, func(row []byte) float32 {
		return dot(row, xq[:nb*QKK], xd[:nb], xs[:nb*QKK/16])
	})
}

// Q2_K: scales[16] (low nibble scale, high nibble min of each 16 values),
// qs[64], d, dmin. Group g of 16 values (g = 8h + 2s + k for half h, shift
// s, k) has its codes at bits 2s of qs[32h + 16k + l].
func dotQ2_K(row []byte, xq []int8, xd []float32, xs []int16) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ2_K]byte)(row[b*BlockQ2_K:])
		x := (*[QKK]int8)(xq[b*QKK:])
		bs := (*[QKK / 16]int16)(xs[b*QKK/16:])
		var acc, macc int32
		for g := 0; g < QKK/16; g++ {
			h, s, k := g/8, uint(g%8/2), g%2
			q := blk[16+32*h+16*k : 16+32*h+16*k+16]
			xg := x[16*g : 16*g+16]
			var a int32
			for l := 0; l < 16; l++ {
				a += int32(q[l]>>(2*s)&3) * int32(xg[l])
			}
			acc += int32(blk[g]&0xF) * a
			macc += int32(blk[g]>>4) * int32(bs[g])
		}
		sum += xd[b] * (f16At(blk[80:])*float32(acc) - f16At(blk[82:])*float32(macc))
	}
	return sum
}

// Q3_K: hmask[32], qs[64], scales[12] (16 six-bit scales stored +32), d.
// Group g as in Q2_K; a code is its two bits minus 4 unless its hmask bit
// (bit 4h + s of hmask[16k + l]) is set.
func dotQ3_K(row []byte, xq []int8, xd []float32, _ []int16) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ3_K]byte)(row[b*BlockQ3_K:])
		x := (*[QKK]int8)(xq[b*QKK:])
		sc := blk[96:108]
		var acc int32
		for g := 0; g < QKK/16; g++ {
			h, s, k := g/8, uint(g%8/2), g%2
			q := blk[32+32*h+16*k : 32+32*h+16*k+16]
			hm := blk[16*k : 16*k+16]
			bit := byte(1) << (4*uint(h) + s)
			xg := x[16*g : 16*g+16]
			var a int32
			for l := 0; l < 16; l++ {
				c := int32(q[l] >> (2 * s) & 3)
				if hm[l]&bit == 0 {
					c -= 4
				}
				a += c * int32(xg[l])
			}
			var lo byte
			if g < 8 {
				lo = sc[g] & 0xF
			} else {
				lo = sc[g-8] >> 4
			}
			scale := int32(lo|(sc[8+g%4]>>(2*(g/4))&3)<<4) - 32
			acc += scale * a
		}
		sum += xd[b] * f16At(blk[108:]) * float32(acc)
	}
	return sum
}

// scaleMin6 reads the six-bit scale and min of sub-block j of Q4_K and
// Q5_K from their 12 bytes.
func scaleMin6(j int, q []byte) (sc, m int32) {
	if j < 4 {
		return int32(q[j] & 63), int32(q[j+4] & 63)
	}
	return int32(q[j+4]&0xF | (q[j-4]>>6)<<4), int32(q[j+4]>>4 | (q[j]>>6)<<4)
}

// Q4_K: d, dmin, scales[12], qs[128]. Sub-block j of 32 values: nibble
// j%2 of qs[32(j/2) + l]; value = d·sc·q − dmin·m.
func dotQ4_K(row []byte, xq []int8, xd []float32, xs []int16) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ4_K]byte)(row[b*BlockQ4_K:])
		x := (*[QKK]int8)(xq[b*QKK:])
		bs := (*[QKK / 16]int16)(xs[b*QKK/16:])
		var acc, macc int32
		for j := 0; j < QKK/32; j++ {
			sc, m := scaleMin6(j, blk[4:16])
			q := (*[32]byte)(blk[16+32*(j/2):])
			xj := (*[32]int8)(x[32*j:])
			shift := uint(4 * (j % 2))
			var a int32
			for l := 0; l < 32; l++ {
				a += int32(q[l]>>shift&0xF) * int32(xj[l])
			}
			acc += sc * a
			macc += m * (int32(bs[2*j]) + int32(bs[2*j+1]))
		}
		sum += xd[b] * (f16At(blk[0:])*float32(acc) - f16At(blk[2:])*float32(macc))
	}
	return sum
}

// Q5_K: Q4_K with qh[32] before qs, bit j of qh[l] being bit 4 of value l
// of sub-block j.
func dotQ5_K(row []byte, xq []int8, xd []float32, xs []int16) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ5_K]byte)(row[b*BlockQ5_K:])
		x := (*[QKK]int8)(xq[b*QKK:])
		bs := (*[QKK / 16]int16)(xs[b*QKK/16:])
		qh := (*[32]byte)(blk[16:])
		var acc, macc int32
		for j := 0; j < QKK/32; j++ {
			sc, m := scaleMin6(j, blk[4:16])
			q := (*[32]byte)(blk[48+32*(j/2):])
			xj := (*[32]int8)(x[32*j:])
			shift := uint(4 * (j % 2))
			var a int32
			for l := 0; l < 32; l++ {
				c := int32(q[l]>>shift&0xF) | int32(qh[l]>>uint(j)&1)<<4
				a += c * int32(xj[l])
			}
			acc += sc * a
			macc += m * (int32(bs[2*j]) + int32(bs[2*j+1]))
		}
		sum += xd[b] * (f16At(blk[0:])*float32(acc) - f16At(blk[2:])*float32(macc))
	}
	return sum
}

// Q6_K: ql[128], qh[64], scales[16] (int8), d. Value 128h + 32p + l (part
// p < 4, l < 32): low nibble p/2 of ql[64h + 32(p%2) + l], bits 2p of
// qh[32h + l] above it; value = d·scale[8h + 2p + l/16]·(q − 32).
func dotQ6_K(row []byte, xq []int8, xd []float32, xs []int16) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockQ6_K]byte)(row[b*BlockQ6_K:])
		x := (*[QKK]int8)(xq[b*QKK:])
		bs := (*[QKK / 16]int16)(xs[b*QKK/16:])
		var acc, off int32
		for h := 0; h < 2; h++ {
			qh := (*[32]byte)(blk[128+32*h:])
			for p := 0; p < 4; p++ {
				ql := (*[32]byte)(blk[64*h+32*(p%2):])
				lshift, hshift := uint(4*(p/2)), uint(2*p)
				xp := (*[32]int8)(x[128*h+32*p:])
				for k := 0; k < 2; k++ {
					var a int32
					for l := 16 * k; l < 16*k+16; l++ {
						c := int32(ql[l]>>lshift&0xF) | int32(qh[l]>>hshift&3)<<4
						a += c * int32(xp[l])
					}
					g := 8*h + 2*p + k
					sc := int32(int8(blk[192+g]))
					acc += sc * a
					off += sc * int32(bs[g])
				}
			}
		}
		sum += xd[b] * f16At(blk[208:]) * float32(acc-32*off)
	}
	return sum
}

// IQ4_XS: d, scales_h (bits 4–5 of the eight six-bit scales, stored +32),
// scales_l[4] (their low nibbles), qs[128] (per 32 values as IQ4_NL).
func dotIQ4_XS(row []byte, xq []int8, xd []float32, _ []int16) float32 {
	var sum float32
	for b := range xd {
		blk := (*[BlockIQ4_XS]byte)(row[b*BlockIQ4_XS:])
		x := (*[QKK]int8)(xq[b*QKK:])
		sh := uint16(blk[2]) | uint16(blk[3])<<8
		var acc int32
		for ib := 0; ib < QKK/32; ib++ {
			ls := int32(blk[4+ib/2]>>(4*uint(ib%2))&0xF) | int32(sh>>(2*uint(ib))&3)<<4
			q := (*[16]byte)(blk[8+16*ib:])
			xj := (*[32]int8)(x[32*ib:])
			var a int32
			for j := 0; j < 16; j++ {
				a += int32(iq4Values[q[j]&0xF])*int32(xj[j]) + int32(iq4Values[q[j]>>4])*int32(xj[j+16])
			}
			acc += (ls - 32) * a
		}
		sum += xd[b] * f16At(blk[0:]) * float32(acc)
	}
	return sum
}
