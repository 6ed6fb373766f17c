// Package board knows the boards gosling runs on: it tells a Raspberry Pi 4,
// a Pi 5 and a Jetson Orin apart by /proc/device-tree/model, gives each a
// profile (the serial device on its 40-pin header, default pins for the
// buttons, abort and busy LED), and opens real GPIO pins by name through
// periph.io's host drivers.
//
// The default pins are the same header positions on every board — pins 11
// and 13 for buttons, 15 for abort, 16 for the LED — so one wiring moves
// from a Pi to a Jetson unchanged; only their GPIO names differ.
package board

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
)

// ModelPath is where Linux on a device-tree board names the board.
const ModelPath = "/proc/device-tree/model"

// Profile is what gosling knows about a kind of board.
type Profile struct {
	ID     string // pi4, pi5, jetson-orin, generic
	Name   string // for people
	Model  string // the device-tree model string it was detected from, if any
	Serial string // default serial device; "" if the board has none to suggest
	// Default pins, by periph.io pin name (gpioreg.ByName), for the
	// header positions in the package comment. Empty on a generic board.
	Buttons []string
	Abort   string
	BusyLED string
	// ToolPins are default pins for [[tool]] entries, by role, so that a
	// tool's pin can name its role and one configuration moves between
	// boards: led (header pin 18), relay (22), input (29) and pwm (32, a
	// hardware PWM channel on the Pi and the Orin). Nil on a generic board.
	ToolPins map[string]string
	Notes    string // what to do on this board before the agent works
}

// ToolRoles are the roles a profile's ToolPins name.
func ToolRoles() []string { return []string{"led", "relay", "input", "pwm"} }

// piToolPins are the same on the Pi 4 and Pi 5: header pins 18, 22, 29
// and 32 (GPIO12 is PWM0).
var piToolPins = map[string]string{"led": "GPIO24", "relay": "GPIO25", "input": "GPIO5", "pwm": "GPIO12"}

var profiles = []Profile{
	{
		ID: "pi4", Name: "Raspberry Pi 4",
		// /dev/serial0 is Raspberry Pi OS's stable name for the header
		// UART (pins 8/10), whichever of ttyS0/ttyAMA0 it is today.
		Serial:  "/dev/serial0",
		Buttons: []string{"GPIO17", "GPIO27"}, Abort: "GPIO22", BusyLED: "GPIO23",
		ToolPins: piToolPins,
		Notes:    "enable the header UART and turn its login console off (raspi-config: Interface Options → Serial Port: login shell no, hardware yes)",
	},
	{
		ID: "pi5", Name: "Raspberry Pi 5",
		Serial:  "/dev/serial0", // → ttyAMA0 on pins 8/10 with dtparam=uart0
		Buttons: []string{"GPIO17", "GPIO27"}, Abort: "GPIO22", BusyLED: "GPIO23",
		ToolPins: piToolPins,
		Notes:    "enable the header UART (dtparam=uart0 in /boot/firmware/config.txt) and turn its login console off",
	},
	{
		ID: "jetson-orin", Name: "NVIDIA Jetson Orin",
		// UART1 on header pins 8/10 of the Orin Nano and NX developer kits.
		Serial: "/dev/ttyTHS0",
		// Header pins 11/13/15/16 of the Orin Nano/NX developer kits, by
		// their tegra234 GPIO line names (as gpioinfo lists them).
		Buttons: []string{"PR.04", "PY.00"}, Abort: "PN.01", BusyLED: "PY.04",
		ToolPins: map[string]string{"led": "PY.03", "relay": "PY.01", "input": "PQ.05", "pwm": "PG.06"},
		Notes:    "configure the header pins as GPIO (jetson-io) and stop nvgetty on the header UART; pin names differ on the AGX Orin kit",
	},
}

// Generic is the profile of a board gosling does not know: no default pins,
// a USB serial adapter as the serial device.
var Generic = Profile{ID: "generic", Name: "unknown board", Serial: "/dev/ttyUSB0",
	Notes: "name every pin and the serial device in the configuration"}

// Detect reads the board model at path (ModelPath on a real system) and
// returns its profile. A missing or unreadable file, or a model gosling
// does not know, gives Generic with Model set to what was read: detection
// never fails, it falls back.
func Detect(path string) Profile {
	b, err := os.ReadFile(path)
	if err != nil {
		return Generic
	}
	return Match(string(bytes.TrimRight(b, "\x00\n ")))
}

// Match returns the profile for a device-tree model string.
func Match(model string) Profile {
	var p Profile
	switch m := strings.ToLower(model); {
	// The Pi 400 is a Pi 4 in a keyboard, the CM4 its module; likewise
	// the Pi 500 and CM5 for the Pi 5.
	case strings.HasPrefix(m, "raspberry pi 4"), strings.HasPrefix(m, "raspberry pi 400"),
		strings.HasPrefix(m, "raspberry pi compute module 4"):
		p = profiles[0]
	case strings.HasPrefix(m, "raspberry pi 5"), strings.HasPrefix(m, "raspberry pi 500"),
		strings.HasPrefix(m, "raspberry pi compute module 5"):
		p = profiles[1]
	case strings.Contains(m, "jetson") && strings.Contains(m, "orin"):
		p = profiles[2]
	default:
		p = Generic
	}
	p.Model = model
	return p.clone()
}

// clone gives the caller its own slices and maps, so that changing a
// returned profile cannot change the table.
func (p Profile) clone() Profile {
	p.Buttons = slices.Clone(p.Buttons)
	p.ToolPins = maps.Clone(p.ToolPins)
	return p
}

// ByID returns the profile with that ID, for a configuration that names
// its board instead of detecting it.
func ByID(id string) (Profile, error) {
	if id == Generic.ID {
		return Generic, nil
	}
	for _, p := range profiles {
		if p.ID == id {
			return p.clone(), nil
		}
	}
	return Profile{}, fmt.Errorf("board %q: want auto or one of %s", id, strings.Join(IDs(), ", "))
}

// IDs lists the known profile IDs.
func IDs() []string {
	ids := []string{Generic.ID}
	for _, p := range profiles {
		ids = append(ids, p.ID)
	}
	sort.Strings(ids)
	return ids
}

// Describe is one line for logs: the profile and the model it came from.
func (p Profile) Describe() string {
	if p.Model == "" {
		return p.Name
	}
	return fmt.Sprintf("%s (%q)", p.Name, p.Model)
}
