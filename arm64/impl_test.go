package arm64

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// Helpers shared by the tests that pit every implementation of a kernel
// against its generic twin. Names start with "impl"/"guard" to stay clear
// of other test files of the package.

// Implementation names, as the tests, the benchmarks and
// testdata/kernel_insns.sh spell them.
const (
	implGeneric     = "generic"      // pure Go, every architecture
	implNEON        = "neon"         // ARMv8.0 Advanced SIMD (Cortex-A72): useNEON
	implNEONDotProd = "neon-dotprod" // ARMv8.2 SDOT (Cortex-A76, A78AE): useDotProd too
	implAVX2        = "avx2"         // x86-64-v3: AVX2+FMA+F16C (Haswell on): useAVX2
	implAVX512      = "avx512-vnni"  // AVX-512 F/BW/VL + VNNI: useAVX512 too
)

// kernels is the test registry: every exported kernel with the
// implementations beyond its generic twin that its *_arm64.go and
// *_amd64.go wrappers choose between (neon when the arm64 one checks
// useNEON, neon-dotprod when it also checks useDotProd; avx2 when the amd64
// one checks useAVX2, avx512-vnni when it also checks useAVX512).
// TestKernelFiles ties it to the code.
var kernels = map[string][]string{
	"QuantizeQ8":   {implNEON, implAVX2},
	"LayerNorm":    {implNEON, implAVX2},
	"Sigmoid":      {implNEON, implAVX2},
	"Decay":        {implNEON, implAVX2},
	"Lerp":         {implNEON},
	"Add":          {implNEON},
	"Sub":          {implNEON},
	"Mul":          {implNEON},
	"Index":        {implNEON},
	"ReluSquare":   {implNEON},
	"Max":          {implNEON},
	"WKV7":         {implNEON, implAVX2},
	"Bonus":        {implNEON},
	"MatVecF32":    {implNEON, implAVX2, implAVX512},
	"MatVecF16":    {implNEON, implAVX2, implAVX512},
	"MatMulF32":    {implNEON, implAVX2, implAVX512},
	"MatMulF16":    {implNEON, implAVX2, implAVX512},
	"MatVecBF16":   {implNEON, implAVX2},
	"MatMulBF16":   {implNEON, implAVX2},
	"MatVecQ8_0":   {implNEON, implNEONDotProd, implAVX2, implAVX512},
	"MatVecQ4_0":   {implNEON, implNEONDotProd, implAVX2, implAVX512},
	"MatMulQ8_0":   {implNEON, implNEONDotProd, implAVX2, implAVX512},
	"MatMulQ4_0":   {implNEON, implNEONDotProd, implAVX2, implAVX512},
	"QuantizeQ8_K": {implNEON, implAVX2},
	"MatVecQ4_K":   {implNEON, implNEONDotProd, implAVX2},
	"MatMulQ4_K":   {implNEON, implNEONDotProd, implAVX2},
	"MatVecQ5_K":   {implNEON, implNEONDotProd, implAVX2},
	"MatMulQ5_K":   {implNEON, implNEONDotProd, implAVX2},
	"MatVecQ6_K":   {implNEON, implNEONDotProd, implAVX2},
	"MatMulQ6_K":   {implNEON, implNEONDotProd, implAVX2},
	"MatVecIQ4_XS": {implNEON, implNEONDotProd, implAVX2},
	"MatMulIQ4_XS": {implNEON, implNEONDotProd, implAVX2},
	"MatVecIQ4_NL": {implNEON, implNEONDotProd, implAVX2},
	"MatMulIQ4_NL": {implNEON, implNEONDotProd, implAVX2},
	"MatVecQ5_0":   {implNEON, implNEONDotProd, implAVX2},
	"MatMulQ5_0":   {implNEON, implNEONDotProd, implAVX2},
	"MatVecQ4_1":   {implNEON, implNEONDotProd, implAVX2},
	"MatMulQ4_1":   {implNEON, implNEONDotProd, implAVX2},
	"MatVecQ5_1":   {implNEON, implNEONDotProd, implAVX2},
	"MatMulQ5_1":   {implNEON, implNEONDotProd, implAVX2},
}

// cpuNEON, cpuDotProd, cpuAVX2 and cpuAVX512 are what this CPU offers:
// the flags as the package set them at start-up. resetImpl restores them.
var (
	cpuNEON, cpuDotProd = useNEON, useDotProd
	cpuAVX2, cpuAVX512  = useAVX2, useAVX512
)

// offered reports whether this CPU runs impl.
func offered(impl string) bool {
	switch impl {
	case implGeneric:
		return true
	case implNEON:
		return cpuNEON
	case implNEONDotProd:
		return cpuDotProd
	case implAVX2:
		return cpuAVX2
	case implAVX512:
		return cpuAVX512
	}
	return false
}

// implementations lists the implementations of kernel that this CPU runs,
// generic first; it is nil for an unknown kernel.
func implementations(kernel string) []string {
	extra, ok := kernels[kernel]
	if !ok {
		return nil
	}
	impls := []string{implGeneric}
	for _, impl := range extra {
		if offered(impl) {
			impls = append(impls, impl)
		}
	}
	return impls
}

// currentImpl is the implementation of kernel that the flags select now.
func currentImpl(kernel string) string {
	cur := implGeneric
	for _, impl := range kernels[kernel] {
		if impl == implNEON && useNEON || impl == implNEONDotProd && useDotProd ||
			impl == implAVX2 && useAVX2 || impl == implAVX512 && useAVX512 {
			cur = impl
		}
	}
	return cur
}

// forEachImpl runs f once per implementation of kernel that this CPU can
// run, with that implementation selected (selectImpl), and restores the
// CPU's own choice after. It fails the test if the kernel is unknown.
func forEachImpl(t *testing.T, kernel string, f func(t *testing.T, impl string)) {
	t.Helper()
	impls := implementations(kernel)
	if len(impls) == 0 {
		t.Fatalf("kernel %s: not in the test registry", kernel)
	}
	defer resetImpl()
	for _, impl := range impls {
		selectImpl(impl)
		t.Run(impl, func(t *testing.T) { f(t, impl) })
	}
}

// guardSentinel is written around every output buffer; no kernel computes
// this exact value from the test data.
const guardSentinel = float32(-98765.4321)

const guardLen = 7 // sentinels on each side

// guardedF32 returns a slice of n values (filled with fill) that sits
// between guardLen sentinels on either side, and a function that fails the
// test if any sentinel changed.
func guardedF32(t *testing.T, n int, fill float32) ([]float32, func()) {
	buf := make([]float32, guardLen+n+guardLen)
	for i := range buf {
		buf[i] = guardSentinel
	}
	s := buf[guardLen : guardLen+n : guardLen+n]
	for i := range s {
		s[i] = fill
	}
	return s, func() {
		t.Helper()
		for i, v := range buf {
			if (i < guardLen || i >= guardLen+n) && math.Float32bits(v) != math.Float32bits(guardSentinel) {
				t.Fatalf("wrote %g at index %d outside the output [0,%d)", v, i-guardLen, n)
			}
		}
	}
}

// guardedCopyF32 is guardedF32 holding a copy of src.
func guardedCopyF32(t *testing.T, src []float32) ([]float32, func()) {
	s, check := guardedF32(t, len(src), 0)
	copy(s, src)
	return s, check
}

// implClose reports whether got equals want within tol, treating equal
// infinities and NaN pairs as equal.
func implClose(got, want float32, tol float64) bool {
	if got == want || (got != got && want != want) {
		return true
	}
	return math.Abs(float64(got)-float64(want)) <= tol
}

func implRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// randF32 fills n values with normal noise of the given scale.
func randF32(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// qemuCPU is the CPU model qemu-user emulates ("" when not under qemu or
// not set); qemu passes its environment to the guest.
func qemuCPU() string { return os.Getenv("QEMU_CPU") }

// wkvDecay draws per-channel decays w = exp(−0.606531·sigmoid(z)) as the
// model computes them: in (0.54, 1).
func wkvDecay(r *rand.Rand, n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		z := r.NormFloat64() * 2
		w[i] = float32(math.Exp(-0.606531 / (1 + math.Exp(-z))))
	}
	return w
}

// wkvRate draws in-context learning rates a = sigmoid(z) in (0, 1).
func wkvRate(r *rand.Rand, n int) []float32 {
	a := make([]float32, n)
	for i := range a {
		a[i] = float32(1 / (1 + math.Exp(-r.NormFloat64()*2)))
	}
	return a
}
