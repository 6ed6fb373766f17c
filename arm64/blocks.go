package arm64

// The ggml block layouts the quantized kernels read. Package quant owns
// them (and the file format around them); the sizes are repeated here so
// that the kernels depend on no other package of gosling, and
// blocks_test.go fails if the two ever disagree.
const (
	QK        = 32       // values per block
	BlockQ8_0 = 2 + QK   // fp16 scale + 32 × int8
	BlockQ4_0 = 2 + QK/2 // fp16 scale + 32 nibbles
)
