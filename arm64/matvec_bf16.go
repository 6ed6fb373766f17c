package arm64

import "math"

// MatVecBF16 is MatVecF32 over bfloat16 weights (raw bits: the top half of
// a float32, so widening is a shift).
func MatVecBF16(out []float32, w []uint16, x []float32) { matVecBF16(out, w, x) }

func matVecBF16Generic(out []float32, w []uint16, x []float32) {
	matVecRows(out, w, len(x), 1, func(row []uint16) float32 { return dotBF16(row, x) })
}

// MatMulBF16 is the prefill form of MatVecBF16 (see matmul.go).
func MatMulBF16(out []float32, ldOut int, w []uint16, x []float32, T int) {
	matMulBF16(out, ldOut, w, x, T)
}

func matMulBF16Generic(out []float32, ldOut int, w []uint16, x []float32, T int) {
	cols, rows := matMulShape("MatMulBF16", len(out), ldOut, len(w), len(x), T, f32RowLen)
	for i := 0; i < rows; i++ {
		row := w[i*cols : (i+1)*cols]
		for t := 0; t < T; t++ {
			out[t*ldOut+i] = dotBF16(row, x[t*cols:(t+1)*cols])
		}
	}
}

// dotBF16 is Σ bf16(row[j])·x[j] in four interleaved sums.
func dotBF16(row []uint16, x []float32) float32 {
	x = x[:len(row)]
	var s0, s1, s2, s3 float32
	j := 0
	for ; j+4 <= len(row); j += 4 {
		s0 += bf16(row[j]) * x[j]
		s1 += bf16(row[j+1]) * x[j+1]
		s2 += bf16(row[j+2]) * x[j+2]
		s3 += bf16(row[j+3]) * x[j+3]
	}
	for ; j < len(row); j++ {
		s0 += bf16(row[j]) * x[j]
	}
	return (s0 + s1) + (s2 + s3)
}

func bf16(v uint16) float32 { return math.Float32frombits(uint32(v) << 16) }
