package config_test

import (
	"fmt"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
)

func ExampleParse() {
	c, err := config.Parse([]byte(`
[serial]
baud = 9600
[[gpio.button]]
prompt = "What can I cook in {time}?"
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Validation fills the board's defaults: its serial device, its pins.
	p, _ := board.ByID("pi4")
	if err := c.Validate(p); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Serial.Device, c.Serial.Baud, c.GPIO.Buttons[0].Pin.Pin, c.GPIO.Buttons[0].Edge)

	_, err = config.Parse([]byte("[serial]\nspeed = 9600\n"))
	fmt.Println(err)
	// Output:
	// /dev/serial0 9600 GPIO17 falling
	// serial.speed: unknown key
}
