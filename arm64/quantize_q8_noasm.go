//go:build !(arm64 || amd64) || purego

package arm64

func quantizeQ8(q []int8, d []float32, x []float32) { quantizeQ8Generic(q, d, x) }
