//go:build !purego

package arm64

//go:noescape
func layerNormAVX2(out, x, w, b *float32, n int, eps float32)

func layerNorm(out, x, weight, bias []float32, eps float32) {
	n := len(x)
	if !useAVX2 || n == 0 || len(out) < n || len(weight) < n || len(bias) < n {
		layerNormGeneric(out, x, weight, bias, eps)
		return
	}
	layerNormAVX2(&out[0], &x[0], &weight[0], &bias[0], n, eps)
}
