package grammar

import (
	"slices"
	"sort"
	"unicode/utf8"
)

// refMatcher is an independent recognizer for the tests: it works on the
// parsed rules as written (repetitions, groups and code point classes, not
// the compiled byte program), by dynamic programming over the positions of
// one input, with a least fixpoint for recursive rules. It answers the two
// questions the matcher answers for a text s: can s be continued into a
// string of the grammar (prefix), and is s one (complete)?
//
// Characters are decoded with package utf8; a text that ends inside a
// character is a prefix when some code point of the class has an encoding
// that starts with those bytes, found by range arithmetic on the partial
// encoding (utf8.go splits ranges instead).
type refMatcher struct {
	rules map[string]*ruleDef
	prod  map[*expr]bool
	rprod map[string]bool
	neg   map[*expr][]cpRange // normalized positive ranges of classes

	s       []byte
	ends    map[refKey]posSet
	open    map[refKey]bool
	busy    map[refKey]bool
	done    map[refKey]bool // computed in this pass
	memo    map[exprKey]posSet
	changed bool
}

type exprKey struct {
	e *expr
	i int
}

type refKey struct {
	name string
	i    int
}

// posSet is a set of positions in s.
type posSet []bool

func newRefMatcher(rules []ruleDef) *refMatcher {
	r := &refMatcher{rules: map[string]*ruleDef{}, prod: map[*expr]bool{}, rprod: map[string]bool{}, neg: map[*expr][]cpRange{}}
	for i := range rules {
		r.rules[rules[i].name] = &rules[i]
		walkExprs(rules[i].alts, func(e *expr) {
			switch e.kind {
			case exClass:
				r.neg[e] = refRanges(e.ranges, e.neg)
			case exAny:
				r.neg[e] = refRanges(nil, true)
			}
		})
	}
	// Productive rules, by fixpoint.
	for changed := true; changed; {
		changed = false
		for name, rd := range r.rules {
			if !r.rprod[name] && r.altsProductive(rd.alts) {
				r.rprod[name], changed = true, true
			}
		}
	}
	return r
}

// refRanges is the set of scalar values of a class, sorted and merged,
// written without normalizeRanges.
func refRanges(rs []cpRange, neg bool) []cpRange {
	in := func(c rune) bool {
		for _, r := range rs {
			if r.lo <= c && c <= r.hi {
				return true
			}
		}
		return false
	}
	// Boundaries where membership can change.
	cuts := []rune{0, 0xD800, 0xE000, utf8.MaxRune + 1}
	for _, r := range rs {
		cuts = append(cuts, r.lo, r.hi+1)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	var out []cpRange
	for k := 0; k+1 < len(cuts); k++ {
		lo, hi := cuts[k], cuts[k+1]-1
		if lo > utf8.MaxRune || lo >= 0xD800 && lo <= 0xDFFF {
			continue
		}
		if in(lo) != neg {
			if n := len(out); n > 0 && out[n-1].hi+1 == lo {
				out[n-1].hi = hi
			} else {
				out = append(out, cpRange{lo, hi})
			}
		}
	}
	return out
}

func (r *refMatcher) altsProductive(alts [][]*expr) bool {
	for _, seq := range alts {
		ok := true
		for _, e := range seq {
			ok = ok && r.productive(e)
		}
		if ok {
			return true
		}
	}
	return false
}

func (r *refMatcher) productive(e *expr) bool {
	switch e.kind {
	case exLit:
		return true
	case exClass, exAny:
		return len(r.neg[e]) > 0
	case exRef:
		return r.rprod[e.name]
	case exGroup:
		return r.altsProductive(e.alts)
	case exRep:
		return e.min == 0 || r.productive(e.sub)
	}
	panic("bad expr")
}

// match returns whether s is a prefix of a string of the grammar and
// whether it is one.
func (r *refMatcher) match(s []byte) (prefix, complete bool) {
	r.s = s
	r.ends = map[refKey]posSet{}
	r.open = map[refKey]bool{}
	for {
		r.changed = false
		r.busy = map[refKey]bool{}
		r.done = map[refKey]bool{}
		r.memo = map[exprKey]posSet{}
		e := r.ruleEnds("root", 0)
		o := r.ruleOpen("root", 0)
		if !r.changed {
			return o, e[len(s)]
		}
	}
}

func (r *refMatcher) newSet() posSet { return make(posSet, len(r.s)+1) }

func (r *refMatcher) ruleEnds(name string, i int) posSet {
	k := refKey{name, i}
	cur, ok := r.ends[k]
	if !ok {
		cur = r.newSet()
		r.ends[k] = cur
	}
	if r.busy[k] || r.done[k] {
		return cur
	}
	r.busy[k] = true
	defer func() { delete(r.busy, k); r.done[k] = true }()
	for _, seq := range r.rules[name].alts {
		for j, in := range r.seqEnds(seq, i) {
			if in && !cur[j] {
				cur[j], r.changed = true, true
			}
		}
	}
	return cur
}

func (r *refMatcher) ruleOpen(name string, i int) bool {
	k := refKey{"open:" + name, i}
	if r.open[k] || r.busy[k] || r.done[k] {
		return r.open[k]
	}
	r.busy[k] = true
	defer func() { delete(r.busy, k); r.done[k] = true }()
	for _, seq := range r.rules[name].alts {
		if r.seqOpen(seq, i) {
			r.open[k], r.changed = true, true
			return true
		}
	}
	return false
}

func (r *refMatcher) seqEnds(seq []*expr, i int) posSet {
	cur := r.newSet()
	cur[i] = true
	for _, e := range seq {
		next := r.newSet()
		for j, in := range cur {
			if in {
				for k, ok := range r.exprEnds(e, j) {
					next[k] = next[k] || ok
				}
			}
		}
		cur = next
	}
	return cur
}

// seqOpen: some element is the one the text ends in (or just after), every
// element before it matched exactly and every one after it can complete.
func (r *refMatcher) seqOpen(seq []*expr, i int) bool {
	cur := r.newSet()
	cur[i] = true
	for k, e := range seq {
		rest := true
		for _, f := range seq[k+1:] {
			rest = rest && r.productive(f)
		}
		for j, in := range cur {
			if in && rest && r.exprOpen(e, j) {
				return true
			}
		}
		next := r.newSet()
		for j, in := range cur {
			if in {
				for k, ok := range r.exprEnds(e, j) {
					next[k] = next[k] || ok
				}
			}
		}
		cur = next
	}
	return cur[len(r.s)]
}

func (r *refMatcher) exprEnds(e *expr, i int) posSet {
	// Groups and repetitions are recomputed once per pass, like rules.
	if e.kind == exGroup || e.kind == exRep {
		k := exprKey{e, i}
		if p, ok := r.memo[k]; ok {
			return p
		}
		p := r.exprEnds1(e, i)
		r.memo[k] = p
		return p
	}
	return r.exprEnds1(e, i)
}

func (r *refMatcher) exprEnds1(e *expr, i int) posSet {
	out := r.newSet()
	switch e.kind {
	case exLit:
		if j := i + len(e.text); j <= len(r.s) && string(r.s[i:j]) == e.text {
			out[j] = true
		}
	case exClass, exAny:
		c, w := utf8.DecodeRune(r.s[i:])
		if w > 0 && (c != utf8.RuneError || w == 3) && inRanges(r.neg[e], c) {
			out[i+w] = true
		}
	case exRef:
		return r.ruleEnds(e.name, i)
	case exGroup:
		for _, seq := range e.alts {
			for j, ok := range r.seqEnds(seq, i) {
				out[j] = out[j] || ok
			}
		}
	case exRep:
		return r.repEnds(e, i)
	}
	return out
}

// repReach returns the positions after exactly k repetitions, for k up to
// the maximum, or until they repeat when unbounded; the last entry then
// stands for every larger k.
func (r *refMatcher) repReach(e *expr, i int) []posSet {
	p := r.newSet()
	p[i] = true
	levels := []posSet{p}
	for k := 0; e.max < 0 || k < e.max; k++ {
		next := r.newSet()
		for j, in := range levels[k] {
			if in {
				for q, ok := range r.exprEnds(e.sub, j) {
					next[q] = next[q] || ok
				}
			}
		}
		if e.max < 0 && k+1 > e.min {
			// Past the minimum, only the union of what is reachable
			// matters: accumulate and stop when it no longer grows.
			grew := false
			for q := range next {
				if next[q] && !levels[k][q] {
					grew = true
				}
				next[q] = next[q] || levels[k][q]
			}
			levels = append(levels, next)
			if !grew {
				break
			}
			continue
		}
		levels = append(levels, next)
	}
	return levels
}

func (r *refMatcher) repEnds(e *expr, i int) posSet {
	out := r.newSet()
	for k, p := range r.repReach(e, i) {
		if k >= e.min {
			for j, in := range p {
				out[j] = out[j] || in
			}
		}
	}
	return out
}

func (r *refMatcher) exprOpen(e *expr, i int) bool {
	n := len(r.s)
	switch e.kind {
	case exLit:
		rest := r.s[i:]
		return len(rest) <= len(e.text) && string(rest) == e.text[:len(rest)]
	case exClass, exAny:
		return classOpen(r.neg[e], r.s[i:])
	case exRef:
		return r.ruleOpen(e.name, i)
	case exGroup:
		for _, seq := range e.alts {
			if r.seqOpen(seq, i) {
				return true
			}
		}
		return false
	case exRep:
		for k, p := range r.repReach(e, i) {
			if k >= e.min && p[n] {
				return true
			}
			if e.max >= 0 && k >= e.max {
				continue
			}
			// One more repetition, the one the text ends in. Any still
			// needed after it can complete: the partial one shows that
			// the item can.
			for j, in := range p {
				if in && r.exprOpen(e.sub, j) {
					return true
				}
			}
		}
		return false
	}
	panic("bad expr")
}

func inRanges(rs []cpRange, c rune) bool {
	k := sort.Search(len(rs), func(k int) bool { return rs[k].hi >= c })
	return k < len(rs) && rs[k].lo <= c
}

// classOpen reports whether rest is a prefix of the encoding of one code
// point in rs (the whole encoding included).
func classOpen(rs []cpRange, rest []byte) bool {
	if len(rest) == 0 {
		return len(rs) > 0
	}
	if c, w := utf8.DecodeRune(rest); c != utf8.RuneError || w == 3 {
		return w == len(rest) && inRanges(rs, c)
	}
	// A partial encoding: a lead byte and continuation bytes, too few.
	lead := rest[0]
	var size int
	var bits rune
	switch {
	case lead&0xE0 == 0xC0:
		size, bits = 2, rune(lead&0x1F)
	case lead&0xF0 == 0xE0:
		size, bits = 3, rune(lead&0x0F)
	case lead&0xF8 == 0xF0:
		size, bits = 4, rune(lead&0x07)
	default:
		return false
	}
	if len(rest) >= size {
		return false
	}
	for _, b := range rest[1:] {
		if b&0xC0 != 0x80 {
			return false
		}
		bits = bits<<6 | rune(b&0x3F)
	}
	missing := 6 * (size - len(rest))
	lo, hi := bits<<missing, bits<<missing|(1<<missing-1)
	// The code points that need exactly size bytes.
	lo = max(lo, [5]rune{0, 0, 0x80, 0x800, 0x10000}[size])
	hi = min(hi, [5]rune{0, 0, 0x7FF, 0xFFFF, utf8.MaxRune}[size])
	for _, r := range rs {
		a, b := max(lo, r.lo), min(hi, r.hi)
		if a <= b { // r is free of surrogates (refRanges)
			return true
		}
	}
	return false
}
