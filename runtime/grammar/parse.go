package grammar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The GBNF syntax, as llama.cpp reads it (grammars/README.md there):
//
//	rule     name ::= alts            one rule per line; a line may continue
//	                                  after '|', and anywhere inside ( )
//	alts     seq ('|' seq)*           a seq may be empty
//	seq      (atom suffix*)*
//	atom     "literal" | [class] | [^class] | . | name | ( alts )
//	suffix   * | + | ? | {m} | {m,} | {m,n}
//	comment  '#' to the end of the line
//
// Names are letters, digits and '-'. Literals and classes take the escapes
// \n \r \t \\ \" \[ \] and \xHH, \uHHHH, \UHHHHHHHH, which all name code
// points (so \xFF is U+00FF, two bytes in UTF-8, as in llama.cpp): a
// grammar describes text, never raw bytes. llama.cpp's token references
// (<[id]>, <text>, !<...>) are not supported: this engine matches bytes,
// whatever tokens spell them.

// maxRepeat bounds m and n in {m,n}: a repetition is unrolled into that
// many rules, so the bound is what keeps a short grammar from compiling
// into millions of them (llama.cpp uses the same figure).
const maxRepeat = 2000

// SyntaxError is an error in a grammar's text. Line and Col are 1-based
// (Col counts characters, not bytes); both are 0 for errors that concern
// the grammar as a whole, such as a missing root rule.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return "grammar: " + e.Msg
	}
	return fmt.Sprintf("grammar: %d:%d: %s", e.Line, e.Col, e.Msg)
}

// exprKind is the kind of one node of a parsed rule.
type exprKind uint8

const (
	exLit   exprKind = iota // text: a literal string (may be empty)
	exClass                 // ranges, neg: a character class
	exAny                   // '.': any character
	exRef                   // name: a rule
	exGroup                 // alts: a parenthesized alternation
	exRep                   // sub repeated min..max times (max < 0: unbounded)
)

// expr is one node of a parsed rule, as written: repetitions and groups are
// kept, so the grammar can be printed back (String) and checked against an
// independent recognizer in the tests.
type expr struct {
	kind     exprKind
	pos      int // byte offset in the source, for errors
	text     string
	ranges   []cpRange
	neg      bool
	name     string
	alts     [][]*expr
	sub      *expr
	min, max int
}

// cpRange is an inclusive range of code points.
type cpRange struct{ lo, hi rune }

// ruleDef is one rule as written.
type ruleDef struct {
	name string
	pos  int
	alts [][]*expr
}

// parser reads GBNF text. It keeps the source for positions in errors.
type parser struct {
	src   string
	pos   int
	rules []ruleDef
	index map[string]int // rule name -> index in rules
}

// parseRules reads src into rule definitions, checking the syntax and that
// every referenced rule exists and that a root rule is defined.
func parseRules(src string) ([]ruleDef, map[string]int, error) {
	if !utf8.ValidString(src) {
		i := 0
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, nil, errorAt(src, i, "the grammar is not valid UTF-8")
	}
	p := &parser{src: src, index: map[string]int{}}
	if err := p.parse(); err != nil {
		return nil, nil, err
	}
	return p.rules, p.index, nil
}

// errorAt makes a SyntaxError for byte offset off of src.
func errorAt(src string, off int, format string, args ...any) *SyntaxError {
	off = min(off, len(src))
	line := 1 + strings.Count(src[:off], "\n")
	start := strings.LastIndexByte(src[:off], '\n') + 1
	col := 1 + utf8.RuneCountInString(src[start:off])
	return &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return errorAt(p.src, off, format, args...)
}

func (p *parser) parse() error {
	p.space(true)
	for p.pos < len(p.src) {
		if err := p.rule(); err != nil {
			return err
		}
	}
	// Undefined names are reported at their first use, in source order.
	var undefined error
	for i := range p.rules {
		walkExprs(p.rules[i].alts, func(e *expr) {
			if undefined == nil && e.kind == exRef {
				if _, ok := p.index[e.name]; !ok {
					undefined = p.errorf(e.pos, "undefined rule %q", e.name)
				}
			}
		})
	}
	if undefined != nil {
		return undefined
	}
	if _, ok := p.index["root"]; !ok {
		return &SyntaxError{Msg: "no root rule (the grammar starts at the rule named root)"}
	}
	return nil
}

// walkExprs calls f on every node of alts, parents before children.
func walkExprs(alts [][]*expr, f func(*expr)) {
	for _, seq := range alts {
		for _, e := range seq {
			walkExpr(e, f)
		}
	}
}

func walkExpr(e *expr, f func(*expr)) {
	f(e)
	switch e.kind {
	case exGroup:
		walkExprs(e.alts, f)
	case exRep:
		walkExpr(e.sub, f)
	}
}

// space skips blanks and comments, and newlines too when newlines is set
// (inside parentheses, after '|', between rules).
func (p *parser) space(newlines bool) {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t':
			p.pos++
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' && p.src[p.pos] != '\r' {
				p.pos++
			}
		case newlines && (c == '\n' || c == '\r'):
			p.pos++
		default:
			return
		}
	}
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

func (p *parser) name() string {
	start := p.pos
	for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *parser) rule() error {
	start := p.pos
	name := p.name()
	if name == "" {
		if p.src[p.pos] == '|' {
			return p.errorf(p.pos, "a line cannot start with '|': end the previous line with '|', or put the alternatives in ( )")
		}
		return p.errorf(p.pos, "expected a rule name (letters, digits, '-'), found %s", p.found())
	}
	p.space(false)
	if !strings.HasPrefix(p.src[p.pos:], "::=") {
		return p.errorf(p.pos, "expected ::= after rule name %q, found %s", name, p.found())
	}
	p.pos += 3
	p.space(true)
	alts, err := p.alternates(false)
	if err != nil {
		return err
	}
	switch {
	case p.pos == len(p.src):
	case p.src[p.pos] == '\n' || p.src[p.pos] == '\r':
		p.space(true)
	case p.src[p.pos] == ')':
		return p.errorf(p.pos, "unbalanced ')'")
	default:
		return p.errorf(p.pos, "expected the end of the line, found %s", p.found())
	}
	if i, ok := p.index[name]; ok {
		prev := errorAt(p.src, p.rules[i].pos, "")
		return p.errorf(start, "rule %q is defined twice (first at %d:%d)", name, prev.Line, prev.Col)
	}
	p.index[name] = len(p.rules)
	p.rules = append(p.rules, ruleDef{name: name, pos: start, alts: alts})
	return nil
}

// found describes what is at the current position, for errors.
func (p *parser) found() string {
	if p.pos >= len(p.src) {
		return "the end of the grammar"
	}
	switch c := p.src[p.pos]; c {
	case '\n', '\r':
		return "the end of the line"
	default:
		r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
		return strconv.QuoteRune(r)
	}
}

// alternates reads seq ('|' seq)*; nested is set inside parentheses, where
// newlines are blanks.
func (p *parser) alternates(nested bool) ([][]*expr, error) {
	var alts [][]*expr
	for {
		seq, err := p.sequence(nested)
		if err != nil {
			return nil, err
		}
		alts = append(alts, seq)
		if p.pos >= len(p.src) || p.src[p.pos] != '|' {
			return alts, nil
		}
		p.pos++
		p.space(true)
	}
}

func (p *parser) sequence(nested bool) ([]*expr, error) {
	var seq []*expr
	for p.pos < len(p.src) {
		start := p.pos
		var e *expr
		switch c := p.src[p.pos]; {
		case c == '"':
			text, err := p.literal()
			if err != nil {
				return nil, err
			}
			e = &expr{kind: exLit, pos: start, text: text}
		case c == '[':
			ranges, neg, err := p.class()
			if err != nil {
				return nil, err
			}
			e = &expr{kind: exClass, pos: start, ranges: ranges, neg: neg}
		case c == '.':
			p.pos++
			e = &expr{kind: exAny, pos: start}
		case isNameByte(c):
			e = &expr{kind: exRef, pos: start, name: p.name()}
		case c == '(':
			p.pos++
			p.space(true)
			alts, err := p.alternates(true)
			if err != nil {
				return nil, err
			}
			if p.pos >= len(p.src) || p.src[p.pos] != ')' {
				return nil, p.errorf(p.pos, "expected ')' to close the '(' at %s, found %s", p.where(start), p.found())
			}
			p.pos++
			e = &expr{kind: exGroup, pos: start, alts: alts}
		case c == '*' || c == '+' || c == '?' || c == '{':
			return nil, p.errorf(p.pos, "%q has nothing before it to repeat", c)
		case c == '<' || c == '!':
			return nil, p.errorf(p.pos, "token references (<...>, !<...>) are not supported; write the text as a \"literal\"")
		default:
			return seq, nil
		}
		p.space(nested)
		// Suffixes apply to the atom and to each other: a+? is (a+)?.
		for {
			min, max, ok, err := p.suffix()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			e = &expr{kind: exRep, pos: start, sub: e, min: min, max: max}
			p.space(nested)
		}
		seq = append(seq, e)
	}
	return seq, nil
}

// where formats the position of byte offset off as line:col.
func (p *parser) where(off int) string {
	e := errorAt(p.src, off, "")
	return fmt.Sprintf("%d:%d", e.Line, e.Col)
}

// suffix reads one repetition suffix, if there is one.
func (p *parser) suffix() (min, max int, ok bool, err error) {
	if p.pos >= len(p.src) {
		return 0, 0, false, nil
	}
	switch p.src[p.pos] {
	case '*':
		p.pos++
		return 0, -1, true, nil
	case '+':
		p.pos++
		return 1, -1, true, nil
	case '?':
		p.pos++
		return 0, 1, true, nil
	case '{':
	default:
		return 0, 0, false, nil
	}
	open := p.pos
	p.pos++
	p.space(false)
	if min, err = p.count(); err != nil {
		return 0, 0, false, err
	}
	p.space(false)
	max = min
	if p.pos < len(p.src) && p.src[p.pos] == ',' {
		p.pos++
		p.space(false)
		max = -1
		if p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
			if max, err = p.count(); err != nil {
				return 0, 0, false, err
			}
			p.space(false)
		}
	}
	if p.pos >= len(p.src) || p.src[p.pos] != '}' {
		return 0, 0, false, p.errorf(p.pos, "expected ',' or '}' in the repetition, found %s", p.found())
	}
	p.pos++
	if max >= 0 && max < min {
		return 0, 0, false, p.errorf(open, "repetition {%d,%d}: the maximum is below the minimum", min, max)
	}
	return min, max, true, nil
}

func (p *parser) count() (int, error) {
	start := p.pos
	for p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
		p.pos++
	}
	if start == p.pos {
		return 0, p.errorf(p.pos, "expected a number in the repetition, found %s", p.found())
	}
	n, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil || n > maxRepeat {
		return 0, p.errorf(start, "repetition count %s is above the limit of %d", p.src[start:p.pos], maxRepeat)
	}
	return n, nil
}

// literal reads a quoted string; the opening quote is at p.pos.
func (p *parser) literal() (string, error) {
	open := p.pos
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.src) {
			return "", p.errorf(open, "unterminated string (no closing '\"')")
		}
		if p.src[p.pos] == '"' {
			p.pos++
			return b.String(), nil
		}
		r, err := p.char()
		if err != nil {
			return "", err
		}
		if r >= 0xD800 && r <= 0xDFFF {
			return "", p.errorf(p.pos, "a string cannot hold the surrogate U+%04X, which has no UTF-8 encoding", r)
		}
		b.WriteRune(r)
	}
}

// class reads a character class; the '[' is at p.pos.
func (p *parser) class() ([]cpRange, bool, error) {
	open := p.pos
	p.pos++
	neg := false
	if p.pos < len(p.src) && p.src[p.pos] == '^' {
		neg = true
		p.pos++
	}
	var ranges []cpRange
	for {
		if p.pos >= len(p.src) {
			return nil, false, p.errorf(open, "unterminated character class (no closing ']')")
		}
		if p.src[p.pos] == ']' {
			p.pos++
			return ranges, neg, nil
		}
		at := p.pos
		lo, err := p.char()
		if err != nil {
			return nil, false, err
		}
		hi := lo
		// A '-' right before ']' is a literal dash, as in llama.cpp.
		if p.pos+1 < len(p.src) && p.src[p.pos] == '-' && p.src[p.pos+1] != ']' {
			p.pos++
			if hi, err = p.char(); err != nil {
				return nil, false, err
			}
			if hi < lo {
				return nil, false, p.errorf(at, "range %s-%s runs backwards", quoteCP(lo), quoteCP(hi))
			}
		}
		ranges = append(ranges, cpRange{lo, hi})
	}
}

func quoteCP(r rune) string {
	if r > utf8.MaxRune {
		return fmt.Sprintf("U+%X", r)
	}
	return strconv.QuoteRune(r)
}

// char reads one character of a literal or class, escapes included.
func (p *parser) char() (rune, error) {
	at := p.pos
	if p.pos >= len(p.src) {
		return 0, p.errorf(at, "unexpected end of the grammar")
	}
	c := p.src[p.pos]
	if c == '\n' || c == '\r' {
		return 0, p.errorf(at, "a string or class cannot span lines (write \\n)")
	}
	if c != '\\' {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		p.pos += n
		return r, nil
	}
	if p.pos+1 >= len(p.src) {
		return 0, p.errorf(at, "unexpected end of the grammar after '\\'")
	}
	e := p.src[p.pos+1]
	p.pos += 2
	switch e {
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case '\\', '"', '[', ']':
		return rune(e), nil
	case 'x':
		return p.hex(at, 2)
	case 'u':
		return p.hex(at, 4)
	case 'U':
		return p.hex(at, 8)
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos-1:])
	return 0, p.errorf(at, "unknown escape \\%c (known: \\n \\r \\t \\\\ \\\" \\[ \\] \\xHH \\uHHHH \\UHHHHHHHH)", r)
}

func (p *parser) hex(at, digits int) (rune, error) {
	var v uint32
	for i := range digits {
		if p.pos >= len(p.src) {
			return 0, p.errorf(at, "escape %s needs %d hex digits", p.src[at:p.pos], digits)
		}
		c := p.src[p.pos]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.errorf(at, "escape %s needs %d hex digits, found %d", p.src[at:p.pos], digits, i)
		}
		v = v<<4 | uint32(d)
		p.pos++
	}
	if v > utf8.MaxRune {
		return 0, p.errorf(at, "escape %s is beyond the last code point U+10FFFF", p.src[at:p.pos])
	}
	return rune(v), nil
}
