package runtime

import (
	"math"

	"github.com/gosling-edge/gosling/arm64"
)

// Small element-wise steps of the forward pass that stay plain Go (the
// busier ones, lerp, add, sub, mul and the squared ReLU, are NEON kernels
// in arm64).

// tokenShift writes, for T rows of width n in xx, d_t = prev_t − xx_t where
// prev_0 is the state's previous-token vector and prev_t = xx_{t−1}, then
// stores the last row as the new previous-token vector.
func tokenShift(d, prev, xx []float32, n int) {
	T := len(xx) / n
	arm64.Sub(d[:n], prev, xx[:n])
	for t := 1; t < T; t++ {
		arm64.Sub(d[t*n:(t+1)*n], xx[(t-1)*n:t*n], xx[t*n:(t+1)*n])
	}
	copy(prev, xx[(T-1)*n:])
}

func tanhInPlace(x []float32) {
	for i, v := range x {
		x[i] = float32(math.Tanh(float64(v)))
	}
}

// normalize scales x to unit L2 norm, as torch's F.normalize (eps 1e-12).
func normalize(x []float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	n := math.Sqrt(ss)
	if n < 1e-12 {
		n = 1e-12
	}
	inv := float32(1 / n)
	for i := range x {
		x[i] *= inv
	}
}
