package toolset_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/toolset"
)

// A gpio_write tool on a fake pin: its schema, a call, and a refusal.
func Example() {
	c, err := config.Parse([]byte(`
[[tool]]
name = "led"
kind = "gpio_write"
description = "Switch the status LED on or off."
pin = "led"   # the board's pin for an LED: GPIO24 on a Pi
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := board.ByID("pi4")
	if err := c.Validate(p); err != nil {
		fmt.Println(err)
		return
	}
	// On a board, open is board.OpenPin.
	led := &gpiotest.Pin{N: "GPIO24"}
	open := func(name string) (gpio.PinIO, error) {
		if name != led.N {
			return nil, fmt.Errorf("no pin %s", name)
		}
		return led, nil
	}
	// A log without times, so that the output below stays the same.
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
	tools, err := toolset.New(c.Tools, open, toolset.Options{Logger: log})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range tools.List() {
		fmt.Printf("%s: %s\n", t.Name, t.Schema)
	}

	out, err := tools.Call(context.Background(), "led", []byte(`{"value": "on"}`))
	fmt.Println(string(out), err, led.Read())

	_, err = tools.Call(context.Background(), "led", []byte(`{"value": "blink"}`))
	fmt.Println(err)
	// Output:
	// led: {"additionalProperties":false,"properties":{"value":{"description":"\"off\" sets the output low, \"on\" high","enum":["off","on"],"type":"string"}},"required":["value"],"type":"object"}
	// level=INFO msg="tool call" tool=led args="{\"value\": \"on\"}" result="{\"value\":\"on\"}" dry_run=false
	// {"value":"on"} <nil> High
	// level=WARN msg="tool call refused" tool=led args="{\"value\": \"blink\"}" error="led: invalid arguments: value: \"blink\": want one of \"off\", \"on\""
	// led: invalid arguments: value: "blink": want one of "off", "on"
}
