// Package tokenizer implements the RWKV World tokenizer: a vocabulary of
// byte strings, encoded by greedy longest match over bytes with a trie,
// exactly as the official TRIE_TOKENIZER of RWKV-LM does.
//
// Id 0 is end-of-text: Encode never produces it and Decode emits nothing
// for it. In the official vocabulary ids 1..256 are the single bytes
// 0..255, so every input, valid UTF-8 or not, has an encoding.
//
// The package also reads and writes the vocabulary text format
// (ParseVocab, WriteVocab), converts tokens to and from the escaped form
// llama.cpp stores in GGUF (EscapeGGUF, UnescapeGGUF), and decodes a token
// stream without splitting UTF-8 characters (StreamDecoder).
package tokenizer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// MaxID is the largest token id New and ParseVocab accept. The official
// vocabulary ends at 65529; the limit only guards against absurd inputs
// (ids travel as int32, and a damaged file should fail fast rather than
// allocate gigabytes).
const MaxID = 1 << 24

// Tokenizer encodes bytes to token ids and back. It is immutable after New
// and safe for concurrent use.
type Tokenizer struct {
	// Token bytes, all in one array: token id is data[offs[id]:offs[id+1]].
	data []byte
	offs []uint32

	// The trie in breadth-first order. Node 0 is the root; the children of
	// a node are the contiguous run nodes[first:first+count], sorted by
	// the byte on the edge into them, which is labels[child]. Keeping the
	// labels of siblings adjacent lets bytes.IndexByte find a child.
	nodes  []trieNode
	labels []byte
	// rootChild[b] is the node reached from the root by byte b. New makes
	// sure every byte has one, so a match always advances.
	rootChild [256]int32
}

type trieNode struct {
	id    int32 // token that ends at this node, 0 if none
	first int32 // index of the first child
	count int32 // number of children
}

// New builds a tokenizer over vocab, where vocab[id] holds the raw bytes of
// token id.
//
// vocab[0] is end-of-text: whatever it holds is dropped, so it is never
// matched and decodes to nothing. Nil or empty entries are holes: never
// matched, decoded to nothing. Every single byte 0..255 must be a token
// (otherwise some inputs could not be encoded), and no two ids may hold the
// same bytes: the official tokenizer would silently keep the last one, which
// makes the other id unreachable, so a vocabulary with duplicates is
// rejected as corrupt rather than guessed at.
func New(vocab [][]byte) (*Tokenizer, error) {
	if len(vocab)-1 > MaxID {
		return nil, fmt.Errorf("tokenizer: vocabulary has ids up to %d, more than %d", len(vocab)-1, MaxID)
	}
	t := &Tokenizer{offs: make([]uint32, len(vocab)+1)}

	total := 0
	for id := 1; id < len(vocab); id++ {
		total += len(vocab[id])
	}
	if int64(total) > math.MaxInt32 { // trie node indices are int32
		return nil, fmt.Errorf("tokenizer: vocabulary holds %d bytes, more than %d", total, math.MaxInt32)
	}
	t.data = make([]byte, 0, total)
	toks := make([]sortedToken, 0, len(vocab)) // non-empty tokens
	for id := range vocab {
		if id > 0 && len(vocab[id]) > 0 {
			off := uint32(len(t.data))
			t.data = append(t.data, vocab[id]...)
			toks = append(toks, sortedToken{key: sortKey(vocab[id]), off: off, end: uint32(len(t.data)), id: int32(id)})
		}
		t.offs[id+1] = uint32(len(t.data))
	}

	// Sorting the tokens puts every trie node's tokens in one contiguous
	// run, so the trie can be laid out breadth-first without a pointer
	// structure in between.
	toks = t.sortTokens(toks)
	nodeCount := 1 // the root
	for i, tk := range toks {
		tok := t.data[tk.off:tk.end]
		shared := 0
		if i > 0 {
			prev := t.data[toks[i-1].off:toks[i-1].end]
			if bytes.Equal(prev, tok) {
				a, b := min(toks[i-1].id, tk.id), max(toks[i-1].id, tk.id)
				return nil, fmt.Errorf("tokenizer: ids %d and %d hold the same bytes %q", a, b, tok)
			}
			shared = commonPrefix(prev, tok)
		}
		nodeCount += len(tok) - shared // each new prefix is one node
	}

	t.build(toks, nodeCount)

	for b := range 256 {
		c := t.rootChild[b]
		if c == 0 || t.nodes[c].id == 0 {
			return nil, fmt.Errorf("tokenizer: byte 0x%02x is not a token; every single byte must be one", b)
		}
	}
	return t, nil
}

// sortTokens orders toks by their bytes. An LSD radix sort on the 8-byte
// keys, 16 bits a pass, does almost all of the work in linear time; only
// tokens that share their first 8 bytes (long runs of one character,
// a prefix and itself plus zero bytes) are left for a comparison sort.
// On the official vocabulary that takes about half the time of a
// comparison sort, even one that compares the keys first.
func (t *Tokenizer) sortTokens(toks []sortedToken) []sortedToken {
	buf := make([]sortedToken, len(toks))
	count := make([]uint32, 1<<16)
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count)
		for _, tk := range toks {
			count[uint16(tk.key>>shift)]++
		}
		sum := uint32(0)
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, tk := range toks {
			d := uint16(tk.key >> shift)
			buf[count[d]] = tk
			count[d]++
		}
		toks, buf = buf, toks
	}
	for lo := 0; lo < len(toks); {
		hi := lo + 1
		for hi < len(toks) && toks[hi].key == toks[lo].key {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(toks[lo:hi], func(x, y sortedToken) int {
				return bytes.Compare(t.data[x.off:x.end], t.data[y.off:y.end])
			})
		}
		lo = hi
	}
	return toks
}

// build lays out the trie over the sorted token ids.
func (t *Tokenizer) build(toks []sortedToken, nodeCount int) {
	t.nodes = make([]trieNode, 1, nodeCount)
	t.labels = make([]byte, 1, nodeCount)
	// The run of order (lo, hi) whose tokens share the node's prefix, and
	// the prefix length; only needed while building.
	type span struct{ lo, hi, depth int32 }
	spans := make([]span, 1, nodeCount)
	spans[0] = span{0, int32(len(toks)), 0}

	for n := 0; n < len(t.nodes); n++ {
		s := spans[n]
		lo, hi, d := s.lo, s.hi, int(s.depth)
		// Sorted order puts the token equal to the prefix itself first.
		if lo < hi && int(toks[lo].end-toks[lo].off) == d {
			t.nodes[n].id = toks[lo].id
			lo++
		}
		t.nodes[n].first = int32(len(t.nodes))
		for lo < hi {
			b := t.data[toks[lo].off+uint32(d)]
			end := lo + 1
			for end < hi && t.data[toks[end].off+uint32(d)] == b {
				end++
			}
			t.nodes = append(t.nodes, trieNode{})
			t.labels = append(t.labels, b)
			spans = append(spans, span{lo, end, int32(d + 1)})
			lo = end
		}
		t.nodes[n].count = int32(len(t.nodes)) - t.nodes[n].first
	}

	root := t.nodes[0]
	for c := root.first; c < root.first+root.count; c++ {
		t.rootChild[t.labels[c]] = c
	}
}

// sortedToken is a token while New sorts them: where its bytes are in
// Tokenizer.data, and its first 8 bytes as a big-endian number (zero
// padded), which orders like the bytes whenever the keys differ.
type sortedToken struct {
	key      uint64
	off, end uint32
	id       int32
}

func sortKey(tok []byte) uint64 {
	var k [8]byte
	copy(k[:], tok)
	return binary.BigEndian.Uint64(k[:])
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// Size returns the number of ids, len(vocab) as given to New.
func (t *Tokenizer) Size() int { return len(t.offs) - 1 }

// Token returns the raw bytes of id, or nil when id is out of range, 0
// (end-of-text) or a hole. The slice is shared: callers must not modify it.
func (t *Tokenizer) Token(id int) []byte {
	if id < 0 || id >= len(t.offs)-1 {
		return nil
	}
	lo, hi := t.offs[id], t.offs[id+1]
	if lo == hi {
		return nil
	}
	return t.data[lo:hi:hi]
}

// Encode returns the token ids of text.
func (t *Tokenizer) Encode(text []byte) []int32 {
	// Tokens average several bytes; a quarter of the length is a guess
	// that usually avoids regrowth without wasting much.
	return t.AppendEncode(make([]int32, 0, len(text)/4+1), text)
}

// AppendEncode appends the token ids of text to dst and returns the
// extended slice. It allocates only when dst must grow.
//
// At each position it takes the longest token that is a prefix of the
// remaining bytes, as the official tokenizer does. Every byte is a token,
// so the match is at least one byte long.
func (t *Tokenizer) AppendEncode(dst []int32, text []byte) []int32 {
	nodes, labels := t.nodes, t.labels
	for i := 0; i < len(text); {
		n := t.rootChild[text[i]]
		best, end := nodes[n].id, i+1
		for j := i + 1; j < len(text); j++ {
			nd := nodes[n]
			k := bytes.IndexByte(labels[nd.first:nd.first+nd.count], text[j])
			if k < 0 {
				break
			}
			n = nd.first + int32(k)
			if id := nodes[n].id; id != 0 {
				best, end = id, j+1
			}
		}
		dst = append(dst, best)
		i = end
	}
	return dst
}

// Decode returns the concatenated bytes of ids. Ids that are 0, out of
// range or holes contribute nothing.
func (t *Tokenizer) Decode(ids []int32) []byte {
	return t.AppendDecode(nil, ids...)
}

// AppendDecode appends the bytes of ids to dst, like Decode.
func (t *Tokenizer) AppendDecode(dst []byte, ids ...int32) []byte {
	for _, id := range ids {
		dst = append(dst, t.Token(int(id))...)
	}
	return dst
}
