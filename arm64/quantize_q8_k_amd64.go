//go:build !purego

package arm64

//go:noescape
func quantizeQ8_KAVX2(q *int8, d *float32, s *int16, x *float32, nb int)

// quantizeQ8_K hands every argument the assembly does not expect to the
// generic twin, as all the wrappers do.
func quantizeQ8_K(q []int8, d []float32, s []int16, x []float32) {
	nb := len(x) / QKK
	if !useAVX2 || nb == 0 || len(q) < nb*QKK || len(d) < nb || len(s) < nb*QKK/16 {
		quantizeQ8_KGeneric(q, d, s, x)
		return
	}
	quantizeQ8_KAVX2(&q[0], &d[0], &s[0], &x[0], nb)
}
