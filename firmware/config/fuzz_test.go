package config_test

import (
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
)

// FuzzParse: any bytes give a configuration or an error, never a panic;
// every error line names a key or a line.
func FuzzParse(f *testing.F) {
	p, _ := board.ByID("pi4")
	f.Add(config.Example(p))
	f.Add("[[gpio.button]]\npin = \"GPIO5\"\nprompt = \"{time}\"\n[gpio.abort]\npin=\"default\"")
	f.Add("[serial]\nbaud = 9600\nretry = \"1s\"\nmax_line = 99999999999")
	f.Add("board = 3\n[model]\npath = [1, 2]")
	f.Add("[[tool]]\nname = \"led\"\nkind = \"gpio_write\"\ndescription = \"d\"\npin = \"led\"\nvalues = [0, 1]\nmax_pulse = \"1s\"\n" +
		"[[tool]]\nname = \"c\"\nkind = \"command\"\ndescription = \"d\"\nargv = [\"/bin/echo\", \"{p}\"]\n[[tool.param]]\nname = \"p\"\nenum = [\"a\"]")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := config.Parse([]byte(in))
		if err == nil {
			err = c.Validate(p)
		}
		if err == nil {
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.Contains(line, ":") {
				t.Fatalf("error line %q names no key", line)
			}
		}
	})
}
