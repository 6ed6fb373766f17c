// Package grammar constrains generation to a grammar: it reads grammars in
// llama.cpp's GBNF format (Parse) or makes them from JSON schemas
// (FromJSONSchema), and at each step of a generation tells which tokens of
// the vocabulary keep the text inside the grammar (Matcher.Mask).
//
// Use: build the vocabulary's trie once per model, a Grammar once per
// grammar, and a Matcher per generation (or Reset one between
// generations, which keeps its caches warm):
//
//	v := grammar.NewVocab(tokens)           // tokens[id] = bytes of id; 0 is end-of-text
//	g, err := grammar.Parse(src)            // or grammar.CompileJSONSchema(schema)
//	m := g.NewMatcher()
//	mask := v.NewMask()
//	for {
//		m.Mask(v, mask)                 // the tokens that may come next
//		mask.Apply(logits)              // the others get -Inf, then sample as usual
//		id := sample(logits)
//		if err := m.AcceptToken(v, id); err != nil { ... }
//		if id == 0 { break }            // end-of-text: allowed only where m.Done()
//	}
//
// The matcher works on bytes, not characters: vocabulary tokens are byte
// strings and may end inside a UTF-8 character, so character classes are
// compiled into their UTF-8 byte sequences and a split character is simply
// a state in the middle of one (utf8.go).
//
// Its state is a set of pushdown stacks, as in llama.cpp, but the sets are
// interned and their transitions cached per byte class, which makes the
// grammar a lazily built DFA over stack sets (automaton.go). A mask is a
// depth-first walk of the vocabulary's byte trie that follows one cached
// transition per node and skips every subtree whose prefix the grammar
// rejects (Matcher documents the cost model).
//
// The package is a leaf: it depends on nothing else in the module, and the
// vocabulary comes in as byte strings.
package grammar
