package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal (progress is shown only there).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ByteProgress returns a progress callback for long byte-counted work: a
// bar on a terminal, nothing when the output is piped.
func ByteProgress(w io.Writer, what string) func(done, total uint64) {
	return newProgress[uint64](w, what, 0, progressbar.OptionShowBytes(true))
}

// CountProgress is ByteProgress for counted items (prompt tokens); short
// prompts (under 64 tokens) need no bar.
func CountProgress(w io.Writer, what string) func(done, total int) {
	return newProgress(w, what, 64, progressbar.OptionShowCount())
}

// StageProgress reports work done in stages on one line of a terminal
// ("stage done/total"), and clear erases the line. Off a terminal report
// is nil and clear does nothing.
func StageProgress(w io.Writer) (report func(stage string, done, total int), clear func()) {
	if !IsTerminal(w) {
		return nil, func() {}
	}
	return func(stage string, done, total int) { fmt.Fprintf(w, "\r\033[K%s %d/%d", stage, done, total) },
		func() { fmt.Fprint(w, "\r\033[K") }
}

func newProgress[N int | uint64](w io.Writer, what string, minTotal N, unit progressbar.Option) func(done, total N) {
	if !IsTerminal(w) {
		return nil
	}
	var bar *progressbar.ProgressBar
	return func(done, total N) {
		if total < minTotal {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions64(int64(total), progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
				unit, progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100e6))
		}
		bar.Set64(int64(done))
		if done >= total {
			bar.Finish()
		}
	}
}

// WriteJSON writes v indented, for --json.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
