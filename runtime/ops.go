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

// lerp writes x + d ⊙ mix to out: the token shift, where d is the previous
// token's value minus this token's.
func lerp(out, x, d, mix []float32) {
	d, mix, out = d[:len(x)], mix[:len(x)], out[:len(x)]
	for i := range x {
		out[i] = x[i] + d[i]*mix[i]
	}
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func exp32(x float32) float32 { return float32(math.Exp(float64(x))) }

func sigmoidInPlace(x []float32) {
	for i, v := range x {
		x[i] = sigmoid(v)
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
