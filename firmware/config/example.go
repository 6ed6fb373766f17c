package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gosling-edge/gosling/firmware/board"
)

// Example is a complete, commented configuration for board p: every key
// with its default, and the board's default pins wired to two buttons, an
// abort button and a busy LED (commented out on a board without defaults).
// It parses and validates as it is. Its board key is "auto".
func Example(p board.Profile) string { return ExampleFor(p, "auto") }

// ExampleFor is Example with the board key set to setting: the profile
// named on the command line (--board pi4) is written as given, so that the
// file keeps meaning that board wherever it is used.
func ExampleFor(p board.Profile, setting string) string {
	d := Default()
	gpio := "#"
	if len(p.Buttons) >= 2 && p.Abort != "" && p.BusyLED != "" {
		gpio = ""
	}
	pins := func(s string) string {
		if s == "" {
			return "PIN"
		}
		return s
	}
	b0, b1 := "", ""
	if len(p.Buttons) >= 2 {
		b0, b1 = p.Buttons[0], p.Buttons[1]
	}
	var w strings.Builder
	fmt.Fprintf(&w, `# gosling agent configuration for %s.
# Every key is optional; the values shown are the defaults unless marked.

board = %-17q # auto (from /proc/device-tree/model) | %s

[model]
path = ""                 # GGUF file; "" = the demo model built into the binary
threads = 0               # 0 = one per core

[chat]
system = ""               # system prompt, fed before the first message
state_in = ""             # state file to start from (and /reset back to)
state_out = ""            # state file written at shutdown and by /save
max_tokens = %d           # per answer; 0 = until the reply ends
max_tool_calls = %-8d # with [[tool]]s: calls per prompt, then a plain answer
tool_choice = %-11q # with [[tool]]s, the first reply: auto | required | a tool's name
tool_template = %-9q # the calls' prompt format: g1 (fenced JSON) | hermes (<tool_call> tags)

# [chat.tool_format]         # overrides strings of tool_template, for other fine-tunes
# tools_intro = "Tools:\n"   # before the JSON array of tools in the system turn
# tools_outro = "\nReturn only a JSON function call."
# full_schema = false        # true: a tool's whole schema as its "arguments"
# call_open = %s      # opens a call and switches the grammar on
# call_start = "\n"          # between call_open and the JSON object
# call_close = %s       # after it; the reply ends there
# output_intro = "Function output:\n"  # before a call's result in a user turn
# output_outro = ""

[sampling]
temperature = %v
top_p = %v
top_k = %d
presence = %v
frequency = %v
penalty_decay = %v
seed = 0

[serial]
enabled = true
device = %q    # this board's header UART
baud = %d
echo = true               # echo typed characters back, as terminals expect
max_line = %d
retry = %q               # how often to look for an unplugged port

[output]
serial = true             # answers to button prompts on the serial port too
stdout = false            # answers on standard output (the journal under systemd)
file = ""                 # answers appended to this file

[queue]
busy = %q            # a prompt while busy: queue (up to size) or drop
size = %d

[gpio]
debounce = %q
%sbusy_led = %q       # on while an answer is generated (header pin 16)

%s[gpio.abort]            # stops the current answer (header pin 15)
%spin = %q
%spull = "up"               # up | down | none | keep
%sedge = "falling"          # falling (button to ground) | rising | both

# Buttons (header pins 11 and 13). Prompt placeholders: {date} {time} {board} {button}
%s[[gpio.button]]
%spin = %q
%sname = "joke"
%sprompt = "Tell me a one-line joke about {board}."

%s[[gpio.button]]
%spin = %q
%sname = "time"
%sprompt = "It is {time} on {date}. Suggest one thing to do now."
`, p.Name, setting, strings.Join(board.IDs(), " | "), d.Chat.MaxTokens, d.Chat.MaxToolCalls, d.Chat.ToolChoice,
		d.Chat.ToolTemplate, "\"```json\"", "\"\\n```\"",
		d.Sampling.Temperature, d.Sampling.TopP, d.Sampling.TopK, d.Sampling.Presence, d.Sampling.Frequency, d.Sampling.PenaltyDecay,
		p.Serial, d.Serial.Baud, d.Serial.MaxLine, d.Serial.Retry.String(),
		d.Queue.Busy, d.Queue.Size, d.GPIO.Debounce.String(),
		gpio, pins(p.BusyLED),
		gpio, gpio, pins(p.Abort), gpio, gpio,
		gpio, gpio, pins(b0), gpio, gpio,
		gpio, gpio, pins(b1), gpio, gpio)
	writeToolExample(&w, p, pins)
	return w.String()
}

// writeToolExample writes one commented-out [[tool]] of each kind, on the
// board's tool pins. They stay commented out: a tool drives whatever is
// wired to its pin, so the user turns each on knowingly. Uncommented (every
// line from the first "# [[tool]]" on loses its "# "), they validate.
func writeToolExample(w *strings.Builder, p board.Profile, pins func(string) string) {
	// Placeholders on a board without tool pins name the header position,
	// and differ, so that the block still validates uncommented.
	header := map[string]string{"led": "18", "relay": "22", "input": "29", "pwm": "32"}
	tp := func(role string) string {
		if pin := p.ToolPins[role]; pin != "" {
			return strconv.Quote(pin)
		}
		return strconv.Quote(pins("") + header[role])
	}
	fmt.Fprintf(w, `
# Tools: what the model may do. Only declared tools exist, and each touches
# only what it names here: the model picks among the values listed and
# nothing else. Every call is logged with its arguments and result; a rate
# limit applies per tool (per_minute, default %d; min_interval); with
# --dry-run, calls are logged and nothing acts. A pin is a GPIO name, or
# led | relay | input | pwm for this board's (header pins 18, 22, 29, 32).
# Uncomment a tool to give it to the model.
#
# [[tool]]
# name = "led"
# kind = "gpio_write"        # gpio_write | gpio_read | pwm | sensor | command
# description = "Switch the green LED on or off, or blink it with pulse_ms."
# pin = %-20s # header pin 18
# values = ["off", "on"]     # the model's words for low, then high
# max_pulse = "5s"           # lets the model pulse: set, wait pulse_ms, restore
#
# [[tool]]
# name = "fan"
# kind = "gpio_write"
# description = "Switch the greenhouse fan on or off."
# pin = %-20s # header pin 22, to a relay board
# min_interval = "10s"       # a relay should not chatter
#
# [[tool]]
# name = "soc_temperature"
# kind = "sensor"
# description = "Read the board's processor temperature."
# path = "/sys/class/thermal/thermal_zone0/temp"   # or a DS18B20's /sys/bus/w1/devices/28-…/w1_slave
# scale = 0.001              # the file holds millidegrees
# unit = "°C"
#
# [[tool]]
# name = "door"
# kind = "gpio_read"
# description = "Tell whether the greenhouse door is open."
# pin = %-20s # header pin 29, a switch to ground
# pull = "up"                # up | down | none | keep
# values = ["closed", "open"]   # for low, then high
#
# [[tool]]
# name = "fan_speed"
# kind = "pwm"
# description = "Set the speed of the 4-wire fan, in percent."
# pin = %-20s # header pin 32, a hardware PWM channel
# min_duty = 20              # percent; below it this fan stalls
# max_duty = 100
# frequency = "25kHz"
#
# [[tool]]
# name = "irrigation"
# kind = "command"
# description = "Start or stop watering, or ask whether it runs."
# argv = ["/usr/bin/systemctl", "{action}", "irrigation.service"]   # no shell
# timeout = "%s"
# max_output = %d
# [[tool.param]]
# name = "action"
# enum = ["start", "stop", "is-active"]
`, DefaultPerMinute, tp("led"), tp("relay"), tp("input"), tp("pwm"), DefaultTimeout, DefaultMaxOutput)
}
