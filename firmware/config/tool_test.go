package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
)

// uncommentTools is the example with its [[tool]] block uncommented, as a
// user would: every line from the first "# [[tool]]" on loses its "# ".
func uncommentTools(t *testing.T, example string) string {
	i := strings.Index(example, "# [[tool]]")
	if i < 0 {
		t.Fatal("the example has no commented [[tool]]")
	}
	lines := strings.Split(example[i:], "\n")
	for j, l := range lines {
		switch {
		case l == "" || l == "#":
			lines[j] = ""
		case strings.HasPrefix(l, "# "):
			lines[j] = l[2:]
		default:
			t.Fatalf("line %q in the tool block is not commented", l)
		}
	}
	return example[:i] + strings.Join(lines, "\n")
}

// The example's tools, uncommented, validate on every board: one of each
// kind, on the board's tool pins.
func TestExampleTools(t *testing.T) {
	for _, id := range board.IDs() {
		p, _ := board.ByID(id)
		c, err := config.Parse([]byte(uncommentTools(t, config.Example(p))))
		if err == nil {
			err = c.Validate(p)
		}
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		var kinds []string
		pins := map[string]string{}
		for _, tool := range c.Tools {
			kinds = append(kinds, tool.Kind)
			pins[tool.Name] = tool.Pin
		}
		if got := strings.Join(kinds, " "); got != "gpio_write gpio_write sensor gpio_read pwm command" {
			t.Errorf("%s: kinds %s", id, got)
		}
		if id != "generic" && (pins["led"] != p.ToolPins["led"] || pins["fan"] != p.ToolPins["relay"] ||
			pins["door"] != p.ToolPins["input"] || pins["fan_speed"] != p.ToolPins["pwm"]) {
			t.Errorf("%s: pins %v, board's %v", id, pins, p.ToolPins)
		}
	}
}

// Validate writes every default in, resolves pin roles, and a second
// Validate accepts what the first left.
func TestToolDefaults(t *testing.T) {
	c, err := config.Parse([]byte(`
[[tool]]
name = "led"
kind = "gpio_write"
description = "LED."
pin = "led"
[[tool]]
name = "door"
kind = "gpio_read"
description = "Door."
pin = "GPIO6"
[[tool]]
name = "fan"
kind = "pwm"
description = "Fan."
pin = "pwm"
frequency = "25kHz"
[[tool]]
name = "soil"
kind = "sensor"
description = "Soil."
path = "/sys/bus/w1/devices/28-0316a2795eff/w1_slave"
[[tool]]
name = "up"
kind = "command"
description = "Uptime."
argv = ["/usr/bin/uptime"]
`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := board.ByID("pi5")
	if err := c.Validate(p); err != nil {
		t.Fatal(err)
	}
	led, door, fan, soil, up := c.Tools[0], c.Tools[1], c.Tools[2], c.Tools[3], c.Tools[4]
	for _, tc := range []struct{ got, want string }{
		{led.Pin, "GPIO24"},
		{fmt.Sprint(led.Values...), fmt.Sprint("off", "on")},
		{fmt.Sprint(door.Values...), fmt.Sprint("low", "high")},
		{door.Pull, "keep"},
		{fan.Pin, "GPIO12"},
		{fmt.Sprint(fan.MinDuty, *fan.MaxDuty), "0 100"},
		{soil.Format, "w1_slave"},
		{fmt.Sprint(*soil.Scale), "1"},
		{up.Timeout.String(), "10s"},
		{fmt.Sprint(up.MaxOutput), "1024"},
		{fmt.Sprint(led.PerMinute, up.PerMinute), "30 30"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
	if err := c.Validate(p); err != nil {
		t.Errorf("validated twice: %v", err)
	}
}

func TestToolErrors(t *testing.T) {
	const w = "[[tool]]\nname = \"led\"\ndescription = \"LED.\"\nkind = \"gpio_write\"\npin = \"GPIO24\"\n"
	const cmd = "[[tool]]\nname = \"c\"\ndescription = \"C.\"\nkind = \"command\"\n"
	checkRejected(t, []rejected{
		{"[[tool]]\nkind = \"blink\"", []string{"tool[0].name: missing", "tool[0].description: missing", "tool[0].kind: \"blink\": want one of gpio_write, gpio_read"}},
		{"[[tool]]\nname = \"a b\"\ndescription = \"x\"\nkind = \"sensor\"\npath = \"/x\"", []string{"tool[0].name: \"a b\""}},
		{w + w, []string{"tool[1].name: \"led\" is already the name of tool[0]", "tool[1].pin: pin GPIO24 is already used by tool[0].pin"}},
		{w + "colour = \"red\"", []string{"tool.colour: unknown key"}},
		{w + "path = \"/x\"\nargv = [\"/bin/true\"]", []string{"tool[0].path: not a setting of kind gpio_write (it is one of sensor)", "tool[0].argv: not a setting"}},
		{w + "values = [\"off\", \"on\", \"blink\"]", []string{"tool[0].values: 3 values: want two"}},
		{w + "values = [0, \"on\"]", []string{"tool[0].values: 0 and \"on\": want two of one type"}},
		{w + "values = [\"on\", \"on\"]", []string{"tool[0].values: \"on\" twice"}},
		{w + "values = [0.5, 1.5]", []string{"tool[0].values: 0.5 (float64): want strings, integers or booleans"}},
		{w + "values = [\"\", \"on\"]", []string{"tool[0].values: an empty string"}},
		{w + "pulse = \"2s\"\nmax_pulse = \"1s\"", []string{"tool[0].pulse: 2s: longer than max_pulse (1s)"}},
		{w + "max_pulse = \"2m\"", []string{"tool[0].max_pulse: 2m0s: want 1ms to 1m0s"}},
		{w + "per_minute = -1\nmin_interval = \"2h\"", []string{"tool[0].per_minute: -1", "tool[0].min_interval: 2h0m0s"}},
		{strings.Replace(w, "GPIO24", "GPIO17", 1) + "[[gpio.button]]\nprompt = \"x\"", []string{"tool[0].pin: pin GPIO17 is already used by gpio.button[0]"}},
		{strings.Replace(w, "pin = \"GPIO24\"\n", "", 1), []string{"tool[0].pin: missing"}},
		{"[[tool]]\nname = \"d\"\ndescription = \"D.\"\nkind = \"gpio_read\"\npin = \"GPIO5\"\npull = \"sideways\"", []string{"tool[0].pull: pull \"sideways\""}},
		{"[[tool]]\nname = \"f\"\ndescription = \"F.\"\nkind = \"pwm\"\npin = \"GPIO12\"\nmin_duty = 60\nmax_duty = 40", []string{"tool[0].max_duty: 40: below min_duty (60)", "tool[0].frequency: missing"}},
		{"[[tool]]\nname = \"f\"\ndescription = \"F.\"\nkind = \"pwm\"\npin = \"GPIO12\"\nmax_duty = 101\nfrequency = \"fast\"", []string{"tool[0].max_duty: 101", "tool[0].frequency: \"fast\""}},
		{"[[tool]]\nname = \"f\"\ndescription = \"F.\"\nkind = \"pwm\"\npin = \"GPIO12\"\nfrequency = \"1GHz\"", []string{"tool[0].frequency: \"1GHz\": want 1Hz to 100MHz"}},
		{"[[tool]]\nname = \"s\"\ndescription = \"S.\"\nkind = \"sensor\"\npath = \"temp\"\nscale = 0\nformat = \"csv\"", []string{"tool[0].path: \"temp\": want an absolute path", "tool[0].scale: 0", "tool[0].format: \"csv\""}},
		{"[[tool]]\nname = \"s\"\ndescription = \"S.\"\nkind = \"sensor\"", []string{"tool[0].path: missing"}},
		{cmd, []string{"tool[0].argv: missing"}},
		{cmd + "argv = [\"systemctl\", \"status\"]\ntimeout = \"1h\"\nmax_output = -1", []string{"tool[0].argv: \"systemctl\": want the program as an absolute path", "tool[0].timeout: 1h0m0s", "tool[0].max_output: -1"}},
		{cmd + "argv = [\"/bin/{p}\"]\n[[tool.param]]\nname = \"p\"\nenum = [\"sh\"]", []string{"tool[0].argv: {p} in the program"}},
		{cmd + "argv = [\"/bin/echo\", \"{q}\"]\n[[tool.param]]\nname = \"p\"\nenum = [\"x\"]", []string{"tool[0].param[0].name: \"p\": no {p} in argv"}},
		{cmd + "argv = [\"/bin/echo\", \"{p}\"]\n[[tool.param]]\nname = \"p\"\n[[tool.param]]\nname = \"p\"\nenum = [\"x\", \"x\", \"\"]",
			[]string{"tool[0].param[0].enum: missing", "tool[0].param[1].name: \"p\" twice", "tool[0].param[1].enum: \"x\" twice", "tool[0].param[1].enum: an empty string"}},
	})
}

// A pin role on a board without tool pins is an error that says so.
func TestToolPinRoleOnGenericBoard(t *testing.T) {
	c, err := config.Parse([]byte("[[tool]]\nname = \"led\"\ndescription = \"LED.\"\nkind = \"gpio_write\"\npin = \"led\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(board.Generic); err == nil || !strings.Contains(err.Error(), `tool[0].pin: "led": the unknown board has no default pin for it`) {
		t.Errorf("role on a generic board: %v", err)
	}
}
