package quant

import "math"

// The searches below pick the scale (and, for the asymmetric types, the
// minimum) of a group of values together with its integer codes. They follow
// the definitions ggml's quantizers use (ggml-quants.c: make_qx_quants,
// make_q3_quants, make_qkx2_quants/make_qkx3_quants, make_qp_quants), because
// llama-quantize's files are the reference: a different search, better or
// worse, would give files that no checksum can compare.
//
// Byte-identical output needs float32 arithmetic rounded where C rounds it.
// The reference is llama-quantize built for x86-64: ggml-base, which holds
// the quantizers, is compiled there for baseline SSE2, so GCC has no FMA to
// contract into and every operation rounds on its own. (An arm64 build of
// llama-quantize contracts a*b+c into FMA — GCC's default for GNU C — and can
// write slightly different bytes; most files on model hubs come from x86.)
// Here every product that is then added is rounded first:
// float32(a*b) + c, and so is a product kept in a variable and added later
// (m := float32(d*s); … x + m), since Go may fuse across statements. Without
// the explicit conversion the compiler fuses such pairs into one FMA on arm64
// (and on amd64 with GOAMD64=v3) and rounds once. Check with
// `GOARCH=arm64 go build -gcflags=-S ./quant 2>&1 | grep -c FMADD` (and
// FMSUB): it must print 0. Sums are accumulated in C's order, left to right.

// groupMaxEps is ggml's GROUP_MAX_EPS: a group whose largest magnitude is
// below it is treated as all zeros.
const groupMaxEps = 1e-15

// nearestInt rounds to the nearest integer, ties to even, the way ggml's
// nearest_int does: adding 1.5·2^23 leaves the integer in the low mantissa
// bits. It is exact for |f| < 2^22; beyond that (never for finite inputs of
// the groups here, whose codes are bounded) it returns what the bit trick
// returns, as ggml does with its assert compiled out. The float32(f)
// conversion keeps a caller's product f = a·b rounded before the addition.
func nearestInt(f float32) int {
	v := float32(f) + 12582912
	return int(math.Float32bits(v)&0x007fffff) - 0x00400000
}

// clampInt returns v limited to [lo, hi].
func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

// symmetricScale finds a scale for codes in [−nmax, nmax−1] (stored with
// nmax added, so 0…2·nmax−1) that minimises the weighted squared error
// Σ w·(x − scale·l)². It starts from the scale that maps the value of largest
// magnitude to −nmax, then tries 18 nearby scales, keeping the best by the
// least-squares criterion sumlx²/suml2. Weights are qw, or x² when qw is nil
// (ggml's rmse_type 1, the only kind its quantizers use).
func symmetricScale(nmax int, x []float32, L []int8, qw []float32) float32 {
	peak := signedPeak(x)
	amax := abs32(peak)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	weight := func(i int) float32 {
		if qw != nil {
			return qw[i]
		}
		return x[i] * x[i]
	}
	iscale := float32(-nmax) / peak
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l + nmax)
		w, fl := weight(i), float32(l)
		sumlx += float32(w * v * fl)
		suml2 += float32(w * fl * fl)
	}
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := scale * sumlx
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(float32(nmax) + float32(0.1*float32(is))) / peak
		sumlx, suml2 = 0, 0
		for i, v := range x {
			l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
			w, fl := weight(i), float32(l)
			sumlx += float32(w * v * fl)
			suml2 += float32(w * fl * fl)
		}
		if suml2 > 0 && sumlx*sumlx > best*suml2 {
			for i, v := range x {
				L[i] = int8(nmax + clampInt(nearestInt(iscale*v), -nmax, nmax-1))
			}
			scale = sumlx / suml2
			best = scale * sumlx
		}
	}
	return scale
}

// q3Scale is Q3_K's symmetric search (ggml's make_q3_quants with its rmse
// refinement): codes in [−nmax, nmax−1] weighted by x², starting from the
// scale that maps the largest magnitude to −nmax, then up to five passes that
// move single codes to where the current least-squares fit puts them when
// that lowers the error. Codes are stored with nmax added — except for an
// all-zero group, whose codes stay 0 (as ggml leaves them).
func q3Scale(nmax int, x []float32, L []int8) float32 {
	peak := signedPeak(x)
	amax := abs32(peak)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := float32(-nmax) / peak
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l)
		w, fl := v*v, float32(l)
		sumlx += float32(w * v * fl)
		suml2 += float32(w * fl * fl)
	}
	for itry := 0; itry < 5; itry++ {
		changed := 0
		for i, v := range x {
			w, li := v*v, float32(L[i])
			slx := sumlx - float32(w*v*li)
			if slx > 0 {
				sl2 := suml2 - float32(w*li*li)
				nl := clampInt(nearestInt(v*sl2/slx), -nmax, nmax-1)
				if nl != int(L[i]) {
					fn := float32(nl)
					slx += float32(w * v * fn)
					sl2 += float32(w * fn * fn)
					if sl2 > 0 && slx*slx*suml2 > sumlx*sumlx*sl2 {
						L[i] = int8(nl)
						sumlx, suml2 = slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	for i := range L {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// affineSearch is the parameter set of an asymmetric (scale, min) search.
type affineSearch struct {
	nmax             int     // codes 0…nmax
	rmin, rdelta     float32 // candidate i maps the range onto nmax + rmin + i·rdelta steps
	nstep            int     // candidates 0…nstep
	absError         bool    // weigh |error| instead of error²
	emptyUnlessAbove bool    // empty when max <= min (ggml's make_qkx3), not only when max == min (make_qkx2)
}

// affineScale fits x ≈ scale·l + min with codes l in [0, nmax] and min ≤ 0,
// minimising Σ w·err (err squared, or absolute with absError). It starts from
// the scale that spans [min(x, 0), max(x)] exactly, then for each candidate
// step count rounds the codes and solves the weighted least-squares problem
// for (scale, min) in closed form, keeping the candidate of lowest error.
// It returns the scale and −min (the non-negative offset the formats store).
// This is ggml's make_qkx2_quants / make_qkx3_quants, which differ only in
// the empty-group test.
func affineScale(p affineSearch, x, weights []float32, L, Laux []uint8) (scale, negMin float32) {
	lo, hi := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < len(x); i++ {
		v := x[i]
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * v)
	}
	if lo > 0 {
		lo = 0
	}
	if hi == lo || (p.emptyUnlessAbove && hi <= lo) {
		clear(L)
		return 0, -lo
	}
	nmax := float32(p.nmax)
	errOf := func(diff float32) float32 {
		if p.absError {
			return abs32(diff)
		}
		return diff * diff
	}
	iscale := nmax / (hi - lo)
	scale = 1 / iscale
	var bestErr float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*(v-lo)), 0, p.nmax)
		L[i] = uint8(l)
		diff := float32(scale*float32(L[i])) + lo - v
		bestErr += float32(weights[i] * errOf(diff))
	}
	if p.nstep < 1 {
		return scale, -lo
	}
	for is := 0; is <= p.nstep; is++ {
		iscale = (p.rmin + float32(p.rdelta*float32(is)) + nmax) / (hi - lo)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := clampInt(nearestInt(iscale*(v-lo)), 0, p.nmax)
			Laux[i] = uint8(l)
			w, fl := weights[i], float32(l)
			sumL += float32(w * fl)
			sumL2 += float32(w * fl * fl)
			sumXL += float32(w * fl * v)
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var cur float32
			for i, v := range x {
				diff := float32(thisScale*float32(Laux[i])) + thisMin - v
				cur += float32(weights[i] * errOf(diff))
			}
			if cur < bestErr {
				copy(L, Laux[:len(L)])
				bestErr = cur
				scale, lo = thisScale, thisMin
			}
		}
	}
	return scale, -lo
}

// positiveScale quantizes non-negative values (the sub-block scales and mins
// of the K types under an importance matrix) to codes 0…nmax with one scale:
// it starts from max → nmax, tries eight nearby scales by weighted squared
// error, then refines single codes as q3Scale does. This is ggml's
// make_qp_quants; a negative input wraps in the uint8 codes as it does there.
func positiveScale(nmax int, x []float32, L []uint8, qw []float32) float32 {
	var peak float32
	for _, v := range x {
		if !(peak > v) {
			peak = v
		}
	}
	if peak < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := float32(nmax) / peak
	for i, v := range x {
		L[i] = uint8(nearestInt(iscale * v))
	}
	scale := 1 / iscale
	var bestMSE float32
	for i, v := range x {
		diff := v - float32(scale*float32(L[i]))
		bestMSE += float32(qw[i] * diff * diff)
	}
	for is := -4; is <= 4; is++ {
		if is == 0 {
			continue
		}
		iscaleIs := (float32(0.1*float32(is)) + float32(nmax)) / peak
		scaleIs := 1 / iscaleIs
		var mse float32
		for i, v := range x {
			l := min(nmax, nearestInt(iscaleIs*v))
			diff := v - float32(scaleIs*float32(l))
			mse += float32(qw[i] * diff * diff)
		}
		if mse < bestMSE {
			bestMSE = mse
			iscale = iscaleIs
		}
	}
	var sumlx, suml2 float32
	for i, v := range x {
		l := min(nmax, nearestInt(iscale*v))
		L[i] = uint8(l)
		w, fl := qw[i], float32(l)
		sumlx += float32(w * v * fl)
		suml2 += float32(w * fl * fl)
	}
	for itry := 0; itry < 5; itry++ {
		changed := 0
		for i, v := range x {
			w, li := qw[i], float32(L[i])
			slx := sumlx - float32(w*v*li)
			sl2 := suml2 - float32(w*li*li)
			if slx > 0 && sl2 > 0 {
				nl := min(nmax, nearestInt(v*sl2/slx))
				if nl != int(L[i]) {
					fn := float32(nl)
					slx += float32(w * v * fn)
					sl2 += float32(w * fn * fn)
					if slx*slx*suml2 > sumlx*sumlx*sl2 {
						L[i] = uint8(nl)
						sumlx, suml2 = slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}
