package arm64

import "math"

// LayerNorm writes (x−mean)/sqrt(var+eps)·weight + bias to out. The group
// norm of the time mixer is LayerNorm applied to each head's slice.
func LayerNorm(out, x, weight, bias []float32, eps float32) {
	layerNorm(out, x, weight, bias, eps)
}

func layerNormGeneric(out, x, weight, bias []float32, eps float32) {
	n := len(x)
	out, weight, bias = out[:n], weight[:n], bias[:n]
	var mean float32
	for _, v := range x {
		mean += v
	}
	mean /= float32(n)
	var variance float32
	for _, v := range x {
		d := v - mean
		variance += d * d
	}
	variance /= float32(n)
	inv := float32(1 / math.Sqrt(float64(variance+eps)))
	for i, v := range x {
		out[i] = (v-mean)*inv*weight[i] + bias[i]
	}
}
