//go:build !purego

package arm64

//go:noescape
func actNEON(out, x, bias *float32, n, rows, flags int)

const (
	actBias  = 1 << 0
	actDecay = 1 << 1
)

func sigmoid(out, x, bias []float32) {
	if !useNEON {
		sigmoidGeneric(out, x, bias)
		return
	}
	checkAct("Sigmoid", out, x, bias)
	if len(x) == 0 {
		return
	}
	n, rows, b, flags := actArgs(x, bias, 0)
	actNEON(&out[0], &x[0], b, n, rows, flags)
}

func decay(out, x, bias []float32) {
	if !useNEON {
		decayGeneric(out, x, bias)
		return
	}
	checkAct("Decay", out, x, bias)
	if len(x) == 0 {
		return
	}
	n, rows, b, flags := actArgs(x, bias, actDecay)
	actNEON(&out[0], &x[0], b, n, rows, flags)
}

// actArgs returns actNEON's row width, row count, bias and flags for the
// checked operands x, bias (one row of len(x) without a bias).
func actArgs(x, bias []float32, flags int) (n, rows int, b *float32, _ int) {
	if bias == nil {
		return len(x), 1, nil, flags
	}
	return len(bias), len(x) / len(bias), &bias[0], flags | actBias
}
