package grammar

// Grammar is a parsed and compiled GBNF grammar. It is immutable and safe
// for concurrent use; each generation matches it with its own Matcher.
type Grammar struct {
	rules []ruleDef
	prog  *program
}

// Parse reads a grammar in llama.cpp's GBNF format (see parse.go for the
// syntax) and compiles it. Errors are *SyntaxError with the line and
// column. Besides syntax, Parse rejects undefined rules, a missing root,
// a root that can never be completed, and left recursion (a rule that can
// reach itself before it matches a character), which would make matching
// endless.
func Parse(src string) (*Grammar, error) {
	rules, index, err := parseRules(src)
	if err != nil {
		return nil, err
	}
	prog, err := compile(src, rules, index)
	if err != nil {
		return nil, err
	}
	return &Grammar{rules: rules, prog: prog}, nil
}

// String returns the grammar as normalized GBNF, which Parse reads back to
// the same grammar.
func (g *Grammar) String() string { return formatRules(g.rules) }
