package board_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gosling-edge/gosling/firmware/board"
)

func ExampleDetect() {
	// On a board: board.Detect(board.ModelPath).
	path := filepath.Join(os.TempDir(), "gosling-example-model")
	os.WriteFile(path, []byte("Raspberry Pi 5 Model B Rev 1.0\x00"), 0o644)
	defer os.Remove(path)
	p := board.Detect(path)
	fmt.Println(p.ID, p.Serial, p.Buttons, p.Abort, p.BusyLED)
	// Output: pi5 /dev/serial0 [GPIO17 GPIO27] GPIO22 GPIO23
}
