package arm64

import (
	"math"
	"testing"
)

// Every implementation of the MatMul (prefill) kernels: token t of the
// result must equal the MatVec kernel of the same implementation for x_t
// (bit for bit for the quantized kernels, whose float arithmetic per row
// and token is the matvec's) and the generic twin within float tolerance;
// nothing may be written outside the T runs of rows values, including the
// gaps of a stride larger than rows.

var mmTokenCounts = []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17}
var mmRowCounts = []int{1, 3, 4, 5, 6, 8, 13}

// guardedStrided returns an output of T runs of rows values with stride ld
// and a check that every value outside the runs still holds the sentinel.
func guardedStrided(t *testing.T, T, rows, ld int) ([]float32, func()) {
	n := (T-1)*ld + rows
	out, check := guardedF32(t, n, guardSentinel)
	return out, func() {
		t.Helper()
		check()
		for i, v := range out {
			if i%ld >= rows && math.Float32bits(v) != math.Float32bits(guardSentinel) {
				t.Fatalf("wrote %g at token %d, column %d: outside the %d rows", v, i/ld, i%ld, rows)
			}
		}
	}
}

func testMatMulQ(t *testing.T, kernel, matVec string, q4 bool,
	mm func(out []float32, ld int, w []byte, xq []int8, xd []float32, T int),
	mv func(out []float32, w []byte, xq []int8, xd []float32),
	mvGeneric func(out []float32, w []byte, xq []int8, xd []float32)) {
	bs := BlockQ8_0
	if q4 {
		bs = BlockQ4_0
	}
	forEachImpl(t, kernel, func(t *testing.T, impl string) {
		// The MatVec kernel runs the same implementation (the flags
		// select it for every kernel at once).
		exact := currentImpl(matVec) == impl
		r := implRand(12)
		// Rows of 300 blocks take the SDOT tiles in calls of 24 tokens (the
		// room for their scales), then 8, then a tile of 4 (Q4_0: tiles of
		// 12 in calls of 24, then 12); rows of 700 blocks leave room for
		// 8 tokens, not 12; rows of 1100 blocks take the matvec kernel for
		// every token.
		for _, nb := range []int{1, 3, 7, 24, 300, 700, 1100} {
			rowCounts, tokenCounts := mmRowCounts, mmTokenCounts
			if nb > 24 {
				rowCounts, tokenCounts = []int{5}, []int{36}
			}
			for _, rows := range rowCounts {
				for _, T := range tokenCounts {
					if nb == 24 && rows > 5 && T > 9 {
						continue // keep the qemu run short
					}
					for _, pad := range []int{0, 3} {
						ld := rows + pad
						cols := nb * QK
						w := qWeights(r, q4, rows, nb, func() uint16 { return randHalf(r, 5, 12) })
						xq, xd := quantizedActs(1)(r, nb*T)
						if pad > 0 && T >= 3 {
							// Token T/2 and weight row 0 hold −128 in columns
							// 0 and 8 (QuantizeQ8 never writes −128): the
							// ARMv8.0 Q8_0 kernel pairs those products in one
							// int16 lane, 2·128² = 2^15, which overflows, so it
							// must hand that token (only it) to the generic
							// twin, as its matvec does.
							xq[T/2*cols], xq[T/2*cols+8] = -128, -128
							if !q4 {
								w[2], w[2+8] = 0x80, 0x80
							}
						}
						out, check := guardedStrided(t, T, rows, ld)
						mm(out, ld, w, xq, xd, T)
						check()
						for tok := 0; tok < T; tok++ {
							xt, dt := xq[tok*cols:(tok+1)*cols], xd[tok*nb:(tok+1)*nb]
							same := make([]float32, rows)
							mv(same, w, xt, dt)
							gen := make([]float32, rows)
							mvGeneric(gen, w, xt, dt)
							for i := 0; i < rows; i++ {
								got := out[tok*ld+i]
								if exact && math.Float32bits(got) != math.Float32bits(same[i]) {
									t.Fatalf("nb=%d rows=%d T=%d ld=%d: token %d row %d = %g, %s matvec %g", nb, rows, T, ld, tok, i, got, impl, same[i])
								}
								mag, abs := qBound(w[i*nb*bs:(i+1)*nb*bs], q4, xt, dt)
								if !implClose(got, gen[i], 1e-5*mag+abs) {
									t.Fatalf("nb=%d rows=%d T=%d: token %d row %d = %g, generic %g", nb, rows, T, tok, i, got, gen[i])
								}
							}
						}
					}
				}
			}
		}
	})
}

func TestMatMulQ8_0Implementations(t *testing.T) {
	testMatMulQ(t, "MatMulQ8_0", "MatVecQ8_0", false, MatMulQ8_0, MatVecQ8_0, matVecQ8_0Generic)
}

func TestMatMulQ4_0Implementations(t *testing.T) {
	testMatMulQ(t, "MatMulQ4_0", "MatVecQ4_0", true, MatMulQ4_0, MatVecQ4_0, matVecQ4_0Generic)
}

func testMatMulF(t *testing.T, kernel, matVec string, half bool) {
	forEachImpl(t, kernel, func(t *testing.T, impl string) {
		// The amd64 tiles do a row's arithmetic as the matvec of the same
		// implementation does, so that a prompt gives the bits of its
		// tokens fed one by one.
		exact := currentImpl(matVec) == impl && (impl == implAVX2 || impl == implAVX512)
		r := implRand(13)
		for _, cols := range []int{1, 5, 8, 16, 24, 32, 33, 48, 64, 100} {
			for _, rows := range mmRowCounts {
				for _, T := range mmTokenCounts {
					for _, pad := range []int{0, 3} {
						ld := rows + pad
						x := randF32(r, cols*T, 1)
						var wf []float32
						var wh []uint16
						if half {
							wh = halfRow(r, rows*cols)
							wf = make([]float32, len(wh))
							for i, h := range wh {
								wf[i] = f16ToF32[h]
							}
						} else {
							wf = randF32(r, rows*cols, 1)
						}
						out, check := guardedStrided(t, T, rows, ld)
						if half {
							MatMulF16(out, ld, wh, x, T)
						} else {
							MatMulF32(out, ld, wf, x, T)
						}
						check()
						for tok := 0; tok < T; tok++ {
							xt := x[tok*cols : (tok+1)*cols]
							gen, same := make([]float32, rows), make([]float32, rows)
							if half {
								matVecF16Generic(gen, wh, xt)
								MatVecF16(same, wh, xt)
							} else {
								matVecF32Generic(gen, wf, xt)
								MatVecF32(same, wf, xt)
							}
							for i := 0; i < rows; i++ {
								got := out[tok*ld+i]
								if exact && math.Float32bits(got) != math.Float32bits(same[i]) {
									t.Fatalf("cols=%d rows=%d T=%d: token %d row %d = %g, %s matvec %g", cols, rows, T, tok, i, got, impl, same[i])
								}
								if !implClose(got, gen[i], 1e-5*f32Bound(wf[i*cols:(i+1)*cols], xt)+0x1p-140) {
									t.Fatalf("cols=%d rows=%d T=%d: token %d row %d = %g, generic %g", cols, rows, T, tok, i, got, gen[i])
								}
							}
						}
					}
				}
			}
		}
	})
}

func TestMatMulF32Implementations(t *testing.T) {
	testMatMulF(t, "MatMulF32", "MatVecF32", false)
}

func TestMatMulF16Implementations(t *testing.T) {
	testMatMulF(t, "MatMulF16", "MatVecF16", true)
}

// Every implementation panics on a bad shape as its generic twin does
// (the assembly must never run on one), including a product with no rows,
// whose scales are still checked.
func TestMatMulBadShapes(t *testing.T) {
	for _, c := range []struct {
		kernel, name string
		call         func()
	}{
		{"MatMulF32", "T=0", func() { MatMulF32(make([]float32, 4), 4, make([]float32, 16), make([]float32, 4), 0) }},
		{"MatMulF32", "x not T vectors", func() { MatMulF32(make([]float32, 8), 4, make([]float32, 16), make([]float32, 7), 2) }},
		{"MatMulF32", "out too short", func() { MatMulF32(make([]float32, 7), 4, make([]float32, 16), make([]float32, 8), 2) }},
		{"MatMulF32", "stride below rows", func() { MatMulF32(make([]float32, 8), 3, make([]float32, 16), make([]float32, 8), 2) }},
		{"MatMulF16", "T=0", func() { MatMulF16(make([]float32, 4), 4, make([]uint16, 16), make([]float32, 4), 0) }},
		{"MatMulF16", "x not T vectors", func() { MatMulF16(make([]float32, 8), 4, make([]uint16, 16), make([]float32, 7), 2) }},
		{"MatMulF16", "out too short", func() { MatMulF16(make([]float32, 7), 4, make([]uint16, 16), make([]float32, 8), 2) }},
		{"MatMulF16", "stride below rows", func() { MatMulF16(make([]float32, 8), 3, make([]uint16, 16), make([]float32, 8), 2) }},
		{"MatMulQ8_0", "partial block", func() { MatMulQ8_0(make([]float32, 8), 4, make([]byte, 4*34), make([]int8, 40), make([]float32, 2), 2) }},
		{"MatMulQ8_0", "short scales", func() { MatMulQ8_0(make([]float32, 8), 4, make([]byte, 4*34), make([]int8, 64), make([]float32, 1), 2) }},
		{"MatMulQ8_0", "short scales, no rows", func() { MatMulQ8_0(nil, 0, nil, make([]int8, 64), make([]float32, 1), 2) }},
		{"MatMulQ8_0", "out too short", func() { MatMulQ8_0(make([]float32, 7), 4, make([]byte, 4*34), make([]int8, 64), make([]float32, 2), 2) }},
		{"MatMulQ4_0", "partial block", func() { MatMulQ4_0(make([]float32, 8), 4, make([]byte, 4*18), make([]int8, 40), make([]float32, 2), 2) }},
		{"MatMulQ4_0", "short scales", func() { MatMulQ4_0(make([]float32, 8), 4, make([]byte, 4*18), make([]int8, 64), make([]float32, 1), 2) }},
		{"MatMulQ4_0", "short scales, no rows", func() { MatMulQ4_0(nil, 0, nil, make([]int8, 64), make([]float32, 1), 2) }},
		{"MatMulQ4_0", "stride below rows", func() { MatMulQ4_0(make([]float32, 8), 3, make([]byte, 4*18), make([]int8, 64), make([]float32, 2), 2) }},
	} {
		t.Run(c.kernel+"/"+c.name, func(t *testing.T) {
			forEachImpl(t, c.kernel, func(t *testing.T, impl string) {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", c.kernel, c.name)
					}
				}()
				c.call()
			})
		})
	}
}

// TestMatMulQ4_0Extremes runs the Q4_0 product on the nibbles' and the
// activations' extremes (every nibble 0 or 15, activations ±127, −128 and
// zeros, so that the tiles' corrections −8·Σx are at their largest), with
// tiny and huge scales, for token counts that leave tokens to the matvec.
func TestMatMulQ4_0Extremes(t *testing.T) {
	forEachImpl(t, "MatMulQ4_0", func(t *testing.T, impl string) {
		exact := currentImpl("MatVecQ4_0") == impl
		r := implRand(15)
		for _, nb := range []int{1, 7} {
			for _, T := range []int{4, 8, 13, 20} {
				for wi, wb := range []int{0x00, 0xff, 0x0f, -1} {
					for ai, act := range []int{127, -127, -128, 0, -1} {
						rows, cols := 8, nb*QK
						w := qWeights(r, true, rows, nb, func() uint16 {
							return [...]uint16{0x7bff, 0x0001, 0x0400, 0x3c00}[r.IntN(4)]
						})
						if wb >= 0 {
							for i := 0; i < rows*nb; i++ {
								for j := 2; j < BlockQ4_0; j++ {
									w[i*BlockQ4_0+j] = byte(wb)
								}
							}
						}
						xq, xd := quantizedActs(1)(r, nb*T)
						if act >= -128 && act != -1 {
							for i := range xq {
								xq[i] = int8(act)
							}
						}
						for b := range xd {
							xd[b] = [...]float32{1e-30, 1, 3e-5}[r.IntN(3)]
						}
						out, check := guardedStrided(t, T, rows, rows)
						MatMulQ4_0(out, rows, w, xq, xd, T)
						check()
						for tok := 0; tok < T; tok++ {
							xt, dt := xq[tok*cols:(tok+1)*cols], xd[tok*nb:(tok+1)*nb]
							same := make([]float32, rows)
							MatVecQ4_0(same, w, xt, dt)
							gen := make([]float32, rows)
							matVecQ4_0Generic(gen, w, xt, dt)
							for i := range rows {
								got := out[tok*rows+i]
								if exact && math.Float32bits(got) != math.Float32bits(same[i]) {
									t.Fatalf("nb=%d T=%d weights %d acts %d: token %d row %d = %g, matvec %g", nb, T, wi, ai, tok, i, got, same[i])
								}
								mag, abs := qBound(w[i*nb*BlockQ4_0:(i+1)*nb*BlockQ4_0], true, xt, dt)
								if !implClose(got, gen[i], 1e-5*mag+abs) {
									t.Fatalf("nb=%d T=%d weights %d acts %d: token %d row %d = %g, generic %g", nb, T, wi, ai, tok, i, got, gen[i])
								}
							}
						}
					}
				}
			}
		}
	})
}
