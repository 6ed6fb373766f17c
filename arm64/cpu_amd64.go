//go:build !purego

package arm64

import "github.com/klauspost/cpuid/v2"

// The x86-64 features the amd64 assembly needs, read once at start-up, as
// cpu_arm64.go does for arm64. useAVX2 is x86-64-v3 as far as the kernels
// care: AVX2 for the integer products, FMA for the float sums and F16C for
// the fp16 scales (every CPU with AVX2 since Haswell has all three).
// useAVX512 adds AVX-512 F/BW/VL and VNNI (VPDPBUSD: four int8 products
// summed into int32 in one instruction, exact for every input); it implies
// useAVX2, so a wrapper tests it first. Only tests change them.
var (
	useAVX2   = cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3, cpuid.F16C)
	useAVX512 = useAVX2 && cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512VNNI)
)

// No NEON on x86-64.
const (
	useNEON    = false
	useDotProd = false
)
