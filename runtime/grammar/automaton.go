package grammar

import (
	"encoding/binary"
	"math"
	"slices"
)

// Matching state is a set of pushdown stacks, as in llama.cpp: each stack
// is one way the text so far can be read, its top is the byte set the next
// byte must be in, and below it are the places to return to when a rule
// ends. A stack with nothing on it means the grammar may end here.
//
// Stacks are persistent lists, hash-consed: a node is (position, rest),
// and equal stacks are the same node, so a set of stacks is a sorted list
// of node ids and two sets compare as strings.
//
// The automaton then caches, for each set it has met (a state) and each
// byte class, the set reached by that byte (a transition), exactly as a
// lazy DFA caches the subset construction of an NFA. The first time a
// transition is taken it costs a step (advance every stack, expand rules
// until byte sets are on top); after that it costs one table load. The
// grammar's pushdown language has unboundedly many states, but one
// generation meets few of them, and most again and again (inside a JSON
// string, every ordinary character leads back to the same state).
//
// The cache grows with the states met; Matcher flushes it between steps
// when it passes its limit, keeping only the current state.

type stackNode struct{ pos, next int32 }

// emptyStack is node 0, the stack with nothing on it; deadState is state
// 0, the empty set, from which every byte leads back to it.
const (
	emptyStack = 0
	deadState  = 0
)

// maxStacks bounds the stacks of one state. An ambiguous grammar can have
// exponentially many readings of one text (("x" r | ""){2,} with r
// recursive doubles them at every x), each a stack; past the bound a byte
// is refused as if the grammar did not allow it, so that such a grammar
// costs bounded memory and time. Refusing is the safe side: what is
// generated still matches the grammar. JSON-schema grammars are far below
// the bound: their states hold about one stack per enum value or anyOf
// branch still open.
const maxStacks = 1 << 14

type automaton struct {
	p    *program
	ncls int
	// maxStacks for this automaton (tests lower it), and whether a state
	// was refused for passing it.
	maxStacks  int
	overflowed bool

	nodes     []stackNode
	nodeIndex map[stackNode]int32

	// State i holds stacks[off[i]:off[i+1]], sorted; accept[i] says
	// whether the empty stack is among them.
	stacks     []int32
	off        []int32
	accept     []bool
	trans      []int32 // state*ncls + class -> state; -1 until computed
	rows       []int32 // the same, with the next state's row, state*ncls
	stateIndex map[string]int32
	start      int32

	// plainDepths[state]: plainDepth's answer, -1 until computed.
	// plainCls are the byte classes holding a plain byte (isPlain).
	plainDepths []int16
	plainCls    []int
	frontier    []int32
	reached     []int32

	// Scratch for building states.
	mark  []uint32 // mark[node] == stamp: already expanded in this step
	stamp uint32
	todo  []int32
	out   []int32
	acc   bool
	key   []byte
}

func newAutomaton(p *program) *automaton {
	a := &automaton{p: p, ncls: len(p.classRep), maxStacks: maxStacks}
	seen := make([]bool, a.ncls)
	for b := range 256 {
		if c := int(p.classOf[b]); isPlain(byte(b)) && !seen[c] {
			seen[c] = true
			a.plainCls = append(a.plainCls, c)
		}
	}
	a.reset()
	return a
}

// reset drops every cached node, state and transition.
func (a *automaton) reset() {
	a.nodes = append(a.nodes[:0], stackNode{-1, -1})
	a.mark = append(a.mark[:0], 0)
	a.nodeIndex = map[stackNode]int32{}
	a.stacks = a.stacks[:0]
	a.off = append(a.off[:0], 0, 0)
	a.accept = append(a.accept[:0], false)
	a.plainDepths = append(a.plainDepths[:0], 0)
	a.trans, a.rows = a.trans[:0], a.rows[:0]
	for range a.ncls {
		a.trans = append(a.trans, deadState)
		a.rows = append(a.rows, deadState)
	}
	a.stateIndex = map[string]int32{}
	// The start state is exempt from the bound: a grammar may begin with
	// any number of alternatives.
	a.begin()
	limit := a.maxStacks
	a.maxStacks = math.MaxInt
	a.closure(a.node(startPos, emptyStack))
	a.maxStacks = limit
	a.start = a.intern()
}

// memory estimates the bytes the caches hold (map entries counted at
// about three times their payload).
func (a *automaton) memory() int {
	return len(a.nodes)*(8+4+36) + len(a.stacks)*4 + len(a.trans)*8 + len(a.off)*(4+1+2+48) + len(a.key)
}

func (a *automaton) node(pos, next int32) int32 {
	k := stackNode{pos, next}
	if n, ok := a.nodeIndex[k]; ok {
		return n
	}
	n := int32(len(a.nodes))
	a.nodes = append(a.nodes, k)
	a.mark = append(a.mark, 0)
	a.nodeIndex[k] = n
	return n
}

func (a *automaton) begin() {
	a.stamp++
	if a.stamp == 0 { // wrapped: old marks could collide
		clear(a.mark)
		a.stamp = 1
	}
	a.out = a.out[:0]
	a.acc = false
}

// closure adds to a.out every stack with a byte set on top that stack n
// expands to, expanding rule references at the top; reaching the empty
// stack sets a.acc.
func (a *automaton) closure(n int32) {
	p := a.p
	a.todo = append(a.todo[:0], n)
	for len(a.todo) > 0 {
		n := a.todo[len(a.todo)-1]
		a.todo = a.todo[:len(a.todo)-1]
		if a.mark[n] == a.stamp {
			continue
		}
		a.mark[n] = a.stamp
		if n == emptyStack {
			a.acc = true
			continue
		}
		nd := a.nodes[n]
		e := p.elems[nd.pos]
		if e.kind == elByte {
			a.out = append(a.out, n)
			if len(a.out) > a.maxStacks {
				return
			}
			continue
		}
		// A reference: replace it by each alternative of the rule, with
		// a frame to come back to unless it ends its own alternative.
		base := nd.next
		if p.elems[nd.pos+1].kind != elEnd {
			base = a.node(nd.pos+1, base)
		}
		for _, s := range p.alts[e.arg] {
			if p.elems[s].kind == elEnd {
				a.todo = append(a.todo, base)
			} else {
				a.todo = append(a.todo, a.node(s, base))
			}
		}
	}
}

// intern returns the state of the stacks in a.out and a.acc, adding it if
// it is new.
func (a *automaton) intern() int32 {
	if len(a.out) == 0 && !a.acc {
		return deadState
	}
	slices.Sort(a.out)
	a.key = a.key[:0]
	if a.acc {
		a.key = append(a.key, 1)
	} else {
		a.key = append(a.key, 0)
	}
	for _, n := range a.out {
		a.key = binary.AppendUvarint(a.key, uint64(n))
	}
	if s, ok := a.stateIndex[string(a.key)]; ok {
		return s
	}
	s := int32(len(a.accept))
	a.stacks = append(a.stacks, a.out...)
	a.off = append(a.off, int32(len(a.stacks)))
	a.accept = append(a.accept, a.acc)
	a.plainDepths = append(a.plainDepths, -1)
	for range a.ncls {
		a.trans = append(a.trans, -1)
		a.rows = append(a.rows, -1)
	}
	a.stateIndex[string(a.key)] = s
	return s
}

// stateStacks returns the stacks of state s.
func (a *automaton) stateStacks(s int32) []int32 {
	return a.stacks[a.off[s]:a.off[s+1]]
}

// step computes and caches the transition of state s on byte class c.
func (a *automaton) step(s int32, c int) int32 {
	p := a.p
	b := p.classRep[c]
	a.begin()
	for _, n := range a.stateStacks(s) {
		nd := a.nodes[n]
		if !p.sets[p.elems[nd.pos].arg].has(b) {
			continue
		}
		next := nd.next
		if p.elems[nd.pos+1].kind != elEnd {
			next = a.node(nd.pos+1, nd.next)
		}
		a.closure(next)
		if len(a.out) > a.maxStacks {
			a.overflowed = true
			a.trans[int(s)*a.ncls+c] = deadState
			a.rows[int(s)*a.ncls+c] = deadState
			return deadState
		}
	}
	t := a.intern()
	a.trans[int(s)*a.ncls+c] = t
	a.rows[int(s)*a.ncls+c] = t * int32(a.ncls)
	return t
}

// maxPlainFrontier bounds the states plainDepth follows at once; past it,
// it answers with the depth reached so far, which is safe (a lower depth
// only makes the mask walk more of the trie).
const maxPlainFrontier = 16

// plainDepth returns the largest d ≤ maxTrieDepth such that every string
// of at most d plain bytes (isPlain) leads from state s to a live state:
// inside a JSON string with k characters left, k (or maxTrieDepth without
// a bound); where a plain byte is refused, 0. It follows the set of states
// reached by the strings of each length, one transition per plain byte
// class and state, and is cached per state.
func (a *automaton) plainDepth(s int32) int {
	if d := a.plainDepths[s]; d >= 0 {
		return int(d)
	}
	d := a.computePlainDepth(s)
	a.plainDepths[s] = int16(d)
	return d
}

func (a *automaton) computePlainDepth(s int32) int {
	a.frontier = append(a.frontier[:0], s)
	for d := 0; d < maxTrieDepth; d++ {
		a.reached = a.reached[:0]
		for _, t := range a.frontier {
			for _, c := range a.plainCls {
				u := a.trans[int(t)*a.ncls+c]
				if u < 0 {
					u = a.step(t, c)
				}
				if u == deadState {
					return d
				}
				if !slices.Contains(a.reached, u) {
					if len(a.reached) == maxPlainFrontier {
						return d // the strings of d bytes live: a.frontier
					}
					a.reached = append(a.reached, u)
				}
			}
		}
		slices.Sort(a.reached)
		if slices.Equal(a.reached, a.frontier) {
			// The same states again: every longer string lives too.
			return maxTrieDepth
		}
		a.frontier, a.reached = a.reached, a.frontier
	}
	return maxTrieDepth
}

// next returns the state after byte b from state s.
func (a *automaton) next(s int32, b byte) int32 {
	c := int(a.p.classOf[b])
	if t := a.trans[int(s)*a.ncls+c]; t >= 0 {
		return t
	}
	return a.step(s, c)
}

// exported is a state independent of any automaton's numbering: each stack
// as its positions from the top down, and whether the grammar may end.
type exported struct {
	stacks [][]int32
	accept bool
}

func (a *automaton) export(s int32) exported {
	x := exported{accept: a.accept[s]}
	for _, n := range a.stateStacks(s) {
		var st []int32
		for ; n != emptyStack; n = a.nodes[n].next {
			st = append(st, a.nodes[n].pos)
		}
		x.stacks = append(x.stacks, st)
	}
	return x
}

func (a *automaton) load(x exported) int32 {
	a.begin()
	for _, st := range x.stacks {
		n := int32(emptyStack)
		for i := len(st) - 1; i >= 0; i-- {
			n = a.node(st[i], n)
		}
		a.out = append(a.out, n)
	}
	a.acc = x.accept
	return a.intern()
}
