//go:build !purego

package arm64

import "github.com/klauspost/cpuid/v2"

// The CPU features the assembly needs, read once at start-up. Every
// kernel's wrapper (the *_arm64.go files) checks them on each call and runs
// the assembly or the generic twin directly: no function variables, no
// indirect calls. Advanced SIMD (ASIMD) is part of every ARMv8-A Linux
// system; the dot product (SDOT, FEAT_DotProd) came with ARMv8.2 and is on
// the Cortex-A76 (Pi 5) and A78AE (Jetson Orin) but not the Cortex-A72
// (Pi 4). Only tests change them (to run every implementation), never
// while a kernel runs.
var (
	useNEON    = cpuid.CPU.Supports(cpuid.ASIMD)
	useDotProd = useNEON && cpuid.CPU.Supports(cpuid.ASIMDDP)
)

// No x86-64 vector extensions on arm64.
const (
	useAVX2   = false
	useAVX512 = false
)
