package arm64

// The kernels that have only their pure-Go form on every architecture
// (Q2_K, Q3_K and QuantizeQ8_1): in the registry with no
// implementation beyond generic. TestKernelFiles checks that each calls its
// twin directly, with no dispatcher between.
func init() {
	for _, k := range []string{
		"QuantizeQ8_1",
		"MatVecQ2_K", "MatVecQ3_K",
		"MatMulQ2_K", "MatMulQ3_K",
	} {
		kernels[k] = nil
	}
}
