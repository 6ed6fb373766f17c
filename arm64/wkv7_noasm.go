//go:build !(arm64 || amd64) || purego

package arm64

func wkv7(s, r, w, k, v, kk, a, y []float32) { wkv7Generic(s, r, w, k, v, kk, a, y) }
