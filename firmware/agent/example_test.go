package agent_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/gosling-edge/gosling/firmware/agent"
)

// oneLiner is an Engine that answers every prompt the same way.
type oneLiner struct{ done chan struct{} }

func (e oneLiner) Answer(ctx context.Context, prompt string, out io.Writer) error {
	_, err := io.WriteString(out, "Why did the robot cross the road? It was programmed to.")
	e.done <- struct{}{}
	return err
}
func (oneLiner) Reset() error                { return nil }
func (oneLiner) Status() string              { return "one-liner" }
func (oneLiner) SaveState(path string) error { return nil }

func Example() {
	// On a board: the Engine is agent.NewModelEngine(model, …), the pins
	// come from board.OpenPin("GPIO17") and the console is a serial.Device.
	button := &gpiotest.Pin{N: "GPIO17", EdgesChan: make(chan gpio.Level)}
	led := &gpiotest.Pin{N: "GPIO23"}
	eng := oneLiner{done: make(chan struct{})}
	a, err := agent.New(agent.Options{
		Engine: eng, Board: "Raspberry Pi 5", Output: os.Stdout,
		Buttons: []agent.Button{{Name: "joke", Pin: button, Pull: gpio.PullUp, Edge: gpio.FallingEdge,
			Prompt: "Tell me a joke about {board}."}},
		BusyLED: led, Debounce: 50 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()

	button.EdgesChan <- gpio.Low // the button is pressed
	<-eng.done
	cancel() // as SIGTERM does: the agent finishes cleanly
	fmt.Println("run:", <-done, "LED:", led.Read())
	// Output:
	// [button joke] Tell me a joke about Raspberry Pi 5.
	// Why did the robot cross the road? It was programmed to.
	// run: <nil> LED: Low
}
