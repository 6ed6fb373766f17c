package grammar

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// A compiled grammar is a program of elements. Each rule is a list of
// alternatives; an alternative is a run of elements in prog.elems ended by
// an elEnd. Every terminal is one byte set: literals become one element per
// byte, classes become rules over their UTF-8 byte sequences (utf8.go),
// groups become rules, and repetitions are unrolled:
//
//	S{m,n}  S ... S (m times) R(n-m),  R(k) ::= S R(k-1) | ε,  R(1) ::= S | ε
//	S{m,}   S ... S (m times) R,       R    ::= S R | ε
//
// The recursive calls in R sit at the end of their alternative, where the
// matcher pushes no return frame (matcher stacks, automaton.go), so an
// unbounded repetition costs constant stack depth.

type elemKind uint8

const (
	elEnd  elemKind = iota // end of an alternative
	elByte                 // one byte from prog.sets[arg]
	elRef                  // rule arg
)

type elem struct {
	kind elemKind
	arg  int32
}

// maxElems bounds the size of a compiled grammar; nested repetitions
// multiply, and the bound turns a runaway into an error.
const maxElems = 1 << 20

type program struct {
	elems []elem
	alts  [][]int32 // per rule, where each alternative starts in elems
	sets  []byteSet
	// The named rule each rule was made for, and the source position of
	// what made it, for errors.
	origin []int32
	pos    []int
	names  []string // named rules only

	nullable []bool

	// Bytes that every set treats alike share a class; the automaton keeps
	// one transition per class instead of one per byte.
	classOf  [256]uint8
	classRep []byte // a byte of each class
}

// startPos is the element where matching starts: a reference to root,
// followed by the end of that one-element alternative.
const startPos = 0

type compiler struct {
	src      string
	prog     *program
	setIndex map[byteSet]int32
	classes  map[string]int32 // class rule by normalized ranges
	index    map[string]int   // named rule by name (the parser checked every reference)
	cur      int32            // the named rule being compiled
}

// compile turns parsed rules into a program, or reports the first problem
// that would make matching impossible or endless: a root that can never be
// completed, left recursion, or a grammar too large.
func compile(src string, rules []ruleDef, index map[string]int) (*program, error) {
	c := &compiler{
		src:      src,
		prog:     &program{},
		setIndex: map[byteSet]int32{},
		classes:  map[string]int32{},
		index:    index,
	}
	p := c.prog
	for i, r := range rules {
		p.alts = append(p.alts, nil)
		p.origin = append(p.origin, int32(i))
		p.pos = append(p.pos, r.pos)
		p.names = append(p.names, r.name)
	}
	p.elems = append(p.elems, elem{elRef, int32(index["root"])}, elem{kind: elEnd})
	for i, r := range rules {
		c.cur = int32(i)
		for _, seq := range r.alts {
			elems, err := c.seq(seq, nil)
			if err != nil {
				return nil, err
			}
			c.addAlt(int32(i), elems)
		}
		if len(p.elems) > maxElems {
			return nil, errorAt(src, r.pos, "rule %q makes the grammar too large (over %d elements after unrolling repetitions)", r.name, maxElems)
		}
	}
	if err := c.prune(); err != nil {
		return nil, err
	}
	c.computeNullable()
	if err := c.checkLeftRecursion(); err != nil {
		return nil, err
	}
	c.computeClasses()
	return p, nil
}

// addAlt appends one alternative of rule r.
func (c *compiler) addAlt(r int32, elems []elem) {
	p := c.prog
	p.alts[r] = append(p.alts[r], int32(len(p.elems)))
	p.elems = append(p.elems, elems...)
	p.elems = append(p.elems, elem{kind: elEnd})
}

// newRule adds an unnamed rule made at source position pos.
func (c *compiler) newRule(pos int) int32 {
	p := c.prog
	p.alts = append(p.alts, nil)
	p.origin = append(p.origin, c.cur)
	p.pos = append(p.pos, pos)
	return int32(len(p.alts) - 1)
}

func (c *compiler) set(s byteSet) int32 {
	if i, ok := c.setIndex[s]; ok {
		return i
	}
	i := int32(len(c.prog.sets))
	c.prog.sets = append(c.prog.sets, s)
	c.setIndex[s] = i
	return i
}

func (c *compiler) byteElem(b byte) elem {
	var s byteSet
	s.add(b, b)
	return elem{elByte, c.set(s)}
}

// seq appends the elements of one sequence to out.
func (c *compiler) seq(seq []*expr, out []elem) ([]elem, error) {
	for _, e := range seq {
		var err error
		if out, err = c.expr(e, out); err != nil {
			return nil, err
		}
		if len(out)+len(c.prog.elems) > maxElems {
			return nil, errorAt(c.src, e.pos, "the grammar grows too large here (over %d elements after unrolling repetitions)", maxElems)
		}
	}
	return out, nil
}

func (c *compiler) expr(e *expr, out []elem) ([]elem, error) {
	switch e.kind {
	case exLit:
		for i := 0; i < len(e.text); i++ {
			out = append(out, c.byteElem(e.text[i]))
		}
	case exClass:
		out = c.class(normalizeRanges(e.ranges, e.neg), e.pos, out)
	case exAny:
		out = c.class(normalizeRanges(nil, true), e.pos, out)
	case exRef:
		out = append(out, elem{elRef, int32(c.index[e.name])})
	case exGroup:
		if len(e.alts) == 1 {
			return c.seq(e.alts[0], out)
		}
		r := c.newRule(e.pos)
		for _, seq := range e.alts {
			elems, err := c.seq(seq, nil)
			if err != nil {
				return nil, err
			}
			c.addAlt(r, elems)
		}
		out = append(out, elem{elRef, r})
	case exRep:
		sub, err := c.expr(e.sub, nil)
		if err != nil {
			return nil, err
		}
		if int64(len(sub))*int64(max(e.min, e.max, 1)) > maxElems {
			return nil, errorAt(c.src, e.pos, "the repetition makes the grammar too large (over %d elements)", maxElems)
		}
		for range e.min {
			out = append(out, sub...)
		}
		switch {
		case e.max < 0:
			r := c.newRule(e.pos)
			c.addAlt(r, append(slices.Clone(sub), elem{elRef, r}))
			c.addAlt(r, nil)
			out = append(out, elem{elRef, r})
		case e.max > e.min:
			var inner int32 = -1
			for range e.max - e.min {
				r := c.newRule(e.pos)
				alt := slices.Clone(sub)
				if inner >= 0 {
					alt = append(alt, elem{elRef, inner})
				}
				c.addAlt(r, alt)
				c.addAlt(r, nil)
				inner = r
				if len(c.prog.elems) > maxElems {
					return nil, errorAt(c.src, e.pos, "the repetition makes the grammar too large (over %d elements)", maxElems)
				}
			}
			out = append(out, elem{elRef, inner})
		}
	}
	return out, nil
}

// class appends the elements matching one character of the normalized
// ranges rs.
func (c *compiler) class(rs []cpRange, pos int, out []elem) []elem {
	if len(rs) == 1 && rs[0].lo == rs[0].hi {
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], rs[0].lo)
		for _, b := range buf[:n] {
			out = append(out, c.byteElem(b))
		}
		return out
	}
	seqs := classSequences(rs)
	switch {
	case len(seqs) == 0: // matches nothing; pruned as unproductive
		return append(out, elem{elByte, c.set(byteSet{})})
	case len(seqs) == 1 && len(seqs[0]) == 1:
		return append(out, elem{elByte, c.set(seqs[0][0])})
	}
	var key strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&key, "%x-%x,", r.lo, r.hi)
	}
	r, ok := c.classes[key.String()]
	if !ok {
		r = c.newRule(pos)
		for _, seq := range seqs {
			alt := make([]elem, len(seq))
			for i, s := range seq {
				alt[i] = elem{elByte, c.set(s)}
			}
			c.addAlt(r, alt)
		}
		c.classes[key.String()] = r
	}
	return append(out, elem{elRef, r})
}

// altElems returns the elements of the alternative starting at s, without
// its elEnd.
func (p *program) altElems(s int32) []elem {
	e := s
	for p.elems[e].kind != elEnd {
		e++
	}
	return p.elems[s:e]
}

// prune drops every alternative that can never be completed: one that
// needs an empty byte set or a rule with no completable alternative. After
// it, every stack the matcher builds can still reach the end, so a live
// state always has a completion. A root with nothing left is an error.
func (c *compiler) prune() error {
	p := c.prog
	productive := make([]bool, len(p.alts))
	ok := func(a int32) bool {
		for _, e := range p.altElems(a) {
			if e.kind == elByte && p.sets[e.arg].empty() || e.kind == elRef && !productive[e.arg] {
				return false
			}
		}
		return true
	}
	for changed := true; changed; {
		changed = false
		for r, alts := range p.alts {
			if !productive[r] && slices.ContainsFunc(alts, ok) {
				productive[r], changed = true, true
			}
		}
	}
	for r := range p.alts {
		p.alts[r] = slices.DeleteFunc(p.alts[r], func(a int32) bool { return !ok(a) })
	}
	if root := p.elems[startPos].arg; !productive[root] {
		return errorAt(c.src, p.pos[root], "rule \"root\" can never be completed: every alternative needs a class that matches nothing or a rule that never ends")
	}
	return nil
}

func (c *compiler) computeNullable() {
	p := c.prog
	p.nullable = make([]bool, len(p.alts))
	for changed := true; changed; {
		changed = false
		for r, alts := range p.alts {
			if p.nullable[r] {
				continue
			}
			for _, a := range alts {
				if c.altNullable(a) {
					p.nullable[r], changed = true, true
					break
				}
			}
		}
	}
}

func (c *compiler) altNullable(a int32) bool {
	for _, e := range c.prog.altElems(a) {
		if e.kind == elByte || !c.prog.nullable[e.arg] {
			return false
		}
	}
	return true
}

// checkLeftRecursion rejects grammars where the matcher, expanding rules
// before it reads a byte, could push return frames forever: a rule that
// reaches itself through references that start their alternative (after
// nothing but rules that may match the empty string), with at least one of
// those references followed by more elements. Such cycles of references
// that end their alternative are harmless — no frame is pushed, the stack
// repeats and the expansion stops — and repetitions of an optional item,
// like ("a"?)*, make them.
func (c *compiler) checkLeftRecursion() error {
	p := c.prog
	type edge struct {
		to   int32
		push bool
	}
	edges := make([][]edge, len(p.alts))
	for r, alts := range p.alts {
		for _, a := range alts {
			for i := a; p.elems[i].kind == elRef; i++ {
				to := p.elems[i].arg
				edges[r] = append(edges[r], edge{to, p.elems[i+1].kind != elEnd})
				if !p.nullable[to] {
					break
				}
			}
		}
	}
	// Tarjan's strongly connected components, iteratively.
	n := len(p.alts)
	index := make([]int32, n)
	low := make([]int32, n)
	comp := make([]int32, n)
	for i := range index {
		index[i], comp[i] = -1, -1
	}
	var stack []int32
	onStack := make([]bool, n)
	next, ncomp := int32(0), int32(0)
	type frame struct{ v, e int32 }
	for root := range n {
		if index[root] >= 0 {
			continue
		}
		calls := []frame{{int32(root), 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, int32(root))
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			if int(f.e) < len(edges[f.v]) {
				w := edges[f.v][f.e].to
				f.e++
				switch {
				case index[w] < 0:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, 0})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				u := calls[len(calls)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = ncomp
					if w == v {
						break
					}
				}
				ncomp++
			}
		}
	}
	for r := range n {
		for _, e := range edges[r] {
			if e.push && comp[e.to] == comp[r] {
				return c.leftRecursionError(int32(r), comp)
			}
		}
	}
	return nil
}

// leftRecursionError names the named rules of the cycle through r.
func (c *compiler) leftRecursionError(r int32, comp []int32) error {
	p := c.prog
	var names []string
	for i := range p.alts {
		if comp[i] == comp[r] {
			name := p.names[p.origin[i]]
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	what := fmt.Sprintf("rule %q is left-recursive", names[0])
	if len(names) > 1 {
		what = fmt.Sprintf("rules %s are left-recursive", strings.Join(quoteAll(names), ", "))
	}
	return errorAt(c.src, p.pos[r], "%s: it can reach itself again before it matches a character, so matching would never end (rewrite a ::= a x | y as a ::= y x*)", what)
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// computeClasses partitions the 256 byte values into classes that no set
// tells apart.
func (c *compiler) computeClasses() {
	p := c.prog
	var class [256]int
	n := 1
	for _, s := range p.sets {
		// Split every class by membership in s.
		remap := map[[2]int]int{}
		next := 0
		for b := range 256 {
			k := [2]int{class[b], 0}
			if s.has(byte(b)) {
				k[1] = 1
			}
			id, ok := remap[k]
			if !ok {
				id = next
				next++
				remap[k] = id
			}
			class[b] = id
		}
		n = next
	}
	p.classRep = make([]byte, n)
	seen := make([]bool, n)
	for b := range 256 {
		p.classOf[b] = uint8(class[b])
		if !seen[class[b]] {
			seen[class[b]] = true
			p.classRep[class[b]] = byte(b)
		}
	}
}
