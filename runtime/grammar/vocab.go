package grammar

import (
	"bytes"
	"math"
	"math/bits"
	"slices"
)

// Vocab is a model's vocabulary laid out for computing token masks: a byte
// trie of all tokens, in depth-first order. Build it once per model with
// NewVocab; it is immutable and safe for concurrent use.
type Vocab struct {
	n     int // number of ids, holes and end-of-text included
	data  []byte
	offs  []int32 // token id's bytes are data[offs[id]:offs[id+1]]
	nodes []trieNode
	multi [][]int32 // the ids of nodes that end several tokens
	long  []int32   // tokens longer than maxTrieDepth, checked one by one

	// The plain tokens (every byte isPlain), shortest first, and
	// plainUpTo[d], how many of them have at most d bytes: where every
	// string of d plain bytes fits the grammar, the mask takes those tokens
	// from this list and skips their nodes (Matcher.walkTrie).
	plain     []int32
	plainUpTo [maxTrieDepth + 1]int32
}

// isPlain reports whether b is printable ASCII other than '"' and '\\': the
// bytes that stand for themselves inside a JSON string, so that where a
// grammar is inside a string of bounded length, every string of them up to
// the remaining length fits. Three quarters of the World vocabulary's trie
// is made of them.
func isPlain(b byte) bool { return b >= 0x20 && b < 0x7f && b != '"' && b != '\\' }

// maxTrieDepth is the longest token the trie holds (the World vocabulary's
// longest is 128 bytes): a byte for the depth keeps a node to 12 bytes, and
// the mask walk keeps a state per depth in a fixed array that a byte
// indexes without bounds checks. Longer tokens are rare enough to check
// one by one.
const maxTrieDepth = 255

// trieNode is one byte of the trie. Nodes are in depth-first order (the
// root left out), so the mask walk reads them front to back, and a node's
// subtree is the run of nodes up to skip, which a rejected prefix jumps.
// (A layout with siblings side by side, whose transitions could be looked
// up together, measured slower: the walk then hops around the array.)
type trieNode struct {
	skip  int32 // the first node after this node's subtree
	tok   int32 // the token ending here: 0 none, -k-1 the ids in multi[k]
	depth uint8 // 1 for a token's first byte
	label byte
	// plain is, where every byte from the root through this node's
	// subtree isPlain, the depth of the subtree's deepest node; else 0.
	plain uint8
}

// NewVocab builds the trie over tokens, where tokens[id] holds the bytes of
// token id. As in the World vocabulary, id 0 is end-of-text: whatever it
// holds is ignored, and a mask allows it only where the grammar may end.
// Empty entries are ids that never stand for text (holes, special tokens)
// and are never allowed. Several ids may hold the same bytes.
func NewVocab(tokens [][]byte) *Vocab {
	v := &Vocab{n: len(tokens), offs: make([]int32, len(tokens)+1)}
	var order []int32
	for id := range tokens {
		if id > 0 && len(tokens[id]) > 0 {
			v.data = append(v.data, tokens[id]...)
			if len(tokens[id]) <= maxTrieDepth {
				order = append(order, int32(id))
			} else {
				v.long = append(v.long, int32(id))
			}
		}
		v.offs[id+1] = int32(len(v.data))
	}
	// Sorted order is depth-first order, with a prefix before the tokens
	// it begins: each token adds the nodes of its bytes past the prefix it
	// shares with the one before, and ends on a node no earlier than the
	// previous token's.
	slices.SortStableFunc(order, func(x, y int32) int { return bytes.Compare(v.Token(int(x)), v.Token(int(y))) })
	var prev []byte
	tokNode := make([]int32, len(order))
	for k, id := range order {
		tok := v.Token(int(id))
		shared := 0
		for shared < len(prev) && shared < len(tok) && prev[shared] == tok[shared] {
			shared++
		}
		for d := shared; d < len(tok); d++ {
			v.nodes = append(v.nodes, trieNode{depth: uint8(d + 1), label: tok[d]})
		}
		tokNode[k] = int32(len(v.nodes) - 1)
		prev = tok
	}
	v.nodes = append(v.nodes, trieNode{}) // sentinel at depth 0
	for k, id := range order {
		nd := &v.nodes[tokNode[k]]
		switch {
		case nd.tok == 0:
			nd.tok = id
		case nd.tok > 0:
			v.multi = append(v.multi, []int32{nd.tok, id})
			nd.tok = -int32(len(v.multi))
		default:
			v.multi[-nd.tok-1] = append(v.multi[-nd.tok-1], id)
		}
	}
	// skip: the next node at the same depth or above.
	var open []int32
	for i, nd := range v.nodes {
		for len(open) > 0 && v.nodes[open[len(open)-1]].depth >= nd.depth {
			v.nodes[open[len(open)-1]].skip = int32(i)
			open = open[:len(open)-1]
		}
		open = append(open, int32(i))
	}
	v.markPlain(order)
	return v
}

// markPlain sets the nodes' plain depths and lists the plain tokens of the
// trie (order), shortest first.
func (v *Vocab) markPlain(order []int32) {
	// Bottom up (children come after their parent): the deepest node of
	// each all-plain subtree, 0 where a byte is not plain.
	n := len(v.nodes) - 1
	deepest := make([]uint8, n)
	for i := n - 1; i >= 0; i-- {
		nd := v.nodes[i]
		if !isPlain(nd.label) {
			continue
		}
		d := nd.depth
		for j := i + 1; j < int(nd.skip); j = int(v.nodes[j].skip) {
			if deepest[j] == 0 {
				d = 0
				break
			}
			d = max(d, deepest[j])
		}
		deepest[i] = d
	}
	// Top down: plain only where the path from the root is plain too.
	var path [maxTrieDepth + 1]bool
	path[0] = true
	for i := range n {
		nd := &v.nodes[i]
		path[nd.depth] = path[nd.depth-1] && isPlain(nd.label)
		if path[nd.depth] {
			nd.plain = deepest[i]
		}
	}
	for _, id := range order {
		if !slices.ContainsFunc(v.Token(int(id)), func(b byte) bool { return !isPlain(b) }) {
			v.plain = append(v.plain, id)
		}
	}
	slices.SortStableFunc(v.plain, func(x, y int32) int { return len(v.Token(int(x))) - len(v.Token(int(y))) })
	k := 0
	for d := range v.plainUpTo {
		for k < len(v.plain) && len(v.Token(int(v.plain[k]))) <= d {
			k++
		}
		v.plainUpTo[d] = int32(k)
	}
}

// Len returns the number of token ids.
func (v *Vocab) Len() int { return v.n }

// Token returns the bytes of token id (nil for end-of-text and holes). The
// caller must not modify them.
func (v *Vocab) Token(id int) []byte {
	return v.data[v.offs[id]:v.offs[id+1]:v.offs[id+1]]
}

// NewMask returns a mask sized for v.
func (v *Vocab) NewMask() TokenMask { return make(TokenMask, (v.n+63)/64) }

// TokenMask is a set of token ids, one bit per id.
type TokenMask []uint64

// Allows reports whether id is in the mask.
func (t TokenMask) Allows(id int) bool { return t[id>>6]&(1<<(id&63)) != 0 }

// Count returns the number of ids in the mask.
func (t TokenMask) Count() int {
	n := 0
	for _, w := range t {
		n += bits.OnesCount64(w)
	}
	return n
}

// Apply sets the logit of every token outside the mask to -Inf, so that no
// sampler can draw it. Logits past the end of the mask (a model whose
// output is padded beyond the vocabulary) get -Inf too.
func (t TokenMask) Apply(logits []float32) {
	ninf := float32(math.Inf(-1))
	// A word at a time: inside a string most words allow all 64 ids, and
	// a word-sized test skips them (a bit test per logit cost as much as
	// the trie walk).
	for w := 0; w*64 < len(logits); w++ {
		var bits uint64
		if w < len(t) {
			bits = t[w]
		}
		if bits == ^uint64(0) {
			continue
		}
		chunk := logits[w*64 : min(w*64+64, len(logits))]
		for i := range chunk {
			if bits&(1<<i) == 0 {
				chunk[i] = ninf
			}
		}
	}
}
