//go:build !arm64 || purego

package arm64

// Without assembly (another architecture, or the purego tag) the generic
// twins registered by registerGeneric are all there is.
func registerAsm() {}
