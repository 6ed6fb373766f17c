package serve

import (
	"slices"

	"github.com/gosling-edge/gosling/runtime"
)

// promptCache keeps the states of recently processed token sequences, so a
// request that extends one (the next turn of a chat, the same system
// prompt) only processes what is new. A recurrent model's whole past fits
// in its fixed-size state, so one entry is a State plus the logits after
// its last token, whatever the length of the prefix.
//
// It is bounded by entry count and evicts the least recently used. Lookup
// scans every entry: with tens of entries and prefix comparisons that stop
// at the first difference, this costs microseconds against milliseconds
// per token.
type promptCache struct {
	max     int
	entries []*cacheEntry
	clock   uint64
}

type cacheEntry struct {
	tokens []int32
	state  *runtime.State
	logits []float32
	used   uint64
}

func newPromptCache(max int) *promptCache { return &promptCache{max: max} }

// lookup returns the entry with the longest token sequence that is a
// prefix of tokens (equal included), or nil.
func (c *promptCache) lookup(tokens []int32) *cacheEntry {
	var best *cacheEntry
	for _, e := range c.entries {
		if len(e.tokens) <= len(tokens) && (best == nil || len(e.tokens) > len(best.tokens)) &&
			slices.Equal(e.tokens, tokens[:len(e.tokens)]) {
			best = e
		}
	}
	if best != nil {
		c.clock++
		best.used = c.clock
	}
	return best
}

// store keeps a copy of the state reached after tokens and the logits
// after the last one, replacing an entry for the same tokens and evicting
// the least recently used entry when full.
func (c *promptCache) store(tokens []int32, s *runtime.State, logits []float32) {
	if c.max <= 0 || len(tokens) == 0 || logits == nil {
		return
	}
	c.clock++
	for _, e := range c.entries {
		if slices.Equal(e.tokens, tokens) {
			e.state.CopyFrom(s)
			copy(e.logits, logits)
			e.used = c.clock
			return
		}
	}
	e := &cacheEntry{tokens: slices.Clone(tokens), logits: slices.Clone(logits), used: c.clock}
	if len(c.entries) >= c.max {
		// Reuse the least recently used entry's buffers.
		oldest := 0
		for i, o := range c.entries {
			if o.used < c.entries[oldest].used {
				oldest = i
			}
		}
		old := c.entries[oldest]
		old.state.CopyFrom(s)
		e.state = old.state
		c.entries[oldest] = e
		return
	}
	e.state = s.Clone()
	c.entries = append(c.entries, e)
}

// bytes is the memory the entries hold.
func (c *promptCache) bytes() int64 {
	var n int64
	for _, e := range c.entries {
		n += int64(e.state.Bytes()) + 4*int64(len(e.logits)) + 4*int64(len(e.tokens))
	}
	return n
}
