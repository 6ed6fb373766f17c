package grammar

import (
	"errors"
	"fmt"
)

// ErrRejected is the error of Accept and AcceptToken for text the grammar
// does not allow at that point.
var ErrRejected = errors.New("grammar: rejected")

// DefaultCacheLimit is the memory a Matcher's caches may hold before it
// flushes them (SetCacheLimit).
const DefaultCacheLimit = 16 << 20

// maskCacheSize is how many masks a Matcher keeps. Generation returns to a
// few states again and again (inside a string, after a comma), so a few
// cached masks save most trie walks; each costs Vocab.Len()/8 bytes (8 KiB
// for the World vocabulary).
const maskCacheSize = 32

// Matcher follows one generation through a grammar: it is fed the tokens
// as they are chosen (Accept, AcceptToken) and tells which tokens may come
// next (Mask). It is not safe for concurrent use.
//
// Cost model. A Matcher caches the automaton of the grammar lazily
// (automaton.go): every state it meets and every transition it takes.
//
//   - Mask walks the vocabulary's byte trie depth first, one cached
//     transition per trie node, and skips a whole subtree as soon as its
//     prefix is rejected. Its cost is proportional to the number of trie
//     nodes whose prefix the grammar accepts: all 116,078 nodes of the
//     World vocabulary inside a JSON string (about 37 arm64 instructions a
//     node, 4.3M a mask), a few hundred where only digits or a key may
//     follow (about 10k instructions, most of them clearing the mask). The
//     first visit of a transition costs a step of the pushdown matcher
//     instead of a table load; a generation meets most of its transitions
//     in its first steps.
//   - The masks of the last states seen are cached, so returning to a
//     state (the next character of a string without maxLength) costs a
//     copy of the mask (about 1k instructions). A bounded repetition
//     (maxLength 40) makes each count a state of its own, so every step
//     inside such a string is a new walk; but there every string of plain
//     bytes (printable ASCII but '"' and '\\') up to the count left fits,
//     so the walk takes the plain tokens from a list and skips their
//     nodes, three quarters of the trie (plainDepth): about a third of a
//     full walk.
//   - A caller that draws without the mask first (runtime's sampleUnder,
//     for greedy and top-p 1 sampling) checks one token with AllowsToken
//     and needs a mask only when it is refused.
//   - Accept costs one transition per byte of the token.
//
// BenchmarkMask and BenchmarkGeneration measure these; compare with a
// decode step (tools/insncount).
//
// Once the caches are warm, Mask and Accept allocate nothing. The caches
// grow with the states met and are flushed, except for the current state,
// when they pass the limit (DefaultCacheLimit).
type Matcher struct {
	g     *Grammar
	a     *automaton
	state int32
	ended bool // end-of-text was accepted
	limit int

	walk [maxTrieDepth + 1]int32 // the trie walk's states, one per depth

	maskVocab *Vocab
	masks     [maskCacheSize]cachedMask
	clock     uint64
}

type cachedMask struct {
	state int32 // -1: empty
	used  uint64
	bits  TokenMask
}

// NewMatcher returns a matcher at the start of the grammar.
func (g *Grammar) NewMatcher() *Matcher {
	m := &Matcher{g: g, a: newAutomaton(g.prog), limit: DefaultCacheLimit}
	m.state = m.a.start
	m.clearMasks()
	return m
}

// SetCacheLimit sets the memory, in bytes, that the matcher's caches may
// hold before they are flushed. A low limit costs time, never correctness.
func (m *Matcher) SetCacheLimit(bytes int) { m.limit = bytes }

// Reset puts the matcher back at the start of the grammar, keeping its
// caches warm for the next generation.
func (m *Matcher) Reset() {
	m.state = m.a.start
	m.ended = false
}

// Clone returns an independent matcher in the same position, with caches
// of its own (cold).
func (m *Matcher) Clone() *Matcher {
	c := m.g.NewMatcher()
	c.limit = m.limit
	c.state = c.a.load(m.a.export(m.state))
	c.ended = m.ended
	return c
}

// Done reports whether the text so far is complete: the grammar may end
// here (it may also go on).
func (m *Matcher) Done() bool { return m.ended || m.a.accept[m.state] }

// CanContinue reports whether some text may still follow.
func (m *Matcher) CanContinue() bool {
	return !m.ended && len(m.a.stateStacks(m.state)) > 0
}

// Accept advances the matcher over the bytes of a token. If the grammar
// does not allow them, it returns an error wrapping ErrRejected and the
// matcher stays where it was. A token may end inside a character; the next
// one continues it.
func (m *Matcher) Accept(tok []byte) error {
	if m.ended {
		return fmt.Errorf("%w: %q after the end of text", ErrRejected, tok)
	}
	m.fit()
	s := m.state
	for i, b := range tok {
		if s = m.a.next(s, b); s == deadState {
			return fmt.Errorf("%w: %q does not fit the grammar at its byte %d", ErrRejected, tok, i)
		}
	}
	m.state = s
	return nil
}

// AcceptToken is Accept for token id of v. Id 0, end-of-text, is accepted
// only where the text is complete (Done); after it nothing more is.
func (m *Matcher) AcceptToken(v *Vocab, id int) error {
	if id < 0 || id >= v.Len() {
		return fmt.Errorf("%w: token id %d is outside the vocabulary", ErrRejected, id)
	}
	if m.ended {
		return fmt.Errorf("%w: token %d after the end of text", ErrRejected, id)
	}
	if id == 0 {
		if !m.Done() {
			return fmt.Errorf("%w: end of text before the grammar is complete", ErrRejected)
		}
		m.ended = true
		return nil
	}
	tok := v.Token(id)
	if len(tok) == 0 {
		return fmt.Errorf("%w: token %d stands for no text", ErrRejected, id)
	}
	return m.Accept(tok)
}

// Allows reports whether Accept(tok) would succeed, without moving.
func (m *Matcher) Allows(tok []byte) bool {
	if m.ended {
		return false
	}
	s := m.state
	for _, b := range tok {
		if s = m.a.next(s, b); s == deadState {
			return false
		}
	}
	return true
}

// AllowsToken reports whether AcceptToken(v, id) would succeed, without
// moving: one transition per byte of the token, far cheaper than a Mask
// when one token is to be checked.
func (m *Matcher) AllowsToken(v *Vocab, id int) bool {
	switch {
	case id < 0 || id >= v.Len() || m.ended:
		return false
	case id == 0:
		return m.Done()
	}
	tok := v.Token(id)
	return len(tok) > 0 && m.Allows(tok)
}

// Mask fills dst with the tokens of v that may come next: those whose bytes
// continue the text within the grammar, and end-of-text (id 0) where the
// text is complete. dst must come from v.NewMask (or be as long).
func (m *Matcher) Mask(v *Vocab, dst TokenMask) {
	if len(dst) < (v.n+63)/64 {
		panic(fmt.Sprintf("grammar: mask of %d words for a vocabulary of %d tokens", len(dst), v.n))
	}
	dst = dst[:(v.n+63)/64]
	if m.ended || v.n == 0 {
		clear(dst)
		return
	}
	m.fit()
	if v != m.maskVocab {
		m.clearMasks()
		m.maskVocab = v
	}
	m.clock++
	oldest := 0
	for i := range m.masks {
		c := &m.masks[i]
		if c.state == m.state {
			c.used = m.clock
			copy(dst, c.bits)
			return
		}
		if c.used < m.masks[oldest].used {
			oldest = i
		}
	}
	m.walkTrie(v, dst)
	c := &m.masks[oldest]
	if len(c.bits) != len(dst) {
		c.bits = make(TokenMask, len(dst))
	}
	copy(c.bits, dst)
	c.state, c.used = m.state, m.clock
}

func (m *Matcher) clearMasks() {
	for i := range m.masks {
		m.masks[i].state = -1
		m.masks[i].used = 0
	}
}

// fit flushes the caches if they have grown past the limit, keeping the
// current state.
func (m *Matcher) fit() {
	if m.a.memory() <= m.limit {
		return
	}
	x := m.a.export(m.state)
	m.a.reset()
	m.state = m.a.load(x)
	m.clearMasks()
}

// walkTrie computes the mask by walking v's trie from the current state,
// one cached transition per node; a rejected node's subtree is skipped.
func (m *Matcher) walkTrie(v *Vocab, dst TokenMask) {
	a := m.a
	clear(dst)
	if a.accept[m.state] {
		dst[0] |= 1
	}
	if len(a.stateStacks(m.state)) == 0 {
		return
	}
	// The walk works on row offsets (state*ncls) rather than states, to
	// keep a multiplication off the chain of loads from node to node.
	walk := &m.walk // the row of the state after each byte of the prefix
	ncls, classOf := a.ncls, &a.p.classOf
	walk[0] = m.state * int32(ncls)
	// Where every string of up to plain plain bytes fits (inside a JSON
	// string), the plain tokens that short are allowed, taken from a list,
	// and a node whose subtree holds only such tokens is skipped: that is
	// most of the trie, at a few instructions a token instead of a
	// transition a node.
	plain := uint8(a.plainDepth(m.state))
	for _, id := range v.plain[:v.plainUpTo[plain]] {
		dst[id>>6] |= 1 << (id & 63)
	}
	rows := a.rows
	nodes := v.nodes
	for i, n := 0, len(nodes)-1; i < n; {
		nd := &nodes[i]
		if nd.plain-1 < plain { // nd.plain ≠ 0, and ≤ plain
			i = int(nd.skip)
			continue
		}
		t := rows[int(walk[nd.depth-1])+int(classOf[nd.label])]
		if t <= 0 { // not yet computed, or rejected
			if t < 0 {
				r, c := walk[nd.depth-1], int(classOf[nd.label])
				t = a.step(r/int32(ncls), c) * int32(ncls)
				rows = a.rows
			}
			if t == deadState {
				i = int(nd.skip)
				continue
			}
		}
		walk[nd.depth] = t
		if id := nd.tok; id > 0 {
			u := uint32(id)
			dst[u>>6] |= 1 << (u & 63)
		} else if id < 0 {
			for _, id := range v.multi[-id-1] {
				dst[id>>6] |= 1 << (id & 63)
			}
		}
		i++
	}
	for _, id := range v.long {
		if m.Allows(v.Token(int(id))) {
			dst[id>>6] |= 1 << (id & 63)
		}
	}
}
