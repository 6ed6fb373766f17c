package arm64

import (
	"fmt"
	"math"
)

// Element-wise passes of the forward pass that run once per token and
// layer over the model's width (or the FFN's): the token shift's mix, the
// residual add, the FFN's squared ReLU, and the largest logit for greedy
// decoding. Each is a few instructions per value in Go; NEON does 4 values
// per instruction. The NEON versions compute every value with the same
// single float32 operation as the twins (a fused multiply-add for Lerp,
// which Go fuses on arm64 too), so they agree exactly on arm64.

// Lerp writes x_i + d_i·mix_{i mod n} to out for len(x) values, n =
// len(mix) dividing len(x): the token shift's per-channel mix of this
// token (x) and the difference to the previous one (d), for every row of x.
// out may be x or d.
func Lerp(out, x, d, mix []float32) { lerp(out, x, d, mix) }

// Add writes a_i + b_i to out for len(a) values. out may be a or b.
func Add(out, a, b []float32) { add(out, a, b) }

// Sub writes a_i − b_i to out for len(a) values. out may be a or b.
func Sub(out, a, b []float32) { sub(out, a, b) }

// Mul writes a_i·b_i to out for len(a) values. out may be a or b.
func Mul(out, a, b []float32) { mul(out, a, b) }

// Index returns the first i with x_i == v (−0 == +0), or −1 if there is
// none (always for a NaN v). With Max it finds the greedy token.
func Index(x []float32, v float32) int { return index(x, v) }

// ReluSquare writes max(x_i, 0)² to out for len(x) values (NaN stays
// NaN). out may be x.
func ReluSquare(out, x []float32) { reluSquare(out, x) }

// Max returns the largest value of x as Go's max does (NaN if x holds a
// NaN, +0 over −0), and −Inf for an empty x.
func Max(x []float32) float32 { return maxF32(x) }

func checkLerp(out, x, d, mix []float32) {
	if len(out) < len(x) || len(d) < len(x) || len(mix) == 0 || len(x)%len(mix) != 0 {
		panic(fmt.Sprintf("arm64.Lerp: out %d, x %d, d %d values, mix %d", len(out), len(x), len(d), len(mix)))
	}
}

func checkBinary(kernel string, out, a, b []float32) {
	if len(out) < len(a) || len(b) < len(a) {
		panic(fmt.Sprintf("arm64.%s: out %d, inputs %d and %d values", kernel, len(out), len(a), len(b)))
	}
}

func lerpGeneric(out, x, d, mix []float32) {
	checkLerp(out, x, d, mix)
	n := len(mix)
	for t := 0; t < len(x); t += n {
		xr, dr, or := x[t:t+n], d[t:t+n], out[t:t+n]
		for i := range xr {
			or[i] = xr[i] + dr[i]*mix[i]
		}
	}
}

func addGeneric(out, a, b []float32) {
	checkBinary("Add", out, a, b)
	b, out = b[:len(a)], out[:len(a)]
	for i := range a {
		out[i] = a[i] + b[i]
	}
}

func subGeneric(out, a, b []float32) {
	checkBinary("Sub", out, a, b)
	b, out = b[:len(a)], out[:len(a)]
	for i := range a {
		out[i] = a[i] - b[i]
	}
}

func mulGeneric(out, a, b []float32) {
	checkBinary("Mul", out, a, b)
	b, out = b[:len(a)], out[:len(a)]
	for i := range a {
		out[i] = a[i] * b[i]
	}
}

func indexGeneric(x []float32, v float32) int {
	for i, u := range x {
		if u == v {
			return i
		}
	}
	return -1
}

func reluSquareGeneric(out, x []float32) {
	checkBinary("ReluSquare", out, x, x)
	out = out[:len(x)]
	for i, v := range x {
		v = max(v, 0)
		out[i] = v * v
	}
}

func maxF32Generic(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
