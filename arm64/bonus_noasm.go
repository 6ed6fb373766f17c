//go:build !arm64 || purego

package arm64

func bonus(y, r, k, rk, v []float32) { bonusGeneric(y, r, k, rk, v) }
