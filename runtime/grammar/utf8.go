package grammar

import (
	"slices"
	"unicode/utf8"
)

// The matcher works on bytes, so every character class is compiled into
// the UTF-8 byte sequences of its code points: a class becomes a small
// alternation of sequences of byte ranges, such as [\xE1-\xEC][\x80-\xBF]
// [\x80-\xBF]. A token that ends inside a character then simply leaves the
// matcher inside such a sequence, and the next token continues it: the
// partial UTF-8 state travels in the stacks, and only the continuations
// that can still complete a character of the class stay allowed.
//
// Classes hold Unicode scalar values: surrogates (U+D800..U+DFFF) have no
// UTF-8 encoding and are dropped from every range; '.' and negated classes
// never match a byte sequence that is not valid UTF-8, overlong forms
// included.

// byteRange is an inclusive range of byte values.
type byteRange struct{ lo, hi byte }

// normalizeRanges sorts and merges rs, negates them when neg is set, and
// removes the surrogates.
func normalizeRanges(rs []cpRange, neg bool) []cpRange {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b cpRange) int { return int(a.lo) - int(b.lo) })
	var out []cpRange
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	if neg {
		var inv []cpRange
		next := rune(0)
		for _, r := range out {
			if r.lo > next {
				inv = append(inv, cpRange{next, r.lo - 1})
			}
			next = r.hi + 1
		}
		if next <= utf8.MaxRune {
			inv = append(inv, cpRange{next, utf8.MaxRune})
		}
		out = inv
	}
	var valid []cpRange
	for _, r := range out {
		if r.lo < 0xD800 {
			valid = append(valid, cpRange{r.lo, min(r.hi, 0xD7FF)})
		}
		if r.hi > 0xDFFF {
			valid = append(valid, cpRange{max(r.lo, 0xE000), r.hi})
		}
	}
	return valid
}

// utf8Sequences returns the byte-range sequences that encode exactly the
// code points of rs (normalized, no surrogates), in increasing order.
//
// A range is split until the code points of each piece share one encoded
// length and every byte position runs over a full range independently of
// the others; then the piece is the sequence of ranges between the
// encodings of its two ends.
func utf8Sequences(rs []cpRange) [][]byteRange {
	var out [][]byteRange
	var split func(lo, hi rune)
	split = func(lo, hi rune) {
		if lo > hi {
			return
		}
		// One encoded length per piece.
		for _, edge := range []rune{0x7F, 0x7FF, 0xFFFF} {
			if lo <= edge && edge < hi {
				split(lo, edge)
				split(edge+1, hi)
				return
			}
		}
		n := utf8.RuneLen(lo)
		// Below the first byte, each continuation byte carries 6 bits. If
		// lo and hi differ above the lowest i continuation bytes, those
		// bytes must run over their whole range (lo's all zero, hi's all
		// one); otherwise split off the ragged ends.
		for i := 1; i < n; i++ {
			m := rune(1)<<(6*i) - 1
			if lo&^m != hi&^m {
				if lo&m != 0 {
					split(lo, lo|m)
					split(lo|m+1, hi)
					return
				}
				if hi&m != m {
					split(lo, hi&^m-1)
					split(hi&^m, hi)
					return
				}
			}
		}
		var a, b [utf8.UTFMax]byte
		utf8.EncodeRune(a[:], lo)
		utf8.EncodeRune(b[:], hi)
		seq := make([]byteRange, n)
		for i := range seq {
			seq[i] = byteRange{a[i], b[i]}
		}
		out = append(out, seq)
	}
	for _, r := range rs {
		split(r.lo, r.hi)
	}
	return out
}

// byteSet is a set of byte values.
type byteSet [4]uint64

func (s *byteSet) add(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s[c>>6] |= 1 << (c & 63)
	}
}

func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }

func (s *byteSet) empty() bool { return s[0]|s[1]|s[2]|s[3] == 0 }

// classSequences turns the code point ranges of a class into alternatives
// of byte-set sequences: all one-byte characters in one set, and the
// multi-byte sequences that share everything after their first byte
// merged into one with a wider first set. The result is equivalent to
// utf8Sequences and has fewer alternatives, so fewer stacks per state.
func classSequences(rs []cpRange) [][]byteSet {
	var single byteSet
	haveSingle := false
	var multi [][]byteSet
	for _, seq := range utf8Sequences(rs) {
		if len(seq) == 1 {
			single.add(seq[0].lo, seq[0].hi)
			haveSingle = true
			continue
		}
		sets := make([]byteSet, len(seq))
		for i, r := range seq {
			sets[i].add(r.lo, r.hi)
		}
		merged := false
		for _, m := range multi {
			if slices.Equal(m[1:], sets[1:]) {
				for w := range m[0] {
					m[0][w] |= sets[0][w]
				}
				merged = true
				break
			}
		}
		if !merged {
			multi = append(multi, sets)
		}
	}
	var out [][]byteSet
	if haveSingle {
		out = append(out, []byteSet{single})
	}
	return append(out, multi...)
}
