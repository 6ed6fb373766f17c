package buttons_test

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/gosling-edge/gosling/firmware/buttons"
)

func ExampleButton_Watch() {
	// A fake pin; on a board this is gpioreg.ByName("GPIO17").
	pin := &gpiotest.Pin{N: "GPIO17", EdgesChan: make(chan gpio.Level)}
	b := buttons.Button{
		Pin:  buttons.Debounce(pin, 30*time.Millisecond, nil),
		Pull: gpio.PullUp, Edge: gpio.FallingEdge, // button to ground
	}
	if err := b.Setup(); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	pressed := make(chan struct{}, 10)
	go b.Watch(ctx, func() { pressed <- struct{}{} })

	pin.EdgesChan <- gpio.Low // the contact closes…
	<-pressed
	fmt.Println("pressed")
	pin.EdgesChan <- gpio.High // …bounces open and shut within 30 ms
	pin.EdgesChan <- gpio.Low
	cancel()
	// Output: pressed
}
