//go:build cuda

package cuda

// Go mirrors of the structs in kernels/common.cuh. Every field is 8 bytes,
// so the layouts agree by construction (TestStructsMatchHeader checks the
// field counts against the header).

type matJob struct {
	W, X, XQ, XD, Out, P0, P1  uint64
	OQ, OD                     uint64
	Type, Rows, Cols, RowBytes int64
	XS, OS                     int64
	Epi                        int64
	BlockStart                 int64
	Mix                        int64
}

// prodArgs is one decode launch of the product kernels (ProdArgs).
type prodArgs struct {
	Jobs          uint64
	NJobs, NTiles int64
	X, LNW, LNB   uint64
	Prev          uint64
	Mix           [6]uint64
	Q8Mask        int64
	Keep          uint64
	CopySrc       uint64
	CopyDst       uint64
	CopyN, D      int64
	Eps           float64
}

type layerArgs struct {
	LN1W, LN1B, LN2W, LN2B         uint64
	Mix                            [6]uint64
	KKW, KA, RK, LNXW, LNXB, FFNXK uint64
	AttPrev, WKV, FFNPrev          uint64
	X                              uint64
	XM, XMQ, XMD                   [6]uint64
	R, W, K, V, A, G, VFirst       uint64
	Y, YQ, YD                      uint64
	FX, FXQ, FXD                   uint64
	D, H                           int64
	Eps, GEps                      float64
	Up, UpIn                       [4]uint64
	UpType, UpCols, UpRowBytes     [4]int64
	W0, A0, V0, Keep               uint64
}

type topArgs struct {
	Emb, LN0W, LN0B, LNOutW, LNOutB uint64
	Tokens, X, XO, XOQ, XOD         uint64
	EmbType, EmbRowBytes, D         int64
	Eps                             float64
}

// Device-only weight types (TYPE_Q8_0P, TYPE_Q4_0P in common.cuh): the
// repacked copies of Q8_0 and Q4_0 matrices in device memory.
const (
	typeQ8_0Packed = 256 + 8
	typeQ4_0Packed = 256 + 2
)

// noMix marks a product that reads its input from memory (MatJob.mix).
const noMix = -1

// mixNorm is the prologue's normalised x without a lerp (MatJob.mix).
const mixNorm = 6

// Epilogues of a product (EPI_* in common.cuh).
const (
	epiStore       = 0
	epiAdd         = 1
	epiTanh        = 2
	epiSigmoid     = 3
	epiDecay       = 4
	epiSigmoidBias = 5
	epiReLU2       = 6
	epiVMix        = 7
)

// step is one thing a token step does on the stream: a kernel launch, or a
// copy between the pinned host buffers and the device.
type step struct {
	kind int // stepLaunch, stepTokensIn, stepLogitsOut
	fn   uintptr
	// grid is the grid's x size for T tokens.
	grid    func(T int) uint32
	threads uint32
	shared  uint32  // bytes of dynamic shared memory
	params  uintptr // host address of the void*[] kernel parameter array
	name    string  // for errors
}

const (
	stepLaunch = iota
	stepTokensIn
	stepLogitsOut
)
