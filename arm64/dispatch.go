package arm64

// The function variables every exported kernel calls through. They start
// at the generic twins; init installs the fastest implementation this CPU
// runs (dispatch_arm64.go registers the assembly, dispatch_noasm.go none).
var (
	dotF32     = dotF32Generic
	matVecF32  = matVecF32Generic
	matVecF16  = matVecF16Generic
	quantizeQ8 = quantizeQ8Generic
	matVecQ8_0 = matVecQ8_0Generic
	matVecQ4_0 = matVecQ4_0Generic
	matMulF32  = matMulF32Generic
	matMulF16  = matMulF16Generic
	matMulQ8_0 = matMulQ8_0Generic
	matMulQ4_0 = matMulQ4_0Generic
	wkv7       = wkv7Generic
	layerNorm  = layerNormGeneric
	sigmoidAct = sigmoidGeneric
	decayAct   = decayGeneric
)

func init() {
	registerGeneric()
	registerAsm()
	selectBest()
}

// registerGeneric registers the pure-Go twin of every kernel: always
// available, and first, so that any assembly registered after it wins.
func registerGeneric() {
	register(KernelDotF32, ImplGeneric, true, func() { dotF32 = dotF32Generic })
	register(KernelMatVecF32, ImplGeneric, true, func() { matVecF32 = matVecF32Generic })
	register(KernelMatVecF16, ImplGeneric, true, func() { matVecF16 = matVecF16Generic })
	register(KernelQuantizeQ8, ImplGeneric, true, func() { quantizeQ8 = quantizeQ8Generic })
	register(KernelMatVecQ8_0, ImplGeneric, true, func() { matVecQ8_0 = matVecQ8_0Generic })
	register(KernelMatVecQ4_0, ImplGeneric, true, func() { matVecQ4_0 = matVecQ4_0Generic })
	register(KernelMatMulF32, ImplGeneric, true, func() { matMulF32 = matMulF32Generic })
	register(KernelMatMulF16, ImplGeneric, true, func() { matMulF16 = matMulF16Generic })
	register(KernelMatMulQ8_0, ImplGeneric, true, func() { matMulQ8_0 = matMulQ8_0Generic })
	register(KernelMatMulQ4_0, ImplGeneric, true, func() { matMulQ4_0 = matMulQ4_0Generic })
	register(KernelWKV7, ImplGeneric, true, func() { wkv7 = wkv7Generic })
	register(KernelLayerNorm, ImplGeneric, true, func() { layerNorm = layerNormGeneric })
	register(KernelSigmoid, ImplGeneric, true, func() { sigmoidAct = sigmoidGeneric })
	register(KernelDecay, ImplGeneric, true, func() { decayAct = decayGeneric })
}
