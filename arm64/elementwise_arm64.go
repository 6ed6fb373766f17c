//go:build !purego

package arm64

//go:noescape
func lerpNEON(out, x, d, mix *float32, n, rows int)

//go:noescape
func addNEON(out, a, b *float32, n int)

//go:noescape
func subNEON(out, a, b *float32, n int)

//go:noescape
func mulNEON(out, a, b *float32, n int)

//go:noescape
func indexNEON(x *float32, n int, v float32) int

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

func sub(out, a, b []float32) {
	if !useNEON {
		subGeneric(out, a, b)
		return
	}
	checkBinary("Sub", out, a, b)
	if len(a) == 0 {
		return
	}
	subNEON(&out[0], &a[0], &b[0], len(a))
}

func mul(out, a, b []float32) {
	if !useNEON {
		mulGeneric(out, a, b)
		return
	}
	checkBinary("Mul", out, a, b)
	if len(a) == 0 {
		return
	}
	mulNEON(&out[0], &a[0], &b[0], len(a))
}

func index(x []float32, v float32) int {
	if !useNEON || len(x) == 0 || v != v {
		return indexGeneric(x, v)
	}
	if i := indexNEON(&x[0], len(x), v); i < len(x) {
		return i
	}
	return -1
}
