package grammar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// formatRules prints rules as GBNF that parses back to the same rules.
// The output is normalized: one rule per line, single spaces, {0,} as *,
// escapes only where needed, and an empty alternative as "".
func formatRules(rules []ruleDef) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.name)
		b.WriteString(" ::= ")
		formatAlts(&b, r.alts)
		b.WriteByte('\n')
	}
	return b.String()
}

func formatAlts(b *strings.Builder, alts [][]*expr) {
	for i, seq := range alts {
		if i > 0 {
			b.WriteString(" | ")
		}
		if len(seq) == 0 {
			b.WriteString(`""`)
		}
		for j, e := range seq {
			if j > 0 {
				b.WriteByte(' ')
			}
			formatExpr(b, e)
		}
	}
}

func formatExpr(b *strings.Builder, e *expr) {
	switch e.kind {
	case exLit:
		b.WriteByte('"')
		for _, r := range e.text {
			writeChar(b, r, '"')
		}
		b.WriteByte('"')
	case exClass:
		b.WriteByte('[')
		if e.neg {
			b.WriteByte('^')
		}
		for _, r := range e.ranges {
			writeChar(b, r.lo, ']')
			if r.hi != r.lo {
				b.WriteByte('-')
				writeChar(b, r.hi, ']')
			}
		}
		b.WriteByte(']')
	case exAny:
		b.WriteByte('.')
	case exRef:
		b.WriteString(e.name)
	case exGroup:
		b.WriteByte('(')
		formatAlts(b, e.alts)
		b.WriteByte(')')
	case exRep:
		formatExpr(b, e.sub)
		switch {
		case e.min == 0 && e.max < 0:
			b.WriteByte('*')
		case e.min == 1 && e.max < 0:
			b.WriteByte('+')
		case e.min == 0 && e.max == 1:
			b.WriteByte('?')
		case e.max < 0:
			fmt.Fprintf(b, "{%d,}", e.min)
		case e.min == e.max:
			fmt.Fprintf(b, "{%d}", e.min)
		default:
			fmt.Fprintf(b, "{%d,%d}", e.min, e.max)
		}
	}
}

// writeChar writes r inside a literal or class. Characters the syntax
// gives a meaning to there ('-' and '^' in a class, which have no escape of
// their own) and unprintable ones are written as hex escapes.
func writeChar(b *strings.Builder, r rune, close byte) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
		return
	case '\r':
		b.WriteString(`\r`)
		return
	case '\t':
		b.WriteString(`\t`)
		return
	case '\\', '"', ']':
		b.WriteByte('\\')
		b.WriteRune(r)
		return
	case '-', '^', '[':
		if close == ']' {
			fmt.Fprintf(b, `\x%02X`, r)
			return
		}
	}
	switch {
	case r < 0x80 && strconv.IsPrint(r):
		b.WriteRune(r)
	case r < 0x100:
		fmt.Fprintf(b, `\x%02X`, r)
	case unicode.IsPrint(r) && r != 0xFFFD:
		b.WriteRune(r)
	case r < 0x10000:
		fmt.Fprintf(b, `\u%04X`, r)
	default:
		fmt.Fprintf(b, `\U%08X`, r)
	}
}
