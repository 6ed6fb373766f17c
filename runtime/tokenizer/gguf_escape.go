package tokenizer

// GGUF token lists hold strings, but RWKV tokens are arbitrary bytes.
// llama.cpp's converter stores each token as Python's repr(bytes) without
// the b and the quotes, which is always ASCII, and its loader undoes that
// with a small unescaper (llama_unescape_rwkv_token). These two functions
// are that pair, so our GGUF files and llama.cpp's hold the same strings.

// EscapeGGUF returns tok as llama.cpp stores an RWKV token in GGUF:
// exactly Python's repr(bytes(tok))[2:-1]. Printable ASCII stays as it is;
// backslash becomes \\, tab, newline and carriage return \t \n \r, other
// bytes \xhh. Like repr, it escapes the single quote only when repr would
// have quoted with it, that is unless tok holds a ' and no ".
func EscapeGGUF(tok []byte) string {
	return string(appendPyBytesRepr(make([]byte, 0, len(tok)+8), tok, false))
}

// UnescapeGGUF inverts EscapeGGUF, reading \t \n \r \xhh and taking any
// other escaped character literally (\\ \' \"), which is what llama.cpp's
// loader does with every string EscapeGGUF can produce. On other input it
// is lenient where llama.cpp is not defined: hex digits may be upper case,
// and a malformed escape (a final backslash, \x without two hex digits) is
// kept as written.
func UnescapeGGUF(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			out = append(out, c)
			i++
			continue
		}
		switch e := s[i+1]; e {
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 'x':
			if i+3 < len(s) {
				hi, ok1 := hexValue(s[i+2])
				lo, ok2 := hexValue(s[i+3])
				if ok1 && ok2 {
					out = append(out, hi<<4|lo)
					i += 4
					continue
				}
			}
			out = append(out, '\\', 'x')
		default:
			out = append(out, e)
		}
		i += 2
	}
	return out
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
