//go:build unix

package arm64

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The weights the kernels read are a memory-mapped file: a kernel that
// reads even one byte past a tensor at the end of the mapping faults. These
// tests put every input of every implementation right before an
// inaccessible page, and right after one, so that any out-of-bounds read
// crashes the test.

// fencedBytes returns n bytes whose last byte is the last one before a
// PROT_NONE page (end) or whose first byte follows one (start).
func fencedBytes(t *testing.T, n int, atStart bool) []byte {
	t.Helper()
	page := unix.Getpagesize()
	size := (n+page-1)/page*page + 2*page
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if err := unix.Mprotect(mem[size-page:], unix.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if atStart {
		return mem[page : page+n : page+n]
	}
	return mem[size-page-n : size-page : size-page]
}

func fencedF32(t *testing.T, src []float32, atStart bool) []float32 {
	b := fencedBytes(t, 4*len(src), atStart)
	f := unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(src))
	copy(f, src)
	return f
}

func fencedU16(t *testing.T, src []uint16, atStart bool) []uint16 {
	b := fencedBytes(t, 2*len(src), atStart)
	f := unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(src))
	copy(f, src)
	return f
}

func fencedI8(t *testing.T, src []int8, atStart bool) []int8 {
	b := fencedBytes(t, len(src), atStart)
	f := unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(src))
	copy(f, src)
	return f
}

func fencedCopy(t *testing.T, src []byte, atStart bool) []byte {
	b := fencedBytes(t, len(src), atStart)
	copy(b, src)
	return b
}

func TestNoReadsOutsideInputs(t *testing.T) {
	r := implRand(15)
	for _, atStart := range []bool{false, true} {
		for _, shape := range []struct{ rows, nb, cols, T int }{{13, 3, 37, 9}, {8, 1, 16, 8}, {1, 2, 5, 1}} {
			rows, nb, cols, T := shape.rows, shape.nb, shape.cols, shape.T
			q8 := fencedCopy(t, qWeights(r, false, rows, nb, func() uint16 { return randHalf(r, 5, 12) }), atStart)
			q4 := fencedCopy(t, qWeights(r, true, rows, nb, func() uint16 { return randHalf(r, 5, 12) }), atStart)
			xqs, xds := quantizedActs(1)(r, nb*T)
			xq, xd := fencedI8(t, xqs, atStart), fencedF32(t, xds, atStart)
			x := fencedF32(t, randF32(r, cols*T, 1), atStart)
			wf := fencedF32(t, randF32(r, rows*cols, 1), atStart)
			wh := fencedU16(t, halfRow(r, rows*cols), atStart)
			out := make([]float32, rows*T)
			run := func(kernel string, f func()) {
				forEachImpl(t, kernel, func(t *testing.T, impl string) { f() })
			}
			run("MatVecQ8_0", func() { MatVecQ8_0(out[:rows], q8, xq[:nb*QK], xd[:nb]) })
			run("MatVecQ4_0", func() { MatVecQ4_0(out[:rows], q4, xq[:nb*QK], xd[:nb]) })
			run("MatVecF32", func() { MatVecF32(out[:rows], wf, x[:cols]) })
			run("MatVecF16", func() { MatVecF16(out[:rows], wh, x[:cols]) })
			run("MatMulQ8_0", func() { MatMulQ8_0(out, rows, q8, xq, xd, T) })
			run("MatMulQ4_0", func() { MatMulQ4_0(out, rows, q4, xq, xd, T) })
			run("MatMulF32", func() { MatMulF32(out, rows, wf, x, T) })
			run("MatMulF16", func() { MatMulF16(out, rows, wh, x, T) })
			run("QuantizeQ8", func() {
				QuantizeQ8(make([]int8, nb*QK), make([]float32, nb), fencedF32(t, randF32(r, nb*QK, 1), atStart))
			})
			run("LayerNorm", func() {
				LayerNorm(make([]float32, cols), x[len(x)-cols:], wf[len(wf)-cols:], wf[:cols], 1e-5)
			})
			run("Sigmoid", func() { Sigmoid(make([]float32, len(x)), x, x[len(x)-cols:]) })
			run("Decay", func() { Decay(make([]float32, len(x)), x, nil) })
		}
		in := wkvRandom(r, 64, 1, 1)
		s := fencedF32(t, in.s, atStart)
		forEachImpl(t, "WKV7", func(t *testing.T, impl string) {
			WKV7(s, fencedF32(t, in.r, atStart), fencedF32(t, in.w, atStart), fencedF32(t, in.k, atStart),
				fencedF32(t, in.v, atStart), fencedF32(t, in.kk, atStart), fencedF32(t, in.a, atStart), fencedF32(t, make([]float32, 64), atStart))
		})
	}
}

// TestNoReadsOutsideBlockInputs is TestNoReadsOutsideInputs for the K-type,
// IQ4_XS, 32-value block and BF16 kernels and QuantizeQ8_K: weights,
// activation codes, scales and sums each fenced, every implementation.
func TestNoReadsOutsideBlockInputs(t *testing.T) {
	r := implRand(16)
	for _, atStart := range []bool{false, true} {
		for _, shape := range []struct{ rows, nb, T int }{{13, 3, 3}, {8, 1, 2}, {1, 2, 1}, {9, 1, 1}} {
			rows, nb, T := shape.rows, shape.nb, shape.T
			out := make([]float32, rows*T)
			xqs, xds, xss := kActs(r, nb*T, 1, nil, 0)
			xq, xd := fencedI8(t, xqs, atStart), fencedF32(t, xds, atStart)
			xsu := make([]uint16, len(xss))
			for i, v := range xss {
				xsu[i] = uint16(v)
			}
			xsf := fencedU16(t, xsu, atStart)
			xs := unsafe.Slice((*int16)(unsafe.Pointer(&xsf[0])), len(xsf))
			n := nb * QKK
			for _, k := range kKernels {
				w := fencedCopy(t, kWeights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) }), atStart)
				forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
					k.mv(out[:rows], w, xq[len(xq)-n:], xd[len(xd)-nb:], xs[len(xs)-nb*16:])
					k.mv(out[:rows], w, xq[:n], xd[:nb], xs[:nb*16])
				})
				forEachImpl(t, k.mmName, func(t *testing.T, impl string) { k.mm(out, rows, w, xq, xd, xs, T) })
			}
			nq := nb * QK
			q8q, q8d, q8s := q32Acts(r, nb*T, kActCases[0])
			cq, cd, cs := fencedI8(t, q8q, atStart), fencedF32(t, q8d, atStart), fencedF32(t, q8s, atStart)
			for _, k := range q32Kernels {
				w := fencedCopy(t, q32Weights(r, k, rows, nb, func() uint16 { return randHalf(r, 5, 12) }, -1), atStart)
				forEachImpl(t, k.mvName, func(t *testing.T, impl string) {
					k.mv(out[:rows], w, cq[len(cq)-nq:], cd[len(cd)-nb:], cs[len(cs)-nb:])
					k.mv(out[:rows], w, cq[:nq], cd[:nb], cs[:nb])
				})
				forEachImpl(t, k.mmName, func(t *testing.T, impl string) { k.mm(out, rows, w, cq, cd, cs, T) })
			}
			cols := 8*nb + 5
			wb := fencedU16(t, bf16Row(r, rows*cols), atStart)
			xb := fencedF32(t, randF32(r, cols*T, 1), atStart)
			forEachImpl(t, "MatVecBF16", func(t *testing.T, impl string) { MatVecBF16(out[:rows], wb, xb[len(xb)-cols:]) })
			forEachImpl(t, "MatMulBF16", func(t *testing.T, impl string) { MatMulBF16(out, rows, wb, xb, T) })
			forEachImpl(t, "QuantizeQ8_K", func(t *testing.T, impl string) {
				x := fencedF32(t, randF32(r, n, 1), atStart)
				QuantizeQ8_K(fencedI8(t, make([]int8, n), atStart), fencedF32(t, make([]float32, nb), atStart),
					unsafe.Slice((*int16)(unsafe.Pointer(&fencedU16(t, make([]uint16, nb*16), atStart)[0])), nb*16), x)
			})
		}
	}
}
