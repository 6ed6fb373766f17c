package toolcall

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzStream: however a reply is cut into pieces, the stream gives the
// text before a call (less trailing white space) as content, the call's
// name once, and arguments that join into the call's; a reply without a
// call is all content. Parse reads the same call back.
func FuzzStream(f *testing.F) {
	f.Add("Let me check.", "set_relay", `{"on":true,"s":"a}\"]"}`, uint8(1))
	f.Add("", "x", `{}`, uint8(3))
	f.Add("no call ``` here ``", "", "", uint8(2))
	f.Add(" \n", "n", `{"a":[1,{"b":[]}],"c":-1.5e3}`, uint8(7))
	f.Fuzz(func(t *testing.T, prefix, name, args string, n uint8) {
		if strings.Contains(prefix, G1.CallOpen) || !utf8.ValidString(name) || !utf8.ValidString(args) {
			return // JSON would carry invalid UTF-8 as U+FFFD
		}
		size := int(n%16) + 1
		text := prefix
		var want Call
		withCall := name != "" && json.Valid([]byte(args)) && strings.HasPrefix(strings.TrimSpace(args), "{")
		if withCall {
			want = Call{Name: name, Arguments: json.RawMessage(args)}
			call, err := G1.CallText(want)
			if err != nil {
				t.Fatal(err)
			}
			text += " " + call
		}
		content, names, got := splitAll(text, size, false)
		if content != strings.TrimRight(prefix, " \t\n") {
			t.Fatalf("content %q of %q", content, text)
		}
		if !withCall {
			if len(names) != 0 || got != "" {
				t.Fatalf("a call in %q: %q %q", text, names, got)
			}
			return
		}
		var compact bytes.Buffer
		json.Compact(&compact, []byte(args))
		if len(names) != 1 || names[0] != name || got != compact.String() {
			t.Fatalf("%q in pieces of %d: names %q, args %q", text, size, names, got)
		}
		_, callText, ok := G1.Find(text)
		c, err := G1.Parse(callText)
		if !ok || err != nil || c.Name != name || string(c.Arguments) != compact.String() {
			t.Fatalf("parse %q: %+v %v", callText, c, err)
		}
	})
}
