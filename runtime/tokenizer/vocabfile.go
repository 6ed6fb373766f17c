package tokenizer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The vocabulary text format (rwkv_vocab_v20230424.txt) has one token per
// line:
//
//	<id> <Python literal> <byte length>
//
// The literal is a Python str (its UTF-8 encoding is the token) or a bytes
// literal for tokens that are not valid UTF-8, e.g.
//
//	261 '\n\n' 2
//	3082 b'\xe5\xbd' 2
//
// The literal may itself contain spaces, so the id ends at the first space
// and the length starts after the last one, as in the official reader.

// maxVocabLine bounds one line of the file; the longest official line is a
// few hundred bytes.
const maxVocabLine = 1 << 20

// ParseVocab reads the vocabulary text format and returns the tokens
// indexed by id, with [0] (end-of-text, not in the file) nil.
//
// Ids must run 1, 2, 3, ... without gaps: both the official file and the
// vocabularies our tools write are numbered that way, and a gap or a
// repeat means the file was damaged or edited by hand. Blank lines are
// skipped. Errors name the line and the problem.
func ParseVocab(r io.Reader) ([][]byte, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxVocabLine)
	vocab := [][]byte{nil}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		id, tok, err := parseVocabLine(text)
		if err != nil {
			return nil, fmt.Errorf("vocab line %d: %w", line, err)
		}
		want := len(vocab)
		switch {
		case id > MaxID:
			return nil, fmt.Errorf("vocab line %d: id %d is too large (limit %d)", line, id, MaxID)
		case id == 0:
			return nil, fmt.Errorf("vocab line %d: id 0 is reserved for end-of-text", line)
		case id < want:
			return nil, fmt.Errorf("vocab line %d: id %d repeats or goes backwards (expected %d)", line, id, want)
		case id > want:
			return nil, fmt.Errorf("vocab line %d: id %d leaves a gap (expected %d); ids must run 1, 2, 3, ... without gaps", line, id, want)
		}
		vocab = append(vocab, tok)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("vocab line %d: longer than %d bytes", line+1, maxVocabLine)
		}
		return nil, fmt.Errorf("vocab: reading after line %d: %w", line, err)
	}
	return vocab, nil
}

// ReadVocabFile is ParseVocab of the file at path; its errors name the file.
func ReadVocabFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := ParseVocab(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// parseVocabLine splits one line into id, token bytes, and checks the
// stated length.
func parseVocabLine(line string) (id int, tok []byte, err error) {
	first := strings.IndexByte(line, ' ')
	last := strings.LastIndexByte(line, ' ')
	if first < 0 || first == last {
		return 0, nil, errors.New(`want "<id> <literal> <length>"`)
	}
	idText, lit, lenText := line[:first], strings.Trim(line[first:last], " \t"), strings.TrimSpace(line[last:])
	id, err = parseDecimal(idText)
	if err != nil {
		return 0, nil, fmt.Errorf("bad id %q: %w", idText, err)
	}
	n, err := parseDecimal(lenText)
	if err != nil {
		return 0, nil, fmt.Errorf("bad byte length %q: %w", lenText, err)
	}
	tok, err = parsePyLiteral(lit)
	if err != nil {
		return 0, nil, fmt.Errorf("bad literal %s: %w", lit, err)
	}
	if len(tok) != n {
		return 0, nil, fmt.Errorf("literal %s is %d bytes, the line says %d", lit, len(tok), n)
	}
	return id, tok, nil
}

// parseDecimal accepts plain decimal digits only (no sign, no
// underscores), small enough to mean something here.
func parseDecimal(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a decimal number")
		}
	}
	if len(s) > 9 {
		return 0, errors.New("too large")
	}
	return strconv.Atoi(s)
}

// parsePyLiteral decodes a single-line Python string or bytes literal: the
// prefixes b, r, u (any case, in the combinations Python allows), either
// quote, and Python's escapes. A str literal yields its UTF-8 encoding.
// \N{...} and triple quotes never occur in vocabularies and are rejected.
func parsePyLiteral(lit string) ([]byte, error) {
	i := strings.IndexAny(lit, `'"`)
	if i < 0 {
		return nil, errors.New("not a quoted Python string or bytes literal")
	}
	var isBytes, isRaw bool
	switch strings.ToLower(lit[:i]) {
	case "", "u":
	case "b":
		isBytes = true
	case "r":
		isRaw = true
	case "br", "rb":
		isBytes, isRaw = true, true
	default:
		return nil, fmt.Errorf("bad prefix %q", lit[:i])
	}
	quote := lit[i]
	body := lit[i+1:]
	if len(body) >= 2 && body[0] == quote && body[1] == quote {
		return nil, errors.New("triple-quoted literals are not supported")
	}
	if len(body) == 0 || body[len(body)-1] != quote {
		return nil, errors.New("missing closing quote")
	}
	body = body[:len(body)-1]

	out := make([]byte, 0, len(body))
	for j := 0; j < len(body); {
		c := body[j]
		switch {
		case c == quote:
			return nil, fmt.Errorf("unescaped %c inside the literal", quote)
		case isBytes && c >= utf8.RuneSelf:
			return nil, errors.New("bytes literal contains a non-ASCII character")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(body[j:])
			if r == utf8.RuneError && size == 1 {
				return nil, errors.New("invalid UTF-8 in the literal")
			}
			out = append(out, body[j:j+size]...)
			j += size
		case c != '\\':
			out = append(out, c)
			j++
		case j+1 >= len(body):
			// A final backslash would have escaped the closing quote.
			return nil, errors.New("missing closing quote")
		case isRaw:
			// Raw literals keep the backslash and the character after it;
			// the pair only stops that character from ending the literal.
			out = append(out, body[j:j+2]...)
			j += 2
		default:
			var err error
			out, j, err = appendPyEscape(out, body, j, isBytes)
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// appendPyEscape decodes the escape sequence at body[j] (a backslash) and
// returns the position after it.
func appendPyEscape(out []byte, body string, j int, isBytes bool) ([]byte, int, error) {
	c := body[j+1]
	j += 2
	switch c {
	case '\\', '\'', '"':
		return append(out, c), j, nil
	case 'a':
		return append(out, '\a'), j, nil
	case 'b':
		return append(out, '\b'), j, nil
	case 'f':
		return append(out, '\f'), j, nil
	case 'n':
		return append(out, '\n'), j, nil
	case 'r':
		return append(out, '\r'), j, nil
	case 't':
		return append(out, '\t'), j, nil
	case 'v':
		return append(out, '\v'), j, nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v := int(c - '0')
		for k := 0; k < 2 && j < len(body) && body[j] >= '0' && body[j] <= '7'; k++ {
			v = v*8 + int(body[j]-'0')
			j++
		}
		if isBytes {
			if v > 0xff {
				return nil, 0, fmt.Errorf("octal escape value %#o is larger than a byte", v)
			}
			return append(out, byte(v)), j, nil
		}
		return utf8.AppendRune(out, rune(v)), j, nil
	case 'x':
		return appendHexEscape(out, body, j, 2, isBytes)
	case 'u', 'U':
		if isBytes {
			break // not an escape in bytes literals: kept as written
		}
		digits := 4
		if c == 'U' {
			digits = 8
		}
		return appendHexEscape(out, body, j, digits, false)
	case 'N':
		if !isBytes {
			return nil, 0, errors.New(`\N{...} escapes are not supported`)
		}
	}
	// Python keeps unknown escapes as written, backslash included.
	return append(out, '\\', c), j, nil
}

// appendHexEscape decodes the digits of a \x, \u or \U escape starting at
// body[j].
func appendHexEscape(out []byte, body string, j, digits int, isBytes bool) ([]byte, int, error) {
	if j+digits > len(body) {
		return nil, 0, fmt.Errorf("truncated \\x/\\u/\\U escape: want %d hex digits", digits)
	}
	v, err := strconv.ParseUint(body[j:j+digits], 16, 32)
	if err != nil {
		return nil, 0, fmt.Errorf("bad hex digits %q in escape", body[j:j+digits])
	}
	j += digits
	switch {
	case isBytes:
		return append(out, byte(v)), j, nil
	case v > unicode.MaxRune:
		return nil, 0, fmt.Errorf("escape value %#x is beyond U+10FFFF", v)
	case v >= 0xd800 && v <= 0xdfff:
		// Python builds the str but cannot encode it to UTF-8.
		return nil, 0, fmt.Errorf("escape value U+%04X is a surrogate, which has no UTF-8 encoding", v)
	}
	return utf8.AppendRune(out, rune(v)), j, nil
}

// WriteVocab writes vocab in the text format, ids 1..len(vocab)-1; vocab[0]
// (end-of-text) is not part of the format and is ignored. Tokens that are
// valid UTF-8 are written as Python str literals, others as bytes
// literals, both exactly as Python's repr writes them, so the official
// vocabulary comes back byte for byte and ParseVocab reads every token
// back unchanged. Nil entries are written as empty strings.
func WriteVocab(w io.Writer, vocab [][]byte) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for id := 1; id < len(vocab); id++ {
		tok := vocab[id]
		line = strconv.AppendInt(line[:0], int64(id), 10)
		line = append(line, ' ')
		if utf8.Valid(tok) {
			line = appendPyStrRepr(line, tok)
		} else {
			line = append(line, 'b')
			line = appendPyBytesRepr(line, tok, true)
		}
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(len(tok)), 10)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("vocab: writing id %d: %w", id, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("vocab: %w", err)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// pyQuote picks the quote Python's repr uses: a double quote when the text
// contains a single quote and no double quote, else a single quote.
func pyQuote(s []byte) byte {
	hasSingle, hasDouble := false, false
	for _, c := range s {
		hasSingle = hasSingle || c == '\''
		hasDouble = hasDouble || c == '"'
	}
	if hasSingle && !hasDouble {
		return '"'
	}
	return '\''
}

// appendPyStrRepr appends repr(s.decode("utf-8")) for valid UTF-8 s: the
// characters Python considers printable stay as they are, the rest become
// \xhh, \uhhhh or \Uhhhhhhhh. Go's unicode.IsPrint and Python's
// str.isprintable agree: both exclude the C and Z categories except the
// ASCII space.
func appendPyStrRepr(dst, s []byte) []byte {
	q := pyQuote(s)
	dst = append(dst, q)
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		switch {
		case r == rune(q) || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r < 0x20 || r == 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case r < utf8.RuneSelf || unicode.IsPrint(r):
			dst = append(dst, s[:size]...)
		case r <= 0xff:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		default:
			dst = append(dst, '\\', 'U')
			dst = appendHex(dst, uint32(r), 8)
		}
		s = s[size:]
	}
	return append(dst, q)
}

func appendHex(dst []byte, v uint32, digits int) []byte {
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[(v>>uint(shift))&0xf])
	}
	return dst
}

// appendPyBytesRepr appends repr(bytes(s)) without the leading b; with
// quotes false it leaves out the quotes too, which is the GGUF form.
func appendPyBytesRepr(dst, s []byte, quotes bool) []byte {
	q := pyQuote(s)
	if quotes {
		dst = append(dst, q)
	}
	for _, c := range s {
		switch {
		case c == q || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	if quotes {
		dst = append(dst, q)
	}
	return dst
}
