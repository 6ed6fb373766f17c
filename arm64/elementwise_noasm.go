//go:build !arm64 || purego

package arm64

func lerp(out, x, d, mix []float32) { lerpGeneric(out, x, d, mix) }

func add(out, a, b []float32) { addGeneric(out, a, b) }

func reluSquare(out, x []float32) { reluSquareGeneric(out, x) }

func maxF32(x []float32) float32 { return maxF32Generic(x) }

func sub(out, a, b []float32) { subGeneric(out, a, b) }

func mul(out, a, b []float32) { mulGeneric(out, a, b) }

func index(x []float32, v float32) int { return indexGeneric(x, v) }
