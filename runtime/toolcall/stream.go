package toolcall

import (
	"bytes"
	"encoding/json"
	"regexp"
	"unicode/utf8"
)

// Event is what a Stream makes of a piece of a reply: plain text, the name
// of the tool a call is for (once, as soon as it is known), or a fragment
// of the call's arguments. The fragments of one call join into its
// arguments' JSON text.
type Event struct {
	Content   string
	Name      string
	Arguments string
}

// Stream splits a reply into content and a call while it is generated, for
// a server that streams both (OpenAI's content and tool_calls deltas). It
// holds back text that may be the start of CallOpen, and white space that
// may turn out to precede it. It relies on the call's shape that the
// grammar guarantees ("name" first); a call of another shape is not
// streamed (Calling stays true, no events), and Template.Parse still
// reads the whole reply. A Stream is for one reply.
type Stream struct {
	t     *Template
	state int
	buf   []byte

	depth         int
	inStr, escape bool
	started       bool
}

const (
	streamContent = iota
	streamHead
	streamArgs
	streamDone
)

// NewStream starts splitting a reply. With opened set the reply begins
// inside a call (a forced call, whose CallOpen was in the prompt).
func (t *Template) NewStream(opened bool) *Stream {
	s := &Stream{t: t}
	if opened {
		s.state = streamHead
	}
	return s
}

// Calling reports whether a call has opened.
func (s *Stream) Calling() bool { return s.state != streamContent }

// maxHead bounds the text held while waiting for a call's name.
const maxHead = 4096

var callHead = regexp.MustCompile(`^\s*\{\s*"name"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"arguments"\s*:\s*`)

// Write takes the next piece of the reply and returns what it adds.
func (s *Stream) Write(p []byte) []Event {
	var ev []Event
	s.buf = append(s.buf, p...)
	for {
		switch s.state {
		case streamContent:
			open := []byte(s.t.CallOpen)
			if i := bytes.Index(s.buf, open); i >= 0 {
				if c := bytes.TrimRight(s.buf[:i], " \t\n"); len(c) > 0 {
					ev = append(ev, Event{Content: string(c)})
				}
				s.buf = append(s.buf[:0], s.buf[i+len(open):]...)
				s.state = streamHead
				continue
			}
			cut := len(s.buf) - partialSuffix(s.buf, open)
			for cut > 0 && (s.buf[cut-1] == ' ' || s.buf[cut-1] == '\t' || s.buf[cut-1] == '\n') {
				cut--
			}
			for cut > 0 && cut < len(s.buf) && !utf8.RuneStart(s.buf[cut]) {
				cut--
			}
			if cut > 0 {
				ev = append(ev, Event{Content: string(s.buf[:cut])})
				s.buf = append(s.buf[:0], s.buf[cut:]...)
			}
			return ev
		case streamHead:
			m := callHead.FindSubmatchIndex(s.buf)
			if m == nil {
				if len(s.buf) > maxHead {
					s.state, s.buf = streamDone, nil
				}
				return ev
			}
			var name string
			if json.Unmarshal(s.buf[m[2]:m[3]], &name) != nil {
				s.state, s.buf = streamDone, nil
				return ev
			}
			ev = append(ev, Event{Name: name})
			s.buf = append(s.buf[:0], s.buf[m[1]:]...)
			s.state = streamArgs
		case streamArgs:
			b := s.buf
			if !s.started {
				b = bytes.TrimLeft(b, " \t\n\r") // before the value
			}
			n, end := s.scan(b)
			if n > 0 {
				ev = append(ev, Event{Arguments: string(b[:n])})
			}
			s.buf = s.buf[:0]
			if end {
				s.state = streamDone
			}
			return ev
		default:
			s.buf = s.buf[:0]
			return ev
		}
	}
}

// Close ends the reply: content held back is let out (a reply that ended
// on white space or on a partial CallOpen).
func (s *Stream) Close() []Event {
	if s.state == streamContent && len(bytes.TrimSpace(s.buf)) > 0 {
		c := string(bytes.TrimRight(s.buf, " \t\n"))
		s.buf = nil
		return []Event{{Content: c}}
	}
	return nil
}

// scan follows the arguments' JSON value through b: how many bytes of b
// belong to it, and whether it ended.
func (s *Stream) scan(b []byte) (int, bool) {
	for i, c := range b {
		switch {
		case s.inStr:
			switch {
			case s.escape:
				s.escape = false
			case c == '\\':
				s.escape = true
			case c == '"':
				s.inStr = false
				if s.depth == 0 {
					return i + 1, true
				}
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if s.started && s.depth == 0 {
				return i, true // the end of a number or literal
			}
		case c == '"':
			s.started, s.inStr = true, true
		case c == '{' || c == '[':
			s.started = true
			s.depth++
		case c == '}' || c == ']' || c == ',':
			if s.depth == 0 {
				return i, true // after a number or literal: the call's own '}'
			}
			if c != ',' {
				s.depth--
				if s.depth == 0 {
					return i + 1, true
				}
			}
		default:
			s.started = true
		}
	}
	return len(b), false
}

// partialSuffix is the length of the longest end of b that is a proper
// start of open.
func partialSuffix(b, open []byte) int {
	for n := min(len(b), len(open)-1); n > 0; n-- {
		if bytes.HasSuffix(b, open[:n]) {
			return n
		}
	}
	return 0
}
