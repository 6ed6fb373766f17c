package toolcall

import (
	"encoding/json"
	"strings"
	"testing"
)

// splitAll feeds text to a stream in pieces of n bytes and joins the
// events: content, names, and arguments.
func splitAll(text string, n int, opened bool) (content string, names []string, args string) {
	s := G1.NewStream(opened)
	take := func(ev []Event) {
		for _, e := range ev {
			content += e.Content
			if e.Name != "" {
				names = append(names, e.Name)
			}
			args += e.Arguments
		}
	}
	for i := 0; i < len(text); i += n {
		take(s.Write([]byte(text[i:min(i+n, len(text))])))
	}
	take(s.Close())
	return
}

// TestStream: whatever the piece sizes, content comes out without the call,
// the name once, and the argument fragments join into the arguments' JSON.
func TestStream(t *testing.T) {
	cases := []struct {
		text, content, name, args string
		opened                    bool
	}{
		{"Hello `world`, no call ``` here.  ", "Hello `world`, no call ``` here.", "", "", false},
		{" Checking.\n```json\n{\"name\": \"set_relay\", \"arguments\": {\"on\": true, \"s\": \"a}\\\"]\"}}\n```", " Checking.", "set_relay", `{"on": true, "s": "a}\"]"}`, false},
		{"```json\n{\"name\":\"x\",\"arguments\":{\"a\":[1,{\"b\":[]}]}}\n```", "", "x", `{"a":[1,{"b":[]}]}`, false},
		{"\n{\"name\":\"x\",\"arguments\":{}}\n```", "", "x", `{}`, true},
		{"\n{\"name\":\"x\",\"arguments\":12}\n```", "", "x", `12`, true},
		{"\n{\"name\":\"x\",\"arguments\":\"s\"}\n```", "", "x", `"s"`, true},
	}
	for _, c := range cases {
		for n := 1; n <= len(c.text); n++ {
			content, names, args := splitAll(c.text, n, c.opened)
			if content != c.content || args != c.args || (c.name == "") != (len(names) == 0) || len(names) > 1 || len(names) == 1 && names[0] != c.name {
				t.Fatalf("%q in pieces of %d: content %q, names %q, args %q", c.text, n, content, names, args)
			}
			if c.args != "" && !json.Valid([]byte(args)) {
				t.Fatalf("arguments %q are not JSON", args)
			}
		}
	}
	// Content is let out as it comes, except a possible start of the fence.
	s := G1.NewStream(false)
	ev := s.Write([]byte("Sure thing ``"))
	if len(ev) != 1 || ev[0].Content != "Sure thing" || s.Calling() {
		t.Fatalf("events %+v", ev)
	}
	if ev = s.Write([]byte("`json")); len(ev) != 0 || !s.Calling() {
		t.Fatalf("events %+v, calling %v", ev, s.Calling())
	}
	if strings.Contains(G1.CallOpen, " ") {
		t.Fatal("CallOpen with a space")
	}
}
