package runtime

import "math"

// Small element-wise steps of the forward pass. They touch D values each,
// against D² for the products, so they stay plain Go.

// sub writes a − b to out.
func sub(out, a, b []float32) {
	b, out = b[:len(a)], out[:len(a)]
	for i := range a {
		out[i] = a[i] - b[i]
	}
}

// add adds v to x in place.
func add(x, v []float32) {
	v = v[:len(x)]
	for i := range x {
		x[i] += v[i]
	}
}

// mul writes a ⊙ b to out (out may alias a or b).
func mul(out, a, b []float32) {
	b, out = b[:len(a)], out[:len(a)]
	for i := range a {
		out[i] = a[i] * b[i]
	}
}

// tokenShift writes, for T rows of width n in xx, d_t = prev_t − xx_t where
// prev_0 is the state's previous-token vector and prev_t = xx_{t−1}, then
// stores the last row as the new previous-token vector.
func tokenShift(d, prev, xx []float32, n int) {
	T := len(xx) / n
	sub(d[:n], prev, xx[:n])
	for t := 1; t < T; t++ {
		sub(d[t*n:(t+1)*n], xx[(t-1)*n:t*n], xx[t*n:(t+1)*n])
	}
	copy(prev, xx[(T-1)*n:])
}

// lerp writes x + d ⊙ mix to out for every row of x (mix has one row): the
// token shift's per-channel mix of this token and the previous one.
func lerp(out, x, d, mix []float32) {
	n := len(mix)
	for t := 0; t+n <= len(x); t += n {
		xr, dr, or := x[t:t+n], d[t:t+n], out[t:t+n]
		for i := range xr {
			or[i] = xr[i] + dr[i]*mix[i]
		}
	}
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
