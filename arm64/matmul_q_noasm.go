//go:build !(arm64 || amd64) || purego

package arm64

func matMulQ8_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ8_0Generic(out, ldOut, w, xq, xd, T)
}

func matMulQ4_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ4_0Generic(out, ldOut, w, xq, xd, T)
}
