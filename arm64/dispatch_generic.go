package arm64

// Until the NEON kernels land every kernel routes to its pure-Go twin.
var (
	dotF32     = dotF32Generic
	matVecF16  = matVecF16Generic
	quantizeQ8 = quantizeQ8Generic
	matVecQ8_0 = matVecQ8_0Generic
	matVecQ4_0 = matVecQ4_0Generic
	wkv7       = wkv7Generic
	layerNorm  = layerNormGeneric
)

// Path names the kernel implementations in use, for `gosling info`.
func Path() string { return "generic (pure Go)" }
