package arm64

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every implementation of the 32-value block kernels with assembly that
// take QuantizeQ8's activations (IQ4_NL, Q5_0) and QuantizeQ8_1's (Q4_1, Q5_1)
// against the generic twin. As in
// matvec_k_impl_test.go, the integer block sums are exact everywhere and
// only the float part may round differently: the allowed difference is
// 1e-5 of Σ|term| (terms d_w·d_x·q_w·q_x over the row, and m·xs) plus a few
// subnormal steps per block.

type q32Kernel struct {
	mvName, mmName string
	blockBytes     int
	fp16           []int                                              // offsets of the fp16 scales in a block
	codes          [2]int                                             // byte range of the codes
	mag            func(blk []byte, x []int8, xd, xs float32) float64 // Σ|term| of one block
	mv, mvRef      func(out []float32, w []byte, xq []int8, xd, xs []float32)
	mm, mmRef      func(out []float32, ldOut int, w []byte, xq []int8, xd, xs []float32, T int)
}

// q8Mv and q8Mm adapt the kernels over QuantizeQ8's activations (no xs).
func q8Mv(f func([]float32, []byte, []int8, []float32)) func([]float32, []byte, []int8, []float32, []float32) {
	return func(out []float32, w []byte, xq []int8, xd, _ []float32) { f(out, w, xq, xd) }
}

func q8Mm(f func([]float32, int, []byte, []int8, []float32, int)) func([]float32, int, []byte, []int8, []float32, []float32, int) {
	return func(out []float32, ldOut int, w []byte, xq []int8, xd, _ []float32, T int) {
		f(out, ldOut, w, xq, xd, T)
	}
}

// nibMag is Σ|d|·|code(j)|·|x_j| + |m·xs| over a block of 32 values.
func nibMag(d, m float32, code func(j int) int32, x []int8, xd, xs float32) float64 {
	var sum float64
	for j := 0; j < QK; j++ {
		sum += absI(code(j) * int32(x[j]))
	}
	return math.Abs(float64(d))*math.Abs(float64(xd))*sum + math.Abs(float64(m)*float64(xs))
}

var q32Kernels = []q32Kernel{
	{
		"MatVecIQ4_NL", "MatMulIQ4_NL", BlockIQ4_NL, []int{0}, [2]int{2, 18},
		func(blk []byte, x []int8, xd, xs float32) float64 {
			return nibMag(f16At(blk), 0, func(j int) int32 { return int32(iq4Values[blk[2+j%16]>>(4*uint(j/16))&0xF]) }, x, xd, xs)
		},
		q8Mv(MatVecIQ4_NL), q8Mv(matVecIQ4_NLGeneric), q8Mm(MatMulIQ4_NL), q8Mm(matMulIQ4_NLGeneric),
	},
	{
		"MatVecQ5_0", "MatMulQ5_0", BlockQ5_0, []int{0}, [2]int{2, 22},
		func(blk []byte, x []int8, xd, xs float32) float64 {
			qh := u32At(blk[2:])
			return nibMag(f16At(blk), 0, func(j int) int32 {
				return int32(blk[6+j%16]>>(4*uint(j/16))&0xF) | int32(qh>>uint(j)&1)<<4 - 16
			}, x, xd, xs)
		},
		q8Mv(MatVecQ5_0), q8Mv(matVecQ5_0Generic), q8Mm(MatMulQ5_0), q8Mm(matMulQ5_0Generic),
	},
	{
		"MatVecQ4_1", "MatMulQ4_1", BlockQ4_1, []int{0, 2}, [2]int{4, 20},
		func(blk []byte, x []int8, xd, xs float32) float64 {
			return nibMag(f16At(blk), f16At(blk[2:]), func(j int) int32 { return int32(blk[4+j%16] >> (4 * uint(j/16)) & 0xF) }, x, xd, xs)
		},
		MatVecQ4_1, matVecQ4_1Generic, MatMulQ4_1, matMulQ4_1Generic,
	},
	{
		"MatVecQ5_1", "MatMulQ5_1", BlockQ5_1, []int{0, 2}, [2]int{4, 24},
		func(blk []byte, x []int8, xd, xs float32) float64 {
			qh := u32At(blk[4:])
			return nibMag(f16At(blk), f16At(blk[2:]), func(j int) int32 {
				return int32(blk[8+j%16]>>(4*uint(j/16))&0xF) | int32(qh>>uint(j)&1)<<4
			}, x, xd, xs)
		},
		MatVecQ5_1, matVecQ5_1Generic, MatMulQ5_1, matMulQ5_1Generic,
	},
}

// q32Weights returns rows×nb random blocks whose fp16 scale (the first two
// bytes) is drawn by scale and, if codes ≥ 0, every byte after it (codes
// and Q5_0's high bits) is codes.
func q32Weights(r *rand.Rand, k q32Kernel, rows, nb int, scale func() uint16, codes int) []byte {
	w := make([]byte, rows*nb*k.blockBytes)
	for i := range w {
		w[i] = byte(r.Uint32())
	}
	for o := 0; o < len(w); o += k.blockBytes {
		for _, f := range k.fp16 {
			h := scale()
			w[o+f], w[o+f+1] = byte(h), byte(h>>8)
		}
		if codes >= 0 {
			for i := k.codes[0]; i < k.codes[1]; i++ {
				w[o+i] = byte(codes)
			}
		}
	}
	return w
}

// q32Acts returns nb blocks of activations in QuantizeQ8_1's form (xs
// unread by the Q8 kernels), quantized from normal values of the given
// scale or (pick != nil) codes drawn by pick with positive scales near s.
func q32Acts(r *rand.Rand, nb int, ac kActCase) ([]int8, []float32, []float32) {
	xq, xd, xs := make([]int8, nb*QK), make([]float32, nb), make([]float32, nb)
	if ac.pick == nil {
		quantizeQ8_1Generic(xq, xd, xs, randF32(r, nb*QK, ac.scale))
		return xq, xd, xs
	}
	for i := range xq {
		xq[i] = ac.pick(r)
	}
	for b := range xd {
		xd[b] = ac.s * float32(0.5+r.Float64())
		var sum int32
		for _, v := range xq[b*QK : (b+1)*QK] {
			sum += int32(v)
		}
		xs[b] = xd[b] * float32(sum)
	}
	return xq, xd, xs
}

func q32Bound(k q32Kernel, row []byte, xq []int8, xd, xs []float32) float64 {
	var mag float64
	for b := range xd {
		mag += k.mag(row[b*k.blockBytes:(b+1)*k.blockBytes], xq[b*QK:(b+1)*QK], xd[b], xs[b])
	}
	return 1e-5*mag + float64(len(xd))*8*0x1p-149
}

var q32RowCounts = []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 25}
var q32BlockCounts = []int{1, 2, 3, 5, 24}

func TestMatVecQ32Implementations(t *testing.T) {
	for _, k := range q32Kernels {
		t.Run(k.mvName, func(t *testing.T) {
			forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
				r := implRand(31)
				nonzero := 0
				for _, sc := range kScaleCases {
					for _, ac := range kActCases {
						for _, codes := range []int{-1, 0x00, 0xFF, 0x0F, 0xF0} {
							for _, nb := range q32BlockCounts {
								for _, rows := range []int{q32RowCounts[r.IntN(len(q32RowCounts))], 8 + r.IntN(9)} {
									w := q32Weights(r, k, rows, nb, func() uint16 { return sc.scale(r) }, codes)
									xq, xd, xs := q32Acts(r, nb, ac)
									nonzero += checkMatVecTwin(t, rows, nb*k.blockBytes, w,
										func(out []float32) { k.mv(out, w, xq, xd, xs) },
										func(out []float32) { k.mvRef(out, w, xq, xd, xs) },
										func(row []byte) float64 { return q32Bound(k, row, xq, xd, xs) },
										func() string {
											return fmt.Sprintf("scales %s, acts %s, codes %#x, nb=%d rows=%d", sc.name, ac.name, codes, nb, rows)
										})
								}
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

// TestMatVecQ32AllRowCounts runs every row count with every block count on
// typical data, so that every split between the 8-row groups and the
// one-row tail is seen.
func TestMatVecQ32AllRowCounts(t *testing.T) {
	for _, k := range q32Kernels {
		t.Run(k.mvName, func(t *testing.T) {
			forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
				r := implRand(32)
				for _, nb := range q32BlockCounts {
					for _, rows := range q32RowCounts {
						w := q32Weights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) }, -1)
						xq, xd, xs := q32Acts(r, nb, kActCases[0])
						checkMatVecTwin(t, rows, nb*k.blockBytes, w,
							func(out []float32) { k.mv(out, w, xq, xd, xs) },
							func(out []float32) { k.mvRef(out, w, xq, xd, xs) },
							func(row []byte) float64 { return q32Bound(k, row, xq, xd, xs) },
							func() string { return fmt.Sprintf("nb=%d rows=%d", nb, rows) })
					}
				}
			})
		})
	}
}

func TestMatMulQ32Implementations(t *testing.T) {
	for _, k := range q32Kernels {
		t.Run(k.mmName, func(t *testing.T) {
			forEachImpl(t, k.mmName, func(t *testing.T, impl string) {
				r := implRand(33)
				for _, T := range []int{1, 2, 3, 5, 8} {
					for _, shape := range [][2]int{{1, 1}, {7, 2}, {9, 1}, {17, 3}, {1100, 2}} {
						rows, nb := shape[0], shape[1]
						w := q32Weights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) }, -1)
						xq, xd, xs := q32Acts(r, T*nb, kActCases[0])
						checkMatMulTwin(t, T, rows, rows+3, nb*k.blockBytes, w,
							func(out []float32, ld int) { k.mm(out, ld, w, xq, xd, xs, T) },
							func(out []float32, ld int) { k.mmRef(out, ld, w, xq, xd, xs, T) },
							func(row []byte, tok int) float64 {
								return q32Bound(k, row, xq[tok*nb*QK:(tok+1)*nb*QK], xd[tok*nb:(tok+1)*nb], xs[tok*nb:(tok+1)*nb])
							},
							fmt.Sprintf("T=%d rows=%d nb=%d", T, rows, nb))
					}
				}
			})
		})
	}
}

// TestMatVecQ32ShortOperands: operands shorter than the shapes imply must
// panic (the generic twin's bounds checks), never be read past their end.
func TestMatVecQ32ShortOperands(t *testing.T) {
	for _, k := range q32Kernels {
		forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
			r := implRand(34)
			w := q32Weights(r, k, 9, 3, func() uint16 { return randHalf(r, 5, 12) }, -1)
			xq, xd, xs := q32Acts(r, 3, kActCases[0])
			calls := map[string]func(){
				"short w":  func() { k.mv(make([]float32, 9), w[:len(w)-1], xq, xd, xs) },
				"short xd": func() { k.mv(make([]float32, 9), w, xq, xd[:2:2], xs) },
			}
			if len(k.fp16) == 2 { // the types with an offset read xs
				calls["short xs"] = func() { k.mv(make([]float32, 9), w, xq, xd, xs[:2:2]) }
			}
			expectPanics(t, k.mvName+" "+impl, calls)
		})
	}
}

// TestQ32KernelsDoNotAllocate: the kernels run per token on the hot path.
func TestQ32KernelsDoNotAllocate(t *testing.T) {
	r := implRand(35)
	const rows, nb, T = 9, 2, 3
	xq, xd, xs := q32Acts(r, T*nb, kActCases[0])
	out := make([]float32, T*rows)
	for _, k := range q32Kernels {
		w := q32Weights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) }, -1)
		if a := testing.AllocsPerRun(5, func() {
			k.mv(out[:rows], w, xq[:nb*QK], xd[:nb], xs[:nb])
			k.mm(out, rows, w, xq, xd, xs, T)
		}); a != 0 {
			t.Errorf("%s: %v allocations per call", k.mvName, a)
		}
	}
}

// TestMatMulQ32MatchesMatVec: with the same implementation, each token's
// results from the prefill kernel have the bits of the matvec kernel's.
func TestMatMulQ32MatchesMatVec(t *testing.T) {
	for _, k := range q32Kernels {
		forEachImpl(t, k.mmName, func(t *testing.T, impl string) {
			r := implRand(36)
			const rows, nb, T = 13, 2, 5
			w := q32Weights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) }, -1)
			xq, xd, xs := q32Acts(r, T*nb, kActCases[0])
			out := make([]float32, T*rows)
			k.mm(out, rows, w, xq, xd, xs, T)
			checkMatMulMatchesMatVec(t, k.mmName+" "+impl, T, rows, out, func(one []float32, tok int) {
				k.mv(one, w, xq[tok*nb*QK:(tok+1)*nb*QK], xd[tok*nb:(tok+1)*nb], xs[tok*nb:(tok+1)*nb])
			})
		})
	}
}
