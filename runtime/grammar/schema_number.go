package grammar

import (
	"fmt"
	"math/big"
	"strings"
)

// Numbers are generated in one form only: an optional '-', an integer part
// without leading zeros, and for "number" an optional fraction; never an
// exponent, never -0. Every value in range has that form, so the grammar
// loses nothing a model needs and keeps fewer ways to go wrong. Bounds are
// exact: the grammar spells the decimal strings between them, digit by
// digit (the way a regular expression for a numeric range is written).
//
// A side without a bound is capped: at most maxIntDigits digits for an
// integer, maxFracDigits for the fraction of a number. A generator may
// produce a subset of what the schema allows; the caps stop a small model
// that repeats a digit forever, and keep values inside what float64 and
// int64 readers hold exactly.
const (
	maxIntDigits  = 15
	maxFracDigits = 15
	maxBoundExp   = 400 // |exponent| of a bound, to keep big numbers small
)

// decimal is an exact decimal: sign, integer digits (no leading zeros,
// "0" for zero) and fraction digits (no trailing zeros, "" for none).
type decimal struct {
	neg    bool
	ip, fp string
}

func (d decimal) isZero() bool { return d.ip == "0" && d.fp == "" }

// parseDecimal reads a JSON number.
func parseDecimal(s string) (decimal, error) {
	var d decimal
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e := s[i+1:]
		s = s[:i]
		sign := 1
		if strings.HasPrefix(e, "+") || strings.HasPrefix(e, "-") {
			if e[0] == '-' {
				sign = -1
			}
			e = e[1:]
		}
		for _, c := range e {
			exp = exp*10 + int(c-'0')
			if exp > maxBoundExp {
				return d, fmt.Errorf("exponent too large")
			}
		}
		exp *= sign
	}
	ip, fp, _ := strings.Cut(s, ".")
	digits := ip + fp
	point := len(ip) + exp // decimal point after this many digits
	switch {
	case point < 0:
		digits = strings.Repeat("0", -point) + digits
		point = 0
	case point > len(digits):
		digits += strings.Repeat("0", point-len(digits))
	}
	d.ip = strings.TrimLeft(digits[:point], "0")
	if d.ip == "" {
		d.ip = "0"
	}
	d.fp = strings.TrimRight(digits[point:], "0")
	if d.isZero() {
		d.neg = false
	}
	return d, nil
}

func (d decimal) bigInt() *big.Int {
	n, _ := new(big.Int).SetString(d.ip, 10)
	if d.neg {
		n.Neg(n)
	}
	return n
}

// floor and ceil of d.
func (d decimal) floor() *big.Int {
	n := d.bigInt()
	if d.fp != "" && d.neg {
		n.Sub(n, big.NewInt(1))
	}
	return n
}

func (d decimal) ceil() *big.Int {
	n := d.bigInt()
	if d.fp != "" && !d.neg {
		n.Add(n, big.NewInt(1))
	}
	return n
}

// cmpDecimal compares two decimals by value.
func cmpDecimal(a, b decimal) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return 1
	}
	c := cmpMagnitude(a, b)
	if a.neg {
		return -c
	}
	return c
}

func cmpMagnitude(a, b decimal) int {
	if len(a.ip) != len(b.ip) {
		if len(a.ip) < len(b.ip) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.ip, b.ip); c != 0 {
		return c
	}
	return strings.Compare(a.fp, b.fp) // no trailing zeros: compares like numbers
}

// bound is one side of a range; nil-able by pointer.
type bound struct {
	v      decimal
	strict bool
}

// pow10m1 returns 10^n - 1.
func pow10m1(n int) *big.Int {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	return p.Sub(p, big.NewInt(1))
}

// integerExpr returns a GBNF expression for the integers in [lo, hi]
// (either may be nil: unbounded, capped), or an error if there are none.
func integerExpr(lo, hi *bound) (string, error) {
	var l, h *big.Int
	if lo != nil {
		if lo.strict {
			l = lo.v.floor()
			l.Add(l, big.NewInt(1))
		} else {
			l = lo.v.ceil()
		}
	}
	if hi != nil {
		if hi.strict {
			h = hi.v.ceil()
			h.Sub(h, big.NewInt(1))
		} else {
			h = hi.v.floor()
		}
	}
	capAt := func(other *big.Int) *big.Int {
		n := maxIntDigits
		if other != nil {
			n = max(n, len(new(big.Int).Abs(other).String()))
		}
		return pow10m1(n)
	}
	if h == nil {
		h = capAt(l)
	}
	if l == nil {
		l = new(big.Int).Neg(capAt(h))
	}
	if l.Cmp(h) > 0 {
		return "", fmt.Errorf("no integer lies between the bounds")
	}
	var alts []string
	zero := new(big.Int)
	if h.Sign() >= 0 {
		alts = append(alts, naturalRange(maxBig(l, zero), h))
	}
	if l.Sign() < 0 {
		one := big.NewInt(1)
		a := new(big.Int).Neg(h)
		alts = append(alts, `"-" `+group(naturalRange(maxBig(a, one), new(big.Int).Neg(l))))
	}
	return alt(alts...), nil
}

func maxBig(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// naturalRange spells the integers a..b (0 <= a <= b) without leading
// zeros: one piece per digit count, and one for a run of counts whose
// numbers are all in range.
func naturalRange(a, b *big.Int) string {
	var alts []string
	full := -1 // first digit count of a run of complete counts
	flush := func(last int) {
		if full >= 0 {
			alts = append(alts, fullLengths(full, last))
			full = -1
		}
	}
	for n := len(a.String()); n <= len(b.String()); n++ {
		first := new(big.Int).Add(pow10m1(n-1), big.NewInt(1))
		if n == 1 {
			first.SetInt64(0)
		}
		lo, hi := maxBig(first, a), pow10m1(n)
		complete := lo.Cmp(first) == 0 && hi.Cmp(b) <= 0 && n > 1
		if hi.Cmp(b) > 0 {
			hi = b
		}
		if complete {
			if full < 0 {
				full = n
			}
			continue
		}
		flush(n - 1)
		if lo.Cmp(hi) <= 0 {
			alts = append(alts, sameLength(lo.String(), hi.String()))
		}
	}
	flush(len(b.String()))
	return alt(alts...)
}

// fullLengths spells every number of lo..hi digits (lo > 1).
func fullLengths(lo, hi int) string {
	if lo == hi {
		return seq("[1-9]", anyDigits(lo-1))
	}
	return fmt.Sprintf("[1-9] [0-9]{%d,%d}", lo-1, hi-1)
}

// sameLength spells the digit strings from lo to hi, both of one length.
func sameLength(lo, hi string) string {
	k := 0
	for k < len(lo) && lo[k] == hi[k] {
		k++
	}
	if k == len(lo) {
		return quoteGBNF(lo)
	}
	prefix := ""
	if k > 0 {
		prefix = quoteGBNF(lo[:k]) + " "
	}
	rest := len(lo) - k - 1
	if strings.Trim(lo[k+1:], "0") == "" && strings.Trim(hi[k+1:], "9") == "" {
		return prefix + seq(digitClass(lo[k], hi[k]), anyDigits(rest))
	}
	alts := []string{seq(quoteGBNF(lo[k:k+1]), atLeast(lo[k+1:]))}
	if lo[k]+1 <= hi[k]-1 {
		alts = append(alts, seq(digitClass(lo[k]+1, hi[k]-1), anyDigits(rest)))
	}
	alts = append(alts, seq(quoteGBNF(hi[k:k+1]), atMost(hi[k+1:])))
	return prefix + group(alt(alts...))
}

// atLeast spells the digit strings of len(s) digits that are >= s.
func atLeast(s string) string {
	if strings.Trim(s, "0") == "" {
		return anyDigits(len(s))
	}
	alts := []string{seq(quoteGBNF(s[:1]), atLeast(s[1:]))}
	if s[0] < '9' {
		alts = append(alts, seq(digitClass(s[0]+1, '9'), anyDigits(len(s)-1)))
	}
	return group(alt(alts...))
}

// atMost spells the digit strings of len(s) digits that are <= s.
func atMost(s string) string {
	if strings.Trim(s, "9") == "" {
		return anyDigits(len(s))
	}
	alts := []string{seq(quoteGBNF(s[:1]), atMost(s[1:]))}
	if s[0] > '0' {
		alts = append(alts, seq(digitClass('0', s[0]-1), anyDigits(len(s)-1)))
	}
	return group(alt(alts...))
}

func digitClass(lo, hi byte) string {
	if lo == hi {
		return quoteGBNF(string(lo))
	}
	return "[" + string(lo) + "-" + string(hi) + "]"
}

func anyDigits(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "[0-9]"
	}
	return fmt.Sprintf("[0-9]{%d}", n)
}

// numberExpr returns a GBNF expression for the decimal numbers in
// [lo, hi] (either may be nil), or an error if there are none.
func numberExpr(lo, hi *bound) (string, error) {
	if lo != nil && hi != nil {
		c := cmpDecimal(lo.v, hi.v)
		if c > 0 || c == 0 && (lo.strict || hi.strict) {
			return "", fmt.Errorf("no number lies between the bounds")
		}
	}
	zero := decimal{ip: "0"}
	var alts []string
	// Zero and up, when the upper bound allows any.
	if hi == nil || !hi.v.neg && !(hi.v.isZero() && hi.strict) {
		a := bound{v: zero}
		if lo != nil && !lo.v.neg {
			a = *lo
		}
		alts = append(alts, magnitudeExpr(a, hi))
	}
	// Below zero: "-" and the magnitude, which is never zero (no -0).
	if lo == nil || lo.v.neg {
		a := bound{v: zero, strict: true}
		if hi != nil && hi.v.neg {
			a = bound{v: decimal{ip: hi.v.ip, fp: hi.v.fp}, strict: hi.strict}
		}
		var b *bound
		if lo != nil {
			b = &bound{v: decimal{ip: lo.v.ip, fp: lo.v.fp}, strict: lo.strict}
		}
		alts = append(alts, `"-" `+group(magnitudeExpr(a, b)))
	}
	return alt(alts...), nil
}

// magnitudeExpr spells the non-negative decimals m with a <= m <= b (or <
// where strict; b nil: capped, any fraction), a <= b, the set not empty.
func magnitudeExpr(a bound, b *bound) string {
	A, _ := new(big.Int).SetString(a.v.ip, 10)
	var alts []string
	add := func(ip string, f frac) {
		if s, ok := f.render(); ok {
			alts = append(alts, seq(ip, s))
		}
	}
	if b == nil {
		// Capped: integer parts above A up to the cap, any fraction.
		add(quoteGBNF(a.v.ip), fracAtLeast(a.v.fp, a.strict))
		lo := new(big.Int).Add(A, big.NewInt(1))
		hi := maxBig(pow10m1(maxIntDigits), pow10m1(len(a.v.ip)))
		if lo.Cmp(hi) <= 0 {
			add(group(naturalRange(lo, hi)), anyFrac())
		}
		return alt(alts...)
	}
	B, _ := new(big.Int).SetString(b.v.ip, 10)
	top := fracAtMost(b.v.fp, b.strict) // fractions allowed with integer part B
	if A.Cmp(B) == 0 {
		add(quoteGBNF(a.v.ip), fracRange(a.v.fp, a.strict, b.v.fp, b.strict))
		return alt(alts...)
	}
	add(quoteGBNF(a.v.ip), fracAtLeast(a.v.fp, a.strict))
	lo := new(big.Int).Add(A, big.NewInt(1))
	hi := new(big.Int).Sub(B, big.NewInt(1))
	if lo.Cmp(hi) <= 0 {
		add(group(naturalRange(lo, hi)), anyFrac())
	}
	add(quoteGBNF(B.String()), top)
	return alt(alts...)
}

// frac is a set of fraction digit strings S (the value 0.S): ne spells
// its non-empty members ("" for none), empty says whether the empty
// string, no fraction at all, is a member.
type frac struct {
	ne    string
	empty bool
}

// render spells "." S for the members, optional if the empty string is
// one; false if the set is empty.
func (f frac) render() (string, bool) {
	switch {
	case f.ne == "" && !f.empty:
		return "", false
	case f.ne == "":
		return "", true
	case f.empty:
		return `("." ` + f.ne + `)?`, true
	}
	return `"." ` + f.ne, true
}

func anyFrac() frac {
	return frac{ne: fmt.Sprintf("[0-9]{1,%d}", maxFracDigits), empty: true}
}

// prepend returns the set d·f (digit d before every member of f), as a
// spelling of non-empty strings, or "" if f is empty.
func prepend(d byte, f frac) string {
	switch {
	case f.ne == "" && !f.empty:
		return ""
	case f.ne == "":
		return quoteGBNF(string(d))
	case f.empty:
		return quoteGBNF(string(d)) + " " + f.ne + "?"
	}
	return quoteGBNF(string(d)) + " " + f.ne
}

// fracAtLeast: 0.S >= 0.d (> if strict); d has no trailing zeros.
func fracAtLeast(d string, strict bool) frac {
	if d == "" {
		if !strict {
			return anyFrac()
		}
		// Above zero: some digit is not 0.
		return frac{ne: fmt.Sprintf(`"0"{0,%d} [1-9] [0-9]{0,%d}`, maxFracDigits-1, maxFracDigits-1)}
	}
	alts := []string{}
	if d[0] < '9' {
		alts = append(alts, seq(digitClass(d[0]+1, '9'), fmt.Sprintf("[0-9]{0,%d}", maxFracDigits-1)))
	}
	if p := prepend(d[0], groupFrac(fracAtLeast(d[1:], strict))); p != "" {
		alts = append(alts, p)
	}
	return frac{ne: group(alt(alts...))}
}

// fracAtMost: 0.S <= 0.d (< if strict).
func fracAtMost(d string, strict bool) frac {
	if d == "" {
		if strict {
			return frac{}
		}
		return frac{ne: fmt.Sprintf(`"0"{1,%d}`, maxFracDigits), empty: true}
	}
	alts := []string{}
	if d[0] > '0' {
		alts = append(alts, seq(digitClass('0', d[0]-1), fmt.Sprintf("[0-9]{0,%d}", maxFracDigits-1)))
	}
	if p := prepend(d[0], groupFrac(fracAtMost(d[1:], strict))); p != "" {
		alts = append(alts, p)
	}
	return frac{ne: group(alt(alts...)), empty: true}
}

// fracRange: 0.lo <= 0.S <= 0.hi (< where strict), for an integer part
// that both bounds share.
func fracRange(lo string, ls bool, hi string, hs bool) frac {
	if lo == "" && !ls {
		return fracAtMost(hi, hs)
	}
	if hi == "" {
		return frac{} // the range above 0 and at most 0 is empty
	}
	l0 := byte('0')
	lrest := ""
	if lo != "" {
		l0, lrest = lo[0], lo[1:]
	}
	h0, hrest := hi[0], hi[1:]
	if l0 == h0 {
		return frac{ne: prepend(l0, groupFrac(fracRange(lrest, ls, hrest, hs)))}
	}
	var alts []string
	if p := prepend(l0, groupFrac(fracAtLeast(lrest, ls))); p != "" {
		alts = append(alts, p)
	}
	if l0+1 <= h0-1 {
		alts = append(alts, seq(digitClass(l0+1, h0-1), fmt.Sprintf("[0-9]{0,%d}", maxFracDigits-1)))
	}
	if p := prepend(h0, groupFrac(fracAtMost(hrest, hs))); p != "" {
		alts = append(alts, p)
	}
	return frac{ne: group(alt(alts...))}
}

// groupFrac parenthesizes a set's spelling so that prepend can put a
// digit before it and '?' after it.
func groupFrac(f frac) frac {
	if f.ne != "" {
		f.ne = "(" + f.ne + ")"
	}
	return f
}

// Small helpers that build GBNF text.

func alt(xs ...string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs, " | ")
}

func group(x string) string {
	if strings.Contains(x, "|") {
		return "(" + x + ")"
	}
	return x
}

func seq(xs ...string) string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, group(x))
		}
	}
	return strings.Join(out, " ")
}

// quoteGBNF writes s as a GBNF string literal.
func quoteGBNF(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		writeChar(&b, r, '"')
	}
	b.WriteByte('"')
	return b.String()
}
