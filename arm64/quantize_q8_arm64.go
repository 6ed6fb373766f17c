//go:build !purego

package arm64

//go:noescape
func quantizeQ8NEON(q *int8, d *float32, x *float32, nb int)

// quantizeQ8 hands every argument the assembly does not expect to the
// generic twin, as all the wrappers do.
func quantizeQ8(q []int8, d []float32, x []float32) {
	nb := len(x) / QK
	if !useNEON || nb == 0 || len(q) < nb*QK || len(d) < nb {
		quantizeQ8Generic(q, d, x)
		return
	}
	quantizeQ8NEON(&q[0], &d[0], &x[0], nb)
}
