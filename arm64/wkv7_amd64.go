//go:build !purego

package arm64

//go:noescape
func wkv7AVX2(s, r, w, k, v, kk, a, y *float32)

// wkv7 runs the assembly for heads of size 64 (every RWKV-7 model so far)
// and the generic twin otherwise.
func wkv7(s, r, w, k, v, kk, a, y []float32) {
	const n = 64
	if !useAVX2 || len(r) != n || len(s) < n*n || len(w) < n || len(k) < n || len(v) < n || len(kk) < n || len(a) < n || len(y) < n {
		wkv7Generic(s, r, w, k, v, kk, a, y)
		return
	}
	wkv7AVX2(&s[0], &r[0], &w[0], &k[0], &v[0], &kk[0], &a[0], &y[0])
}
