// Package firmware is the board layer of gosling: everything that touches a
// small board's hardware, kept apart from the model. This package holds no
// code; its packages, from the hardware up:
//
//	board     which board this is (/proc/device-tree/model), its profile
//	          (serial device, default pins), real pins by name
//	serial    raw tty ports (termios), a port that comes back after an unplug,
//	          and the line editor of the serial console
//	buttons   GPIO buttons through periph.io: debouncing as a pin wrapper,
//	          press detection
//	config    the agent's TOML configuration, validated key by key, with the
//	          defaults of the board's profile
//	toolset   the [[tool]] entries as actions a model may call: GPIO, PWM,
//	          sensor files, fixed commands; argument checks against each
//	          tool's JSON Schema, rate limits, a log of every call, dry run
//	agent     the agent loop: prompts from serial lines and buttons, one
//	          answer at a time, busy LED, abort, clean shutdown; with tools,
//	          every prompt runs through runtime/toolcall's call loop from a
//	          cached base state
//	service   the systemd unit that runs the agent
//
// # Layering
//
// Each package imports only packages listed before it: board, serial and
// buttons none of firmware's, config those three, toolset buttons and
// config, agent buttons, config, serial and toolset; service stands alone.
// Only agent reaches the model, through its small Engine interface (answer a
// prompt, reset, status, save the state): ModelEngine wraps a runtime chat,
// ToolEngine runtime/toolcall's loop with the toolset as its executor. The agent command
// of cmd/gosling does the wiring: it detects the board, reads the
// configuration, opens the pins and the serial device, loads the model and
// runs the agent.
//
// # Invariants
//
//   - No model math lives here.
//   - Hardware is reached through small interfaces: periph.io's gpio.PinIn
//     and gpio.PinOut for pins, a tty path for the serial side. Tests run
//     every package without a board, on gpiotest pins and pseudo-terminals
//     (serial/serialtest).
//   - One answer at a time: a prompt that arrives meanwhile waits in a
//     bounded queue or is refused, as configured. An abort cuts the answer
//     and leaves the conversation usable.
//   - A serial adapter that disappears is reopened when it comes back.
//   - A model acts only through the declared tools, each bound to its pin,
//     file or argv by the configuration; every call's arguments are checked
//     against the tool's schema, whatever produced them, and logged.
//   - Shutdown (SIGTERM, SIGINT) is clean: the answer is cut, the state is
//     saved if configured, the busy LED is turned off and every pin released.
package firmware
