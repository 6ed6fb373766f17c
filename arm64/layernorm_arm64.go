//go:build !purego

package arm64

//go:noescape
func layerNormNEON(out, x, w, b *float32, n int, eps float32)

func layerNorm(out, x, weight, bias []float32, eps float32) {
	n := len(x)
	if !useNEON || n == 0 || len(out) < n || len(weight) < n || len(bias) < n {
		layerNormGeneric(out, x, weight, bias, eps)
		return
	}
	layerNormNEON(&out[0], &x[0], &weight[0], &bias[0], n, eps)
}
