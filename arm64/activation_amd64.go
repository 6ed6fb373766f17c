//go:build !purego

package arm64

//go:noescape
func actAVX2(out, x, bias *float32, n, rows, flags int)

const (
	actBias  = 1 << 0
	actDecay = 1 << 1
)

// The assembly takes rows (the bias's length, or all of x without one) of
// a multiple of 8 values; anything else runs the generic twins.

func sigmoid(out, x, bias []float32) {
	if !useAVX2 {
		sigmoidGeneric(out, x, bias)
		return
	}
	checkAct("Sigmoid", out, x, bias)
	n, rows, b, flags := actArgs(x, bias, 0)
	if n%8 != 0 || len(x) == 0 {
		sigmoidGeneric(out, x, bias)
		return
	}
	actAVX2(&out[0], &x[0], b, n, rows, flags)
}

func decay(out, x, bias []float32) {
	if !useAVX2 {
		decayGeneric(out, x, bias)
		return
	}
	checkAct("Decay", out, x, bias)
	n, rows, b, flags := actArgs(x, bias, actDecay)
	if n%8 != 0 || len(x) == 0 {
		decayGeneric(out, x, bias)
		return
	}
	actAVX2(&out[0], &x[0], b, n, rows, flags)
}

// actArgs returns actAVX2's row width, row count, bias and flags for the
// checked operands x, bias (one row of len(x) without a bias).
func actArgs(x, bias []float32, flags int) (n, rows int, b *float32, _ int) {
	if bias == nil {
		return len(x), 1, nil, flags
	}
	return len(bias), len(x) / len(bias), &bias[0], flags | actBias
}
