package arm64

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// Benchmarks at the sizes of a 0.1B RWKV-7 (D 768, FFN 3072, vocabulary
// 65536, head size 64), one per implementation of each kernel. Under qemu
// wall time means nothing; count instructions instead with
// TestKernelLoop (below) and ../shared/tools/qemu-insn/count.sh.

type benchShape struct{ rows, cols int }

var benchShapes = []benchShape{{768, 768}, {3072, 768}, {768, 3072}, {65536, 768}}

// benchCase is one kernel at one shape: setup builds the operands and
// returns a function that runs the kernel once; work is the number of
// weights it multiplies per run (rows·cols·T, or state entries for WKV7).
type benchCase struct {
	kernel string
	shape  benchShape
	setup  func() func()
	work   int
}

// quantOperands are random activations (also quantized) for cols columns
// and T tokens.
func quantOperands(r *rand.Rand, cols, T int) ([]float32, []int8, []float32) {
	x := randF32(r, cols*T, 1)
	xq := make([]int8, cols*T)
	xd := make([]float32, cols/QK*T)
	quantizeQ8Generic(xq, xd, x)
	return x, xq, xd
}

func randHalves(r *rand.Rand, n int) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		w[i] = randHalf(r, 5, 14)
	}
	return w
}

// blockBench is the case of a block kernel pair with activation sums of
// type S: the matvec kernel mv when T is 1, else the prefill kernel mm, on
// the operands setup builds.
func blockBench[S any](mvName, mmName string, s benchShape, T, work int, setup func() ([]float32, []byte, []int8, []float32, []S),
	mv func([]float32, []byte, []int8, []float32, []S), mm func([]float32, int, []byte, []int8, []float32, []S, int)) benchCase {
	if T == 1 {
		return benchCase{mvName, s, func() func() {
			out, w, xq, xd, xs := setup()
			return func() { mv(out, w, xq, xd, xs) }
		}, work}
	}
	return benchCase{mmName, s, func() func() {
		out, w, xq, xd, xs := setup()
		return func() { mm(out, s.rows, w, xq, xd, xs, T) }
	}, work}
}

func benchCases(shapes []benchShape, T int) []benchCase {
	var cases []benchCase
	for _, s := range shapes {
		nb := s.cols / QK
		n := s.rows * s.cols * T
		half := func(r *rand.Rand) func() uint16 { return func() uint16 { return randHalf(r, 5, 12) } }
		q8 := func() ([]float32, []byte, []int8, []float32) {
			r := implRand(99)
			_, xq, xd := quantOperands(r, s.cols, T)
			return make([]float32, s.rows*T), qWeights(r, false, s.rows, nb, half(r)), xq, xd
		}
		q4 := func() ([]float32, []byte, []int8, []float32) {
			r := implRand(99)
			_, xq, xd := quantOperands(r, s.cols, T)
			return make([]float32, s.rows*T), qWeights(r, true, s.rows, nb, half(r)), xq, xd
		}
		f16 := func() ([]float32, []uint16, []float32) {
			r := implRand(99)
			return make([]float32, s.rows*T), randHalves(r, s.rows*s.cols), randF32(r, s.cols*T, 1)
		}
		f32 := func() ([]float32, []float32, []float32) {
			r := implRand(99)
			return make([]float32, s.rows*T), randF32(r, s.rows*s.cols, 0.05), randF32(r, s.cols*T, 1)
		}
		for _, k := range kKernels {
			if s.cols%QKK != 0 {
				continue
			}
			setup := func() ([]float32, []byte, []int8, []float32, []int16) {
				r := implRand(99)
				xq, xd, xs := kActs(r, s.cols/QKK*T, 1, nil, 0)
				return make([]float32, s.rows*T), kWeights(r, k, s.rows, s.cols/QKK, half(r)), xq, xd, xs
			}
			cases = append(cases, blockBench(k.mvName, k.mmName, s, T, n, setup, k.mv, k.mm))
		}
		for _, k := range q32Kernels {
			setup := func() ([]float32, []byte, []int8, []float32, []float32) {
				r := implRand(99)
				xq, xd, xs := q32Acts(r, nb*T, kActCases[0])
				return make([]float32, s.rows*T), q32Weights(r, k, s.rows, nb, half(r), -1), xq, xd, xs
			}
			cases = append(cases, blockBench(k.mvName, k.mmName, s, T, n, setup, k.mv, k.mm))
		}
		bf16w := func(r *rand.Rand) []uint16 { return bf16Row(r, s.rows*s.cols) }
		if T == 1 {
			cases = append(cases,
				benchCase{"MatVecBF16", s, func() func() {
					r := implRand(99)
					out, w, x := make([]float32, s.rows), bf16w(r), randF32(r, s.cols, 1)
					return func() { MatVecBF16(out, w, x) }
				}, n},
				benchCase{"MatVecQ8_0", s, func() func() {
					out, w, xq, xd := q8()
					return func() { MatVecQ8_0(out, w, xq, xd) }
				}, n},
				benchCase{"MatVecQ4_0", s, func() func() {
					out, w, xq, xd := q4()
					return func() { MatVecQ4_0(out, w, xq, xd) }
				}, n},
				benchCase{"MatVecF16", s, func() func() {
					out, w, x := f16()
					return func() { MatVecF16(out, w, x) }
				}, n},
				benchCase{"MatVecF32", s, func() func() {
					out, w, x := f32()
					return func() { MatVecF32(out, w, x) }
				}, n},
			)
			continue
		}
		cases = append(cases,
			benchCase{"MatMulBF16", s, func() func() {
				r := implRand(99)
				out, w, x := make([]float32, s.rows*T), bf16w(r), randF32(r, s.cols*T, 1)
				return func() { MatMulBF16(out, s.rows, w, x, T) }
			}, n},
			benchCase{"MatMulQ8_0", s, func() func() {
				out, w, xq, xd := q8()
				return func() { MatMulQ8_0(out, s.rows, w, xq, xd, T) }
			}, n},
			benchCase{"MatMulQ4_0", s, func() func() {
				out, w, xq, xd := q4()
				return func() { MatMulQ4_0(out, s.rows, w, xq, xd, T) }
			}, n},
			benchCase{"MatMulF16", s, func() func() {
				out, w, x := f16()
				return func() { MatMulF16(out, s.rows, w, x, T) }
			}, n},
			benchCase{"MatMulF32", s, func() func() {
				out, w, x := f32()
				return func() { MatMulF32(out, s.rows, w, x, T) }
			}, n},
		)
	}
	return cases
}

// vectorCases are the per-token vector kernels: QuantizeQ8, LayerNorm,
// Sigmoid and Decay over D, LayerNorm over a head, WKV7 over one head
// (64×64 state).
func vectorCases() []benchCase {
	const D, N = 768, 64
	vec := func() (x, wt, bs []float32) {
		r := implRand(98)
		return randF32(r, D, 1), randF32(r, D, 1), randF32(r, D, 1)
	}
	return []benchCase{
		{"QuantizeQ8", benchShape{1, D}, func() func() {
			x, _, _ := vec()
			xq, xd := make([]int8, D), make([]float32, D/QK)
			return func() { QuantizeQ8(xq, xd, x) }
		}, D},
		{"QuantizeQ8_K", benchShape{1, D}, func() func() {
			x, _, _ := vec()
			xq, xd, xs := make([]int8, D), make([]float32, D/QKK), make([]int16, D/16)
			return func() { QuantizeQ8_K(xq, xd, xs, x) }
		}, D},
		{"LayerNorm", benchShape{1, D}, func() func() {
			x, wt, bs := vec()
			out := make([]float32, D)
			return func() { LayerNorm(out, x, wt, bs, 1e-5) }
		}, D},
		{"LayerNorm", benchShape{1, N}, func() func() {
			x, wt, bs := vec()
			out := make([]float32, N)
			return func() { LayerNorm(out, x[:N], wt[:N], bs[:N], 64e-5) }
		}, N},
		{"Sigmoid", benchShape{1, D}, func() func() {
			x, _, bs := vec()
			out := make([]float32, D)
			return func() { Sigmoid(out, x, bs) }
		}, D},
		{"Decay", benchShape{1, D}, func() func() {
			x, _, bs := vec()
			out := make([]float32, D)
			return func() { Decay(out, x, bs) }
		}, D},
		{"WKV7", benchShape{N, N}, func() func() {
			r := implRand(97)
			s := randF32(r, N*N, 0.1)
			rr, w, k, v, kk, a := randF32(r, N, 1), wkvDecay(r, N), randF32(r, N, 1), randF32(r, N, 1), randF32(r, N, 0.125), wkvRate(r, N)
			y := make([]float32, N)
			return func() { WKV7(s, rr, w, k, v, kk, a, y) }
		}, N * N},
	}
}

func runBenchCases(b *testing.B, cases []benchCase) {
	for _, c := range cases {
		for _, impl := range implementations(c.kernel) {
			b.Run(fmt.Sprintf("%s/%dx%d/%s", c.kernel, c.shape.rows, c.shape.cols, impl), func(b *testing.B) {
				selectImpl(impl)
				defer resetImpl()
				run := c.setup()
				b.SetBytes(int64(c.work)) // "bytes" = weights: MB/s reads as Mweights/s
				for b.Loop() {
					run()
				}
			})
		}
	}
}

func BenchmarkMatVec(b *testing.B) { runBenchCases(b, benchCases(benchShapes, 1)) }

func BenchmarkMatMul16(b *testing.B) { runBenchCases(b, benchCases(benchShapes[:3], 16)) }

func BenchmarkVector(b *testing.B) { runBenchCases(b, vectorCases()) }

// Instruction counting: `arm64.test -test.run TestKernelLoop -loop.kernel
// K -loop.shape RxC -loop.impl I -loop.n N` runs one kernel N times and
// nothing else that depends on N, so that the difference of two
// instruction counts (count.sh) with different N, divided by the
// difference of N, is the instructions of one call.
var (
	loopKernel = flag.String("loop.kernel", "", "kernel to run in TestKernelLoop")
	loopImpl   = flag.String("loop.impl", "", "implementation (default: the one selected)")
	loopShape  = flag.String("loop.shape", "768x768", "rows x cols (MatVec/MatMul), ignored by vector kernels")
	loopT      = flag.Int("loop.t", 1, "tokens for MatMul kernels")
	loopN      = flag.Int("loop.n", 1, "calls")
)

func TestKernelLoop(t *testing.T) {
	if *loopKernel == "" {
		t.Skip("no -loop.kernel")
	}
	var s benchShape
	if _, err := fmt.Sscanf(*loopShape, "%dx%d", &s.rows, &s.cols); err != nil {
		t.Fatalf("-loop.shape %q: %v", *loopShape, err)
	}
	var cases []benchCase
	if *loopT > 1 {
		cases = benchCases([]benchShape{s}, *loopT)
	} else {
		cases = append(benchCases([]benchShape{s}, 1), vectorCases()...)
	}
	lnCols := 768 // LayerNorm: 1x64 picks the group-norm size
	if s.cols == 64 {
		lnCols = 64
	}
	for _, c := range cases {
		if c.kernel != *loopKernel || c.kernel == "LayerNorm" && c.shape.cols != lnCols {
			continue
		}
		if *loopImpl != "" {
			if !slices.Contains(implementations(c.kernel), *loopImpl) {
				t.Fatalf("kernel %s: implementation %q not among %v", c.kernel, *loopImpl, implementations(c.kernel))
			}
			selectImpl(*loopImpl)
			defer resetImpl()
		}
		run := c.setup()
		for i := 0; i < *loopN; i++ {
			run()
		}
		t.Logf("%s %s %dx%d ×%d (work %d per call)", c.kernel, currentImpl(c.kernel), c.shape.rows, c.shape.cols, *loopN, c.work)
		return
	}
	t.Fatalf("no case for kernel %s shape %s", *loopKernel, *loopShape)
}
