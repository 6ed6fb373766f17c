// Package scripted makes a model write given text, for tests of what
// happens around generation (tool calls that open by themselves, lazy
// grammars): while a reply has not yet produced its script, the token that
// spells the longest next piece of it gets a large bonus; after that the
// model's own logits (and any grammar) decide. A reply starts at the first
// prefill after a step; replies past the last script are not biased. It
// records the text of every prefill, so that a test can see what the model
// was fed.
//
// Test code only: a Script sits inside a Stepper or Backend wrapper of the
// test's own, which calls Prefilled and Stepped with each result.
package scripted

import "strings"

// Script is the state of one scripted conversation.
type Script struct {
	Tok     interface{ Token(int) []byte }
	Scripts []string // one per reply
	Fed     []byte   // every prefill's text

	reply   int    // index of the current reply's script
	out     []byte // the current reply so far
	stepped bool   // a step since the last prefill
}

// Prefilled records a prefill of tokens and biases its logits.
func (s *Script) Prefilled(tokens []int32, logits []float32) []float32 {
	if s.stepped {
		s.reply++
		s.out, s.stepped = s.out[:0], false
	}
	for _, t := range tokens {
		s.Fed = append(s.Fed, s.Tok.Token(int(t))...)
	}
	return s.bias(logits)
}

// Stepped records a step on token and biases its logits.
func (s *Script) Stepped(token int, logits []float32) []float32 {
	s.stepped = true
	s.out = append(s.out, s.Tok.Token(token)...)
	return s.bias(logits)
}

func (s *Script) bias(logits []float32) []float32 {
	if s.reply >= len(s.Scripts) || logits == nil {
		return logits
	}
	rem, ok := strings.CutPrefix(s.Scripts[s.reply], string(s.out))
	if !ok || rem == "" {
		return logits
	}
	best, n := -1, 0
	for id := range logits {
		if b := s.Tok.Token(id); len(b) > n && strings.HasPrefix(rem, string(b)) {
			best, n = id, len(b)
		}
	}
	if best >= 0 {
		logits[best] += 1e4
	}
	return logits
}
