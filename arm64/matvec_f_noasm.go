//go:build !(arm64 || amd64) || purego

package arm64

func matVecF32(out, w, x []float32) { matVecF32Generic(out, w, x) }

func matVecF16(out []float32, w []uint16, x []float32) { matVecF16Generic(out, w, x) }
