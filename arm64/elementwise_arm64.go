//go:build !purego

package arm64

//go:noescape
func lerpNEON(out, x, d, mix *float32, n, rows int)

//go:noescape
func addNEON(out, a, b *float32, n int)

//go:noescape
func reluSquareNEON(out, x *float32, n int)

//go:noescape
func maxNEON(x *float32, n int) float32

func lerp(out, x, d, mix []float32) {
	if !useNEON {
		lerpGeneric(out, x, d, mix)
		return
	}
	checkLerp(out, x, d, mix)
	if len(x) == 0 {
		return
	}
	lerpNEON(&out[0], &x[0], &d[0], &mix[0], len(mix), len(x)/len(mix))
}

func add(out, a, b []float32) {
	if !useNEON {
		addGeneric(out, a, b)
		return
	}
	checkBinary("Add", out, a, b)
	if len(a) == 0 {
		return
	}
	addNEON(&out[0], &a[0], &b[0], len(a))
}

func reluSquare(out, x []float32) {
	if !useNEON {
		reluSquareGeneric(out, x)
		return
	}
	checkBinary("ReluSquare", out, x, x)
	if len(x) == 0 {
		return
	}
	reluSquareNEON(&out[0], &x[0], len(x))
}

func maxF32(x []float32) float32 {
	if !useNEON || len(x) == 0 {
		return maxF32Generic(x)
	}
	return maxNEON(&x[0], len(x))
}
