package tokenizer

import "unicode/utf8"

// StreamDecoder turns a stream of token ids into bytes that never end in
// the middle of a UTF-8 character: tokens often carry only part of one
// (a CJK character or an emoji is commonly split over two or three), and a
// terminal or serial peer shown half a character prints garbage.
//
// It holds back at most 3 bytes: a trailing sequence that is a proper
// prefix of some valid UTF-8 encoding. Bytes that can never become valid
// UTF-8 (a stray continuation byte, a lead byte followed by a
// non-continuation, bytes F5..FF, ...) are passed on as they are, so
// nothing is held forever and the concatenated output always equals
// Decode of the ids. A StreamDecoder is not safe for concurrent use.
type StreamDecoder struct {
	t    *Tokenizer
	held [utf8.UTFMax - 1]byte
	n    int // bytes in held
}

// NewStreamDecoder returns a decoder that holds nothing yet.
func (t *Tokenizer) NewStreamDecoder() *StreamDecoder {
	return &StreamDecoder{t: t}
}

// Append appends the bytes of id that now complete, together with held
// ones, to dst and returns the extended slice.
func (d *StreamDecoder) Append(dst []byte, id int32) []byte {
	start := len(dst)
	dst = append(dst, d.held[:d.n]...)
	dst = append(dst, d.t.Token(int(id))...)
	keep := incompleteTail(dst[start:])
	d.n = copy(d.held[:], dst[len(dst)-keep:])
	return dst[:len(dst)-keep]
}

// Flush appends whatever is held, complete or not, and empties the
// decoder; call it at the end of a stream.
func (d *StreamDecoder) Flush(dst []byte) []byte {
	dst = append(dst, d.held[:d.n]...)
	d.n = 0
	return dst
}

// Reset drops whatever is held.
func (d *StreamDecoder) Reset() { d.n = 0 }

// incompleteTail returns how many bytes at the end of b form a proper
// prefix of a valid UTF-8 encoding that more bytes could still complete; 0
// when b ends in a complete character or in bytes that no continuation
// can make valid.
func incompleteTail(b []byte) int {
	// Find the last byte that is not a continuation byte (10xxxxxx),
	// looking back no further than an incomplete sequence could reach.
	for k := 1; k <= utf8.UTFMax-1 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c&0xc0 == 0x80 {
			continue
		}
		if isValidPrefix(b[len(b)-k:]) {
			return k
		}
		return 0
	}
	return 0
}

// isValidPrefix reports whether p (a lead byte and continuation bytes) is a
// proper prefix of some valid UTF-8 encoding. The second byte has the
// narrowed ranges that exclude overlong forms, surrogates and code points
// beyond U+10FFFF, as utf8.Valid does.
func isValidPrefix(p []byte) bool {
	var need int
	lo, hi := byte(0x80), byte(0xbf) // allowed range of the second byte
	switch c := p[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 2
	case c >= 0xe0 && c <= 0xef:
		need = 3
		if c == 0xe0 {
			lo = 0xa0
		} else if c == 0xed {
			hi = 0x9f
		}
	case c >= 0xf0 && c <= 0xf4:
		need = 4
		if c == 0xf0 {
			lo = 0x90
		} else if c == 0xf4 {
			hi = 0x8f
		}
	default:
		return false // ASCII, C0, C1, F5..FF: complete or never valid
	}
	if len(p) >= need {
		return false
	}
	if len(p) >= 2 && (p[1] < lo || p[1] > hi) {
		return false
	}
	return true // later bytes are continuations: incompleteTail checked
}
