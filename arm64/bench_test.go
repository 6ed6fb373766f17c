package arm64

import (
	"flag"
	"fmt"
	"math/rand/v2"
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
		if T == 1 {
			cases = append(cases,
				benchCase{KernelMatVecQ8_0, s, func() func() {
					out, w, xq, xd := q8()
					return func() { MatVecQ8_0(out, w, xq, xd) }
				}, n},
				benchCase{KernelMatVecQ4_0, s, func() func() {
					out, w, xq, xd := q4()
					return func() { MatVecQ4_0(out, w, xq, xd) }
				}, n},
				benchCase{KernelMatVecF16, s, func() func() {
					out, w, x := f16()
					return func() { MatVecF16(out, w, x) }
				}, n},
				benchCase{KernelMatVecF32, s, func() func() {
					out, w, x := f32()
					return func() { MatVecF32(out, w, x) }
				}, n},
			)
			continue
		}
		cases = append(cases,
			benchCase{KernelMatMulQ8_0, s, func() func() {
				out, w, xq, xd := q8()
				return func() { MatMulQ8_0(out, s.rows, w, xq, xd, T) }
			}, n},
			benchCase{KernelMatMulQ4_0, s, func() func() {
				out, w, xq, xd := q4()
				return func() { MatMulQ4_0(out, s.rows, w, xq, xd, T) }
			}, n},
			benchCase{KernelMatMulF16, s, func() func() {
				out, w, x := f16()
				return func() { MatMulF16(out, s.rows, w, x, T) }
			}, n},
			benchCase{KernelMatMulF32, s, func() func() {
				out, w, x := f32()
				return func() { MatMulF32(out, s.rows, w, x, T) }
			}, n},
		)
	}
	return cases
}

// vectorCases are the per-token vector kernels: QuantizeQ8 and LayerNorm
// over D, DotF32 over D, WKV7 over one head (64×64 state).
func vectorCases() []benchCase {
	const D, N = 768, 64
	vec := func() (x, y, wt, bs []float32) {
		r := implRand(98)
		return randF32(r, D, 1), randF32(r, D, 1), randF32(r, D, 1), randF32(r, D, 1)
	}
	var sink float32
	return []benchCase{
		{KernelQuantizeQ8, benchShape{1, D}, func() func() {
			x, _, _, _ := vec()
			xq, xd := make([]int8, D), make([]float32, D/QK)
			return func() { QuantizeQ8(xq, xd, x) }
		}, D},
		{KernelLayerNorm, benchShape{1, D}, func() func() {
			x, _, wt, bs := vec()
			out := make([]float32, D)
			return func() { LayerNorm(out, x, wt, bs, 1e-5) }
		}, D},
		{KernelLayerNorm, benchShape{1, N}, func() func() {
			x, _, wt, bs := vec()
			out := make([]float32, N)
			return func() { LayerNorm(out, x[:N], wt[:N], bs[:N], 64e-5) }
		}, N},
		{KernelSigmoid, benchShape{1, D}, func() func() {
			x, _, _, bs := vec()
			out := make([]float32, D)
			return func() { Sigmoid(out, x, bs) }
		}, D},
		{KernelDecay, benchShape{1, D}, func() func() {
			x, _, _, bs := vec()
			out := make([]float32, D)
			return func() { Decay(out, x, bs) }
		}, D},
		{KernelDotF32, benchShape{1, D}, func() func() {
			x, y, _, _ := vec()
			return func() { sink += DotF32(x, y) }
		}, D},
		{KernelWKV7, benchShape{N, N}, func() func() {
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
		for _, impl := range Implementations(c.kernel) {
			b.Run(fmt.Sprintf("%s/%dx%d/%s", c.kernel, c.shape.rows, c.shape.cols, impl), func(b *testing.B) {
				prev := Current(c.kernel)
				if err := Use(c.kernel, impl); err != nil {
					b.Fatal(err)
				}
				defer Use(c.kernel, prev)
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
		if c.kernel != *loopKernel || c.kernel == KernelLayerNorm && c.shape.cols != lnCols {
			continue
		}
		if *loopImpl != "" {
			if err := Use(c.kernel, *loopImpl); err != nil {
				t.Fatal(err)
			}
		}
		run := c.setup()
		for i := 0; i < *loopN; i++ {
			run()
		}
		t.Logf("%s %s %dx%d ×%d (work %d per call)", c.kernel, Current(c.kernel), c.shape.rows, c.shape.cols, *loopN, c.work)
		return
	}
	t.Fatalf("no case for kernel %s shape %s", *loopKernel, *loopShape)
}
