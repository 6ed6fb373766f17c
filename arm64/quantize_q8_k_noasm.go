//go:build !(arm64 || amd64) || purego

package arm64

func quantizeQ8_K(q []int8, d []float32, s []int16, x []float32) { quantizeQ8_KGeneric(q, d, s, x) }
