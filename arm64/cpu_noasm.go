//go:build !(arm64 || amd64) || purego

package arm64

// Without assembly (another architecture, or the purego tag) every kernel
// is its generic twin (the *_noasm.go files).
const (
	useNEON    = false
	useDotProd = false
	useAVX2    = false
	useAVX512  = false
)
