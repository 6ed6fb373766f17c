//go:build !purego

package arm64

import "github.com/klauspost/cpuid/v2"

// CPU features the assembly needs, read once at start-up. Advanced SIMD
// (ASIMD) is part of every ARMv8-A Linux system; the dot product (SDOT,
// FEAT_DotProd) came with ARMv8.2 and is on the Cortex-A76 (Pi 5) and
// A78AE (Jetson Orin) but not the Cortex-A72 (Pi 4).
var (
	hasASIMD   = cpuid.CPU.Supports(cpuid.ASIMD)
	hasDotProd = hasASIMD && cpuid.CPU.Supports(cpuid.ASIMDDP)
)

func registerAsm() {
	register(KernelQuantizeQ8, ImplNEON, hasASIMD, func() { quantizeQ8 = quantizeQ8NEONGo })
	register(KernelDotF32, ImplNEON, hasASIMD, func() { dotF32 = dotF32NEON })
	register(KernelMatVecF32, ImplNEON, hasASIMD, func() { matVecF32 = matVecF32NEONGo })
	register(KernelMatVecF16, ImplNEON, hasASIMD, func() { matVecF16 = matVecF16NEONGo })
	register(KernelWKV7, ImplNEON, hasASIMD, func() { wkv7 = wkv7NEONGo })
	register(KernelLayerNorm, ImplNEON, hasASIMD, func() { layerNorm = layerNormNEONGo })
	register(KernelSigmoid, ImplNEON, hasASIMD, func() { sigmoidAct = sigmoidNEON })
	register(KernelDecay, ImplNEON, hasASIMD, func() { decayAct = decayNEON })
	register(KernelMatVecQ8_0, ImplNEON, hasASIMD, func() { matVecQ8_0 = matVecQ8_0NEON })
	register(KernelMatVecQ8_0, ImplNEONDotProd, hasDotProd, func() { matVecQ8_0 = matVecQ8_0NEONDot })
	register(KernelMatVecQ4_0, ImplNEON, hasASIMD, func() { matVecQ4_0 = matVecQ4_0NEON })
	register(KernelMatVecQ4_0, ImplNEONDotProd, hasDotProd, func() { matVecQ4_0 = matVecQ4_0NEONDot })
	register(KernelMatMulF32, ImplNEON, hasASIMD, func() { matMulF32 = matMulF32NEON })
	register(KernelMatMulF16, ImplNEON, hasASIMD, func() { matMulF16 = matMulF16NEON })
	register(KernelMatMulQ8_0, ImplNEON, hasASIMD, func() { matMulQ8_0 = matMulQ8_0NEON })
	register(KernelMatMulQ8_0, ImplNEONDotProd, hasDotProd, func() { matMulQ8_0 = matMulQ8_0NEONDot })
	register(KernelMatMulQ4_0, ImplNEON, hasASIMD, func() { matMulQ4_0 = matMulQ4_0NEON })
	register(KernelMatMulQ4_0, ImplNEONDotProd, hasDotProd, func() { matMulQ4_0 = matMulQ4_0NEONDot })
}
