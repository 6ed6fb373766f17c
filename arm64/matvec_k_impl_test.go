package arm64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of the K-type and IQ4_XS kernels with assembly
// against the generic twin. The integer sums are exact in every
// implementation; the float part (super-block scale × integer sum, times
// the activation scale, summed over the super-blocks in order) may differ
// only by rounding and fused multiply-adds, so the allowed difference is
// 1e-5 of Σ|term| over the row's values (each value's dequantized weight
// parts times its activation), plus a few subnormal steps per block.

// kKernel is one weight type's pair of kernels with what the tests need
// to know of its blocks.
type kKernel struct {
	mvName, mmName string
	blockBytes     int
	fp16           []int                              // offsets of the fp16 scales in a block
	codes, scales  [2]int                             // byte ranges of the codes and the sub-block scales
	scaleFills     []byte                             // scale bytes that give extreme sub-block scales
	mag            func(blk []byte, x []int8) float64 // Σ|term| of one block, before the activation scale
	mv, mvRef      func(out []float32, w []byte, xq []int8, xd []float32, xs []int16)
	mm, mmRef      func(out []float32, ldOut int, w []byte, xq []int8, xd []float32, xs []int16, T int)
}

func absI(v int32) float64 { return math.Abs(float64(v)) }

var kKernels = []kKernel{
	{
		"MatVecQ4_K", "MatMulQ4_K", BlockQ4_K, []int{0, 2}, [2]int{16, 144}, [2]int{4, 16}, []byte{0x00, 0xFF, 0x3F, 0xC0},
		func(blk []byte, x []int8) float64 {
			d, dmin := math.Abs(float64(f16At(blk[0:]))), math.Abs(float64(f16At(blk[2:])))
			var sum float64
			for j := 0; j < 8; j++ {
				sc, m := scaleMin6(j, blk[4:16])
				for l := 0; l < 32; l++ {
					q := int32(blk[16+32*(j/2)+l] >> (4 * uint(j%2)) & 0xF)
					sum += (d*float64(sc*q) + dmin*float64(m)) * absI(int32(x[32*j+l]))
				}
			}
			return sum
		},
		MatVecQ4_K, matVecQ4_KGeneric, MatMulQ4_K, matMulQ4_KGeneric,
	},
	{
		"MatVecQ5_K", "MatMulQ5_K", BlockQ5_K, []int{0, 2}, [2]int{16, 176}, [2]int{4, 16}, []byte{0x00, 0xFF, 0x3F, 0xC0},
		func(blk []byte, x []int8) float64 {
			d, dmin := math.Abs(float64(f16At(blk[0:]))), math.Abs(float64(f16At(blk[2:])))
			var sum float64
			for j := 0; j < 8; j++ {
				sc, m := scaleMin6(j, blk[4:16])
				for l := 0; l < 32; l++ {
					q := int32(blk[48+32*(j/2)+l]>>(4*uint(j%2))&0xF) | int32(blk[16+l]>>uint(j)&1)<<4
					sum += (d*float64(sc*q) + dmin*float64(m)) * absI(int32(x[32*j+l]))
				}
			}
			return sum
		},
		MatVecQ5_K, matVecQ5_KGeneric, MatMulQ5_K, matMulQ5_KGeneric,
	},
	{
		"MatVecQ6_K", "MatMulQ6_K", BlockQ6_K, []int{208}, [2]int{0, 192}, [2]int{192, 208}, []byte{0x00, 0x7F, 0x80, 0xFF},
		func(blk []byte, x []int8) float64 {
			d := math.Abs(float64(f16At(blk[208:])))
			var sum float64
			for i := 0; i < QKK; i++ {
				h, p, l := i/128, i%128/32, i%32
				q := int32(blk[64*h+32*(p%2)+l]>>(4*uint(p/2))&0xF) | int32(blk[128+32*h+l]>>(2*uint(p))&3)<<4
				sc := int32(int8(blk[192+8*h+2*p+l/16]))
				// The kernels sum sc·q·x and 32·sc·x apart.
				sum += d * (absI(sc*q) + absI(32*sc)) * absI(int32(x[i]))
			}
			return sum
		},
		MatVecQ6_K, matVecQ6_KGeneric, MatMulQ6_K, matMulQ6_KGeneric,
	},
	{
		"MatVecIQ4_XS", "MatMulIQ4_XS", BlockIQ4_XS, []int{0}, [2]int{8, 136}, [2]int{2, 8}, []byte{0x00, 0xFF, 0x88, 0x77},
		func(blk []byte, x []int8) float64 {
			d := math.Abs(float64(f16At(blk[0:])))
			sh := uint16(blk[2]) | uint16(blk[3])<<8
			var sum float64
			for ib := 0; ib < 8; ib++ {
				ls := int32(blk[4+ib/2]>>(4*uint(ib%2))&0xF) | int32(sh>>(2*uint(ib))&3)<<4
				for j := 0; j < 16; j++ {
					q := blk[8+16*ib+j]
					sum += d * absI(ls-32) * (absI(int32(iq4Values[q&0xF])*int32(x[32*ib+j])) + absI(int32(iq4Values[q>>4])*int32(x[32*ib+j+16])))
				}
			}
			return sum
		},
		MatVecIQ4_XS, matVecIQ4_XSGeneric, MatMulIQ4_XS, matMulIQ4_XSGeneric,
	},
}

// kWeights returns rows×nb random super-blocks with fp16 scales drawn by
// scale.
func kWeights(r *rand.Rand, k kKernel, rows, nb int, scale func() uint16) []byte {
	w := make([]byte, rows*nb*k.blockBytes)
	for i := range w {
		w[i] = byte(r.Uint32())
	}
	for o := 0; o < len(w); o += k.blockBytes {
		for _, f := range k.fp16 {
			h := scale()
			w[o+f], w[o+f+1] = byte(h), byte(h>>8)
		}
	}
	return w
}

// kActs returns nb super-blocks of activations in QuantizeQ8_K's form:
// quantized from normal values of the given scale, or (pick != nil) codes
// drawn by pick with positive scales near s. The 16-value sums always
// match the codes.
func kActs(r *rand.Rand, nb int, scale float64, pick func(r *rand.Rand) int8, s float32) ([]int8, []float32, []int16) {
	xq, xd, xs := make([]int8, nb*QKK), make([]float32, nb), make([]int16, nb*QKK/16)
	if pick == nil {
		quantizeQ8_KGeneric(xq, xd, xs, randF32(r, nb*QKK, scale))
		return xq, xd, xs
	}
	for i := range xq {
		xq[i] = pick(r)
	}
	for i := range xd {
		xd[i] = s * float32(0.5+r.Float64())
	}
	for g := range xs {
		var sum int16
		for _, v := range xq[16*g : 16*g+16] {
			sum += int16(v)
		}
		xs[g] = sum
	}
	return xq, xd, xs
}

type kActCase struct {
	name  string
	scale float64
	pick  func(r *rand.Rand) int8
	s     float32
}

var kActCases = []kActCase{
	{"quantized", 1, nil, 0},
	{"quantized-tiny", 1e-30, nil, 0},
	{"zero", 0, func(*rand.Rand) int8 { return 0 }, 1},
	{"±127", 0, func(r *rand.Rand) int8 { return int8(127 - 254*r.IntN(2)) }, 0.01},
	{"-128", 0, func(*rand.Rand) int8 { return -128 }, 0.01},
	{"any", 0, func(r *rand.Rand) int8 { return int8(r.IntN(256)) }, 0.01},
}

// kWeightEdit makes a matrix's blocks extreme: every code byte set to
// codes (if ≥ 0) and every scale byte to scales (if ≥ 0).
func kWeightEdit(w []byte, k kKernel, codes, scales int) {
	for o := 0; o < len(w); o += k.blockBytes {
		if codes >= 0 {
			for i := k.codes[0]; i < k.codes[1]; i++ {
				w[o+i] = byte(codes)
			}
		}
		if scales >= 0 {
			for i := k.scales[0]; i < k.scales[1]; i++ {
				w[o+i] = byte(scales)
			}
		}
	}
}

// kBound is the allowed difference for row i: 1e-5·Σ|term| + slack.
func kBound(k kKernel, row []byte, xq []int8, xd []float32) float64 {
	var mag float64
	for b := range xd {
		m := k.mag(row[b*k.blockBytes:(b+1)*k.blockBytes], xq[b*QKK:(b+1)*QKK])
		mag += math.Abs(float64(xd[b])) * m
	}
	return 1e-5*mag + float64(len(xd))*8*0x1p-149
}

var kScaleCases = []struct {
	name  string
	scale func(r *rand.Rand) uint16
}{
	{"typical", func(r *rand.Rand) uint16 { return randHalf(r, 5, 12) }},
	{"wide", func(r *rand.Rand) uint16 { return randHalf(r, 1, 30) }},
	{"fp16-max", func(r *rand.Rand) uint16 { return 0x7bff | uint16(r.IntN(2))<<15 }},
	{"fp16-subnormal", func(r *rand.Rand) uint16 { return uint16(1+r.IntN(0x3ff)) | uint16(r.IntN(2))<<15 }},
	{"zero", func(r *rand.Rand) uint16 { return uint16(r.IntN(2)) << 15 }},
}

var kRowCounts = []int{1, 2, 3, 5, 7, 8, 9, 17}
var kBlockCounts = []int{1, 2, 3, 5}

// kEdits are the extreme weight patterns: none, then every scale fill
// with random codes, then the extreme codes with every scale fill.
func kEdits(k kKernel) [][2]int {
	e := [][2]int{{-1, -1}}
	for _, s := range k.scaleFills {
		e = append(e, [2]int{-1, int(s)}, [2]int{0x00, int(s)}, [2]int{0xFF, int(s)})
	}
	return e
}

func TestMatVecKImplementations(t *testing.T) {
	for _, k := range kKernels {
		t.Run(k.mvName, func(t *testing.T) {
			forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
				r := implRand(21)
				nonzero := 0
				for _, sc := range kScaleCases {
					for _, ac := range kActCases {
						for _, edit := range kEdits(k) {
							for _, nb := range kBlockCounts {
								rows := kRowCounts[r.IntN(len(kRowCounts))]
								w := kWeights(r, k, rows, nb, func() uint16 { return sc.scale(r) })
								kWeightEdit(w, k, edit[0], edit[1])
								xq, xd, xs := kActs(r, nb, ac.scale, ac.pick, ac.s)
								nonzero += checkMatVecTwin(t, rows, nb*k.blockBytes, w,
									func(out []float32) { k.mv(out, w, xq, xd, xs) },
									func(out []float32) { k.mvRef(out, w, xq, xd, xs) },
									func(row []byte) float64 { return kBound(k, row, xq, xd) },
									func() string {
										return fmt.Sprintf("scales %s, acts %s, edit %v, nb=%d rows=%d", sc.name, ac.name, edit, nb, rows)
									})
							}
						}
					}
				}
				if nonzero == 0 {
					t.Fatal("every output was zero: the test data is degenerate")
				}
			})
		})
	}
}

// TestMatVecKAllRowCounts runs every row count of kRowCounts with every
// block count on typical data (the test above draws one row count per
// case).
func TestMatVecKAllRowCounts(t *testing.T) {
	for _, k := range kKernels {
		t.Run(k.mvName, func(t *testing.T) {
			forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
				r := implRand(22)
				for _, nb := range kBlockCounts {
					for _, rows := range kRowCounts {
						w := kWeights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) })
						xq, xd, xs := kActs(r, nb, 1, nil, 0)
						checkMatVecTwin(t, rows, nb*k.blockBytes, w,
							func(out []float32) { k.mv(out, w, xq, xd, xs) },
							func(out []float32) { k.mvRef(out, w, xq, xd, xs) },
							func(row []byte) float64 { return kBound(k, row, xq, xd) },
							func() string { return fmt.Sprintf("nb=%d rows=%d", nb, rows) })
					}
				}
			})
		})
	}
}

func TestMatMulKImplementations(t *testing.T) {
	for _, k := range kKernels {
		t.Run(k.mmName, func(t *testing.T) {
			forEachImpl(t, k.mmName, func(t *testing.T, impl string) {
				r := implRand(23)
				for _, T := range []int{1, 2, 3, 5, 8} {
					for _, shape := range [][2]int{{1, 1}, {7, 2}, {9, 1}, {17, 3}} {
						rows, nb := shape[0], shape[1]
						w := kWeights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) })
						xq, xd, xs := kActs(r, T*nb, 1, nil, 0)
						checkMatMulTwin(t, T, rows, rows+3, nb*k.blockBytes, w,
							func(out []float32, ld int) { k.mm(out, ld, w, xq, xd, xs, T) },
							func(out []float32, ld int) { k.mmRef(out, ld, w, xq, xd, xs, T) },
							func(row []byte, tok int) float64 {
								return kBound(k, row, xq[tok*nb*QKK:(tok+1)*nb*QKK], xd[tok*nb:(tok+1)*nb])
							},
							fmt.Sprintf("T=%d rows=%d nb=%d", T, rows, nb))
					}
				}
			})
		})
	}
}

// TestMatVecKShortOperands: operands shorter than the shapes imply must
// panic (the generic twin's bounds checks), never be read past their end.
func TestMatVecKShortOperands(t *testing.T) {
	for _, k := range kKernels {
		forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
			r := implRand(24)
			w := kWeights(r, k, 9, 3, func() uint16 { return randHalf(r, 5, 12) })
			xq, xd, xs := kActs(r, 3, 1, nil, 0)
			expectPanics(t, k.mvName+" "+impl, map[string]func(){
				"short w":  func() { k.mv(make([]float32, 9), w[:len(w)-1], xq, xd, xs) },
				"short xd": func() { k.mv(make([]float32, 9), w, xq, xd[:2:2], xs) },
				"short xs": func() { k.mv(make([]float32, 9), w, xq, xd, xs[:len(xs)-1:len(xs)-1]) },
			})
		})
	}
}

func (k kKernel) String() string { return fmt.Sprintf("%s/%d", k.mvName, k.blockBytes) }

// TestKKernelsDoNotAllocate: the kernels run per token on the hot path.
func TestKKernelsDoNotAllocate(t *testing.T) {
	r := implRand(25)
	const rows, nb, T = 9, 2, 3
	xq, xd, xs := kActs(r, T*nb, 1, nil, 0)
	x := randF32(r, nb*QKK, 1)
	out := make([]float32, T*rows)
	for _, k := range kKernels {
		w := kWeights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) })
		if a := testing.AllocsPerRun(5, func() {
			k.mv(out[:rows], w, xq[:nb*QKK], xd[:nb], xs[:nb*QKK/16])
			k.mm(out, rows, w, xq, xd, xs, T)
			QuantizeQ8_K(xq[:nb*QKK], xd[:nb], xs[:nb*QKK/16], x)
		}); a != 0 {
			t.Errorf("%s: %v allocations per call", k.mvName, a)
		}
	}
}

// TestMatMulKMatchesMatVec: with the same implementation, each token's
// results from the prefill kernel have the bits of the matvec kernel's
// (the two-token assembly repeats the matvec arithmetic).
func TestMatMulKMatchesMatVec(t *testing.T) {
	for _, k := range kKernels {
		forEachImpl(t, k.mmName, func(t *testing.T, impl string) {
			r := implRand(26)
			const rows, nb, T = 13, 2, 5
			w := kWeights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) })
			xq, xd, xs := kActs(r, T*nb, 1, nil, 0)
			out := make([]float32, T*rows)
			k.mm(out, rows, w, xq, xd, xs, T)
			checkMatMulMatchesMatVec(t, k.mmName+" "+impl, T, rows, out, func(one []float32, tok int) {
				k.mv(one, w, xq[tok*nb*QKK:(tok+1)*nb*QKK], xd[tok*nb:(tok+1)*nb], xs[tok*nb*16:(tok+1)*nb*16])
			})
		})
	}
}
