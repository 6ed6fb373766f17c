//go:build !arm64 || purego

package arm64

func lerp(out, x, d, mix []float32) { lerpGeneric(out, x, d, mix) }

func add(out, a, b []float32) { addGeneric(out, a, b) }

func reluSquare(out, x []float32) { reluSquareGeneric(out, x) }

func maxF32(x []float32) float32 { return maxF32Generic(x) }
