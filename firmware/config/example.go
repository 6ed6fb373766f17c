package config

import (
	"fmt"
	"strings"

	"github.com/gosling-edge/gosling/firmware/board"
)

// Example is a complete, commented configuration for board p: every key
// with its default, and the board's default pins wired to two buttons, an
// abort button and a busy LED (commented out on a board without defaults).
// It parses and validates as it is.
func Example(p board.Profile) string {
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

board = "auto"            # auto (from /proc/device-tree/model) | %s

[model]
path = ""                 # GGUF file; "" = the demo model built into the binary
threads = 0               # 0 = one per core

[chat]
system = ""               # system prompt, fed before the first message
state_in = ""             # state file to start from (and /reset back to)
state_out = ""            # state file written at shutdown and by /save
max_tokens = %d           # per answer; 0 = until the reply ends

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
`, p.Name, strings.Join(board.IDs(), " | "), d.Chat.MaxTokens,
		d.Sampling.Temperature, d.Sampling.TopP, d.Sampling.TopK, d.Sampling.Presence, d.Sampling.Frequency, d.Sampling.PenaltyDecay,
		p.Serial, d.Serial.Baud, d.Serial.MaxLine, d.Serial.Retry.String(),
		d.Queue.Busy, d.Queue.Size, d.GPIO.Debounce.String(),
		gpio, pins(p.BusyLED),
		gpio, gpio, pins(p.Abort), gpio, gpio,
		gpio, gpio, pins(b0), gpio, gpio,
		gpio, gpio, pins(b1), gpio, gpio)
	return w.String()
}
