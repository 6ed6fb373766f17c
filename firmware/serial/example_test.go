package serial_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/gosling-edge/gosling/firmware/serial"
)

func ExampleLineReader() {
	// What a terminal sends: a typo fixed with backspace, CRLF line ends,
	// an arrow key, and a line over the limit.
	in := "helo\x7flo\r\n\x1b[Aworld\r\n" + strings.Repeat("x", 40) + "\r\n"
	lr := serial.NewLineReader(strings.NewReader(in), 32, nil)
	for {
		ev, err := lr.Next()
		if err == io.EOF {
			break
		}
		fmt.Printf("%s %q\n", ev.Kind, ev.Text)
	}
	// Output:
	// line "hello"
	// line "world"
	// too long ""
}

func ExampleDevice() {
	d := &serial.Device{Path: "/dev/serial/by-id/usb-FTDI_adapter-if00-port0", Baud: 115200,
		Retry: time.Second, Logf: log.Printf}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	// Serve reopens the port whenever it comes back, until ctx ends.
	err := d.Serve(ctx, func(ctx context.Context, p *serial.Port) error {
		_, err := p.Write([]byte("ready\r\n"))
		return err
	})
	fmt.Println(err)
	// Output: <nil>
}
