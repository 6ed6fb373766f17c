//go:build !(arm64 || amd64) || purego

package arm64

func sigmoid(out, x, bias []float32) { sigmoidGeneric(out, x, bias) }

func decay(out, x, bias []float32) { decayGeneric(out, x, bias) }
