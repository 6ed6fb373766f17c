// Package firmware is the board layer of gosling (DESIGN §9): everything that
// touches a small board's hardware, kept apart from the model.
//
//	board     which board this is (/proc/device-tree/model) and its default pins
//	serial    raw tty ports (termios), a port that comes back after an unplug,
//	          and the line editor of the serial console
//	buttons   GPIO buttons through periph.io: debouncing as a pin wrapper,
//	          press detection
//	config    the agent's TOML configuration, validated key by key
//	agent     the agent loop: prompts from serial lines and buttons, one
//	          answer at a time, busy LED, abort, clean shutdown
//	service   the systemd unit that runs the agent
//
// No model math lives here: the agent reaches the model through its small
// Engine interface.
package firmware
