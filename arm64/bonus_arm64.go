//go:build !purego

package arm64

//go:noescape
func bonusNEON(y, r, k, rk, v *float32, n int)

// bonus runs the assembly for lengths that are a multiple of 4 (heads of
// 64) and the generic twin otherwise.
func bonus(y, r, k, rk, v []float32) {
	if !useNEON || len(y)%4 != 0 || len(y) == 0 {
		bonusGeneric(y, r, k, rk, v)
		return
	}
	checkBonus(y, r, k, rk, v)
	bonusNEON(&y[0], &r[0], &k[0], &rk[0], &v[0], len(y))
}
