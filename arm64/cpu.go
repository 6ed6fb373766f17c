package arm64

// Path summarises the kernels in use for humans (`gosling info`,
// `gosling bench`): "neon+dotprod" when the quantized kernels use SDOT,
// "neon" when assembly runs without it; on x86-64 "avx512-vnni" when they
// use VPDPBUSD, "avx2" when AVX2+FMA+F16C assembly runs without it;
// "generic" when only pure Go runs.
func Path() string {
	switch {
	case useAVX512:
		return "avx512-vnni"
	case useAVX2:
		return "avx2"
	case useDotProd:
		return "neon+dotprod"
	case useNEON:
		return "neon"
	}
	return "generic"
}
