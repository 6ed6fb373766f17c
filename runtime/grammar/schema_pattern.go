package grammar

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pattern converts a JSON schema "pattern" into a GBNF expression for the
// inside of a JSON string whose decoded text matches it. The expression is
// read with Go's regexp/syntax (RE2: what ECMA 262 patterns in schemas
// usually use, without lookaround and backreferences). As in JSON schema,
// a pattern matches anywhere unless anchored with ^ and $.
//
// A character is written as is where JSON allows, and otherwise in one
// escape: \" \\ \n \r \t \b \f, or \u00XX for the other controls and DEL.
func (c *converter) pattern(p string) (string, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("not a regular expression: %v", err)
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	start, end := false, false
	if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		start, subs = true, subs[1:]
	}
	if len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
		end, subs = true, subs[:len(subs)-1]
	}
	var parts []string
	if !start {
		parts = append(parts, c.sharedRule("char")+"*")
	}
	for _, s := range subs {
		x, err := regexExpr(s)
		if err != nil {
			return "", err
		}
		parts = append(parts, x)
	}
	if !end {
		parts = append(parts, c.sharedRule("char")+"*")
	}
	if len(parts) == 0 {
		return `""`, nil
	}
	return seq(parts...), nil
}

// atom parenthesizes x unless it is one term.
func atom(x string) string {
	if x == "" {
		return `""`
	}
	if strings.ContainsAny(x, " |") && !(strings.HasPrefix(x, "[") && strings.HasSuffix(x, "]") && !strings.Contains(x, " ")) {
		return "(" + x + ")"
	}
	return x
}

func regexExpr(re *syntax.Regexp) (string, error) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return `""`, nil
	case syntax.OpNoMatch:
		return "", errors.New("the pattern matches nothing")
	case syntax.OpLiteral:
		var parts []string
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				var rs []rune
				for f := unicode.SimpleFold(r); ; f = unicode.SimpleFold(f) {
					rs = append(rs, f, f)
					if f == r {
						break
					}
				}
				parts = append(parts, atom(jsonChars(rs)))
			} else {
				parts = append(parts, atom(jsonChars([]rune{r, r})))
			}
		}
		return strings.Join(parts, " "), nil
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return "", errors.New("the pattern has a class that matches nothing")
		}
		return jsonChars(re.Rune), nil
	case syntax.OpAnyCharNotNL:
		return jsonChars([]rune{0, '\n' - 1, '\n' + 1, utf8.MaxRune}), nil
	case syntax.OpAnyChar:
		return jsonChars([]rune{0, utf8.MaxRune}), nil
	case syntax.OpCapture:
		return regexExpr(re.Sub[0])
	case syntax.OpConcat:
		var parts []string
		for _, s := range re.Sub {
			x, err := regexExpr(s)
			if err != nil {
				return "", err
			}
			parts = append(parts, atom(x))
		}
		return strings.Join(parts, " "), nil
	case syntax.OpAlternate:
		var alts []string
		for _, s := range re.Sub {
			x, err := regexExpr(s)
			if err != nil {
				return "", err
			}
			alts = append(alts, atom(x))
		}
		return strings.Join(alts, " | "), nil
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		x, err := regexExpr(re.Sub[0])
		if err != nil {
			return "", err
		}
		return atom(x) + map[syntax.Op]string{syntax.OpStar: "*", syntax.OpPlus: "+", syntax.OpQuest: "?"}[re.Op], nil
	case syntax.OpRepeat:
		if re.Min > maxRepeat {
			return "", fmt.Errorf("repetition {%d,...} is above the limit of %d", re.Min, maxRepeat)
		}
		x, err := regexExpr(re.Sub[0])
		if err != nil {
			return "", err
		}
		hi := re.Max
		if hi > maxRepeat {
			hi = maxRepeat
		}
		if hi == 0 {
			return `""`, nil
		}
		return repeat(atom(x), re.Min, hi), nil
	case syntax.OpBeginText, syntax.OpEndText:
		return "", errors.New("^ and $ are supported only at the start and the end of the pattern")
	}
	return "", fmt.Errorf("%s is not supported in patterns", re)
}

// jsonChars spells one character of the code point ranges rs (pairs, as
// regexp/syntax gives them) inside a JSON string.
func jsonChars(rs []rune) string {
	var plain []cpRange
	var escapes []string
	for i := 0; i+1 < len(rs); i += 2 {
		lo, hi := rs[i], rs[i+1]
		// Split off what JSON must escape: controls, '"', '\\', DEL.
		for c := lo; c <= hi && c <= 0x7F; c++ {
			if c < 0x20 || c == '"' || c == '\\' || c == 0x7F {
				escapes = append(escapes, quoteGBNF(string(appendJSONString(nil, string(c))[1:len(appendJSONString(nil, string(c)))-1])))
			}
		}
		for _, r := range []cpRange{{lo, min(hi, 0x1F)}, {max(lo, 0x20), min(hi, '"'-1)}, {max(lo, '"'+1), min(hi, '\\'-1)}, {max(lo, '\\'+1), min(hi, 0x7E)}, {max(lo, 0x80), hi}} {
			if r.lo <= r.hi && !(r.hi <= 0x1F) {
				plain = append(plain, r)
			}
		}
	}
	var alts []string
	if len(plain) > 0 {
		if len(plain) == 1 && plain[0].lo == plain[0].hi {
			alts = append(alts, quoteGBNF(string(plain[0].lo)))
		} else {
			var b strings.Builder
			b.WriteByte('[')
			for _, r := range plain {
				writeChar(&b, r.lo, ']')
				if r.hi != r.lo {
					b.WriteByte('-')
					writeChar(&b, r.hi, ']')
				}
			}
			b.WriteByte(']')
			alts = append(alts, b.String())
		}
	}
	slices.Sort(escapes)
	alts = append(alts, slices.Compact(escapes)...)
	return alt(alts...)
}
