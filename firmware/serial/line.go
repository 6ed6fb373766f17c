package serial

import (
	"io"
	"unicode/utf8"
)

// EventKind says what LineReader.Next found.
type EventKind int

const (
	// Line is a complete line, without its terminator.
	Line EventKind = iota
	// TooLong is a line that grew past the maximum length; its bytes
	// were discarded up to its end.
	TooLong
	// Interrupt is Ctrl-C (0x03): the line typed so far is dropped.
	Interrupt
)

func (k EventKind) String() string {
	switch k {
	case Line:
		return "line"
	case TooLong:
		return "too long"
	case Interrupt:
		return "interrupt"
	}
	return "unknown"
}

// Event is one result of LineReader.Next. Text is valid until the next call.
type Event struct {
	Kind EventKind
	Text []byte
}

// Control bytes the line editor acts on.
const (
	ctrlC     = 0x03
	backspace = 0x08
	lf        = '\n'
	cr        = '\r'
	ctrlU     = 0x15
	esc       = 0x1b
	del       = 0x7f
	maxCSI    = 16 // longest escape sequence skipped; longer ones are noise
)

// LineReader is the serial console's line editor. It turns the raw bytes
// a terminal (or anything else) sends into lines:
//   - CR, LF and CRLF each end a line (CRLF counts once);
//   - backspace (0x08) and DEL (0x7f) delete the last character (a whole
//     UTF-8 sequence when the line ends with one);
//   - Ctrl-U clears the line, Ctrl-C clears it and reports Interrupt;
//   - other control bytes and terminal escape sequences (arrow keys) are
//     dropped; bytes ≥ 0x80 are kept as they are, valid UTF-8 or not;
//   - a line longer than max bytes is discarded up to its end and
//     reported as TooLong, so memory stays bounded whatever arrives.
//
// Typed bytes are echoed to the echo writer, if any, as a terminal in raw
// mode expects; echo write errors are ignored (the port's reads report a
// lost device).
type LineReader struct {
	r    io.Reader
	echo io.Writer
	max  int

	buf        [512]byte
	start, end int
	readErr    error

	line     []byte
	overflow bool
	afterCR  bool
	escState int // 0 none, 1 after ESC, 2 inside a CSI/SS3 sequence
	escLen   int
	echoBuf  []byte
}

// NewLineReader reads lines of at most max bytes (max < 1 means 1024)
// from r, echoing to echo if it is not nil.
func NewLineReader(r io.Reader, max int, echo io.Writer) *LineReader {
	if max < 1 {
		max = 1024
	}
	return &LineReader{r: r, echo: echo, max: max, line: make([]byte, 0, min(max, 256))}
}

// Max is the longest line accepted, in bytes.
func (l *LineReader) Max() int { return l.max }

// Next returns the next line or event. At the end of the input (or on a
// read error) it returns the error; a partial line is dropped then.
func (l *LineReader) Next() (Event, error) {
	for {
		for l.start < l.end {
			c := l.buf[l.start]
			l.start++
			if ev, ok := l.feed(c); ok {
				l.flushEcho()
				return ev, nil
			}
		}
		l.flushEcho()
		if l.readErr != nil {
			return Event{}, l.readErr
		}
		n, err := l.r.Read(l.buf[:])
		l.start, l.end = 0, n
		if err != nil {
			l.readErr = err
		}
	}
}

// feed processes one byte and returns an event when one is complete.
func (l *LineReader) feed(c byte) (Event, bool) {
	afterCR := l.afterCR
	l.afterCR = false
	if l.escState != 0 {
		if l.skipEscape(c) {
			return Event{}, false
		}
	}
	switch {
	case c == cr || c == lf:
		if c == lf && afterCR {
			return Event{}, false // the LF of a CRLF
		}
		l.afterCR = c == cr
		l.echoStr("\r\n")
		text := l.line
		l.line = l.line[:0]
		if l.overflow {
			l.overflow = false
			return Event{Kind: TooLong}, true
		}
		return Event{Kind: Line, Text: text}, true
	case c == backspace || c == del:
		if !l.overflow && len(l.line) > 0 {
			l.line = l.line[:len(l.line)-lastCharLen(l.line)]
			l.echoStr("\b \b")
		}
	case c == ctrlC:
		l.line, l.overflow = l.line[:0], false
		l.echoStr("^C\r\n")
		return Event{Kind: Interrupt}, true
	case c == ctrlU:
		if len(l.line) > 0 || l.overflow {
			l.echoStr("^U\r\n")
		}
		l.line, l.overflow = l.line[:0], false
	case c == esc:
		l.escState, l.escLen = 1, 0
	case c < 0x20 && c != '\t':
		// other control bytes mean nothing to a prompt
	default:
		if l.overflow {
			return Event{}, false
		}
		if len(l.line) >= l.max {
			l.overflow = true
			l.line = l.line[:0]
			return Event{}, false
		}
		l.line = append(l.line, c)
		if l.echo != nil {
			l.echoBuf = append(l.echoBuf, c)
		}
	}
	return Event{}, false
}

// skipEscape consumes c if it belongs to an escape sequence (ESC [ … final
// or ESC O final, as arrow and function keys send). A byte that cannot be
// part of one ends the sequence and is processed normally.
func (l *LineReader) skipEscape(c byte) bool {
	switch l.escState {
	case 1:
		if c == '[' || c == 'O' {
			l.escState = 2
			return true
		}
		l.escState = 0
		return c >= 0x20 && c < del // ESC x (Alt-x): drop x too
	case 2:
		l.escLen++
		switch {
		case c >= 0x40 && c <= 0x7e:
			l.escState = 0 // final byte
			return true
		case c >= 0x20 && c < 0x40 && l.escLen < maxCSI:
			return true // parameter or intermediate byte
		}
		l.escState = 0
	}
	return false
}

// lastCharLen is the length of the last character of b: a complete UTF-8
// sequence if b ends with one, else one byte.
func lastCharLen(b []byte) int {
	r, size := utf8.DecodeLastRune(b)
	if r == utf8.RuneError && size <= 1 {
		return 1
	}
	return size
}

func (l *LineReader) echoStr(s string) {
	if l.echo != nil {
		l.echoBuf = append(l.echoBuf, s...)
	}
}

func (l *LineReader) flushEcho() {
	if l.echo != nil && len(l.echoBuf) > 0 {
		l.echo.Write(l.echoBuf)
		l.echoBuf = l.echoBuf[:0]
	}
}
