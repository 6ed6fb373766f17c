//go:build !purego

package arm64

//go:noescape
func actNEON(out, x, bias *float32, n, rows, flags int)

const (
	actBias  = 1 << 0
	actDecay = 1 << 1
)

func actNEONGo(kernel string, out, x, bias []float32, flags int) {
	checkAct(kernel, out, x, bias)
	if len(x) == 0 {
		return
	}
	n, rows := len(x), 1
	var b *float32
	if bias != nil {
		n, rows, b, flags = len(bias), len(x)/len(bias), &bias[0], flags|actBias
	}
	actNEON(&out[0], &x[0], b, n, rows, flags)
}

func sigmoidNEON(out, x, bias []float32) { actNEONGo(KernelSigmoid, out, x, bias, 0) }

func decayNEON(out, x, bias []float32) { actNEONGo(KernelDecay, out, x, bias, actDecay) }
