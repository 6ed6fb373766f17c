package cli

import (
	"strings"
	"testing"
)

func TestParseArgsInterleaved(t *testing.T) {
	fs := (&Program{}).NewFlags("x")
	o := fs.String("o", "", "")
	q := fs.Bool("q", false, "")
	pos, err := fs.ParseAll([]string{"in.pth", "-o", "out", "more", "-q", "--", "-literal"})
	if err != nil {
		t.Fatal(err)
	}
	if *o != "out" || !*q || strings.Join(pos, "|") != "in.pth|more|-literal" {
		t.Errorf("o=%q q=%v pos=%q", *o, *q, pos)
	}
}

func TestGiven(t *testing.T) {
	for _, c := range []struct {
		values []string
		want   int
	}{{nil, 0}, {[]string{"", ""}, 0}, {[]string{"a", "", "b"}, 2}, {[]string{"", "x"}, 1}} {
		if got := Given(c.values...); got != c.want {
			t.Errorf("Given(%q) = %d, want %d", c.values, got, c.want)
		}
	}
}
