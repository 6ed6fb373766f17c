package arm64

import "fmt"

// Bonus adds the RWKV-7 "bonus" of one head to its output y (after the
// group norm): y_j += (Σ_i r_i·k_i·rk_i)·v_j, every vector of length
// n = len(y). The sum runs in four lanes (i mod 4), added as
// (l0+l1)+(l2+l3), in the generic twin as in the NEON version.
func Bonus(y, r, k, rk, v []float32) { bonus(y, r, k, rk, v) }

func checkBonus(y, r, k, rk, v []float32) {
	if n := len(y); len(r) < n || len(k) < n || len(rk) < n || len(v) < n {
		panic(fmt.Sprintf("arm64.Bonus: y %d, r %d, k %d, rk %d, v %d values", n, len(r), len(k), len(rk), len(v)))
	}
}

func bonusGeneric(y, r, k, rk, v []float32) {
	checkBonus(y, r, k, rk, v)
	n := len(y)
	r, k, rk, v = r[:n], k[:n], rk[:n], v[:n]
	var l [4]float32
	for i := range y {
		l[i&3] += r[i] * k[i] * rk[i]
	}
	b := (l[0] + l[1]) + (l[2] + l[3])
	for j := range y {
		y[j] += b * v[j]
	}
}
