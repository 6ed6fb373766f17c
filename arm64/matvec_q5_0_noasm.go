//go:build !(arm64 || amd64) || purego

package arm64

func matVecQ5_0(out []float32, w []byte, xq []int8, xd []float32) {
	matVecQ5_0Generic(out, w, xq, xd)
}

func matMulQ5_0(out []float32, ldOut int, w []byte, xq []int8, xd []float32, T int) {
	matMulQ5_0Generic(out, ldOut, w, xq, xd, T)
}
