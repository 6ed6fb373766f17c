package arm64

// WKV7 advances the state of one head of the RWKV-7 time mixer by one token
// and returns its output in y. s is the head's N×N state, row i = value
// channel, column j = key channel; every vector has length N = len(r).
//
//	sa_i  = Σ_j S_ij·(−kk_j)
//	S_ij ← S_ij·w_j + sa_i·(kk_j·a_j) + v_i·k_j
//	y_i   = Σ_j S_ij·r_j
//
// This is the delta rule of the paper: the state forgets along the decay w,
// removes what it held along the normalised key kk (scaled by the in-context
// learning rate a) and writes v·kᵀ.
func WKV7(s, r, w, k, v, kk, a, y []float32) { wkv7(s, r, w, k, v, kk, a, y) }

func wkv7Generic(s, r, w, k, v, kk, a, y []float32) {
	n := len(r)
	_ = s[n*n-1]
	w, k, v, kk, a, y = w[:n], k[:n], v[:n], kk[:n], a[:n], y[:n]
	for i := 0; i < n; i++ {
		row := s[i*n : (i+1)*n]
		var sa float32
		for j, sij := range row {
			sa -= sij * kk[j]
		}
		vi := v[i]
		var yi float32
		for j, sij := range row {
			sij = sij*w[j] + sa*(kk[j]*a[j]) + vi*k[j]
			row[j] = sij
			yi += sij * r[j]
		}
		y[i] = yi
	}
}
