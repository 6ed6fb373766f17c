package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/cli"
)

// devices are the accelerator back ends a build plugs in, by name: the
// cuda build tag adds one in device_cuda.go. The default build registers
// none, so it has no accelerator code at all and --device takes only cpu.
// Each adds its own flags to a command's flag set and returns how to open
// and describe the device with their values.
var devices = map[string]func(fs *flag.FlagSet) deviceHandle{}

type deviceHandle struct {
	// open prepares the model on the device. The model must outlive it.
	open func(m *runtime.Model) (runtime.Backend, error)
	// describe prints what the device is and how it would run a model.
	describe func(w io.Writer) error
}

// deviceFlags are --device and the flags of every registered device.
type deviceFlags struct {
	name    *string
	handles map[string]deviceHandle
}

// addDeviceFlags adds them to fs, whose parse then rejects a device this
// build does not have.
func addDeviceFlags(fs *cli.Flags) deviceFlags {
	f := deviceFlags{handles: map[string]deviceHandle{}}
	names := slices.Sorted(maps.Keys(devices))
	for _, n := range names {
		f.handles[n] = devices[n](fs.FlagSet)
	}
	f.name = fs.String("device", "cpu", "where the model runs: "+strings.Join(append([]string{"cpu"}, names...), ", "))
	fs.Check(func() error { _, _, err := f.handle(); return err })
	return f
}

// handle returns the chosen accelerator, or ok = false for the CPU.
func (f deviceFlags) handle() (h deviceHandle, ok bool, err error) {
	switch n := strings.ToLower(*f.name); n {
	case "", "cpu":
		return h, false, nil
	default:
		if h, ok := f.handles[n]; ok {
			return h, true, nil
		}
		if n == "cuda" {
			return h, false, cli.Usagef("--device cuda: this gosling was built without CUDA (build it with -tags cuda)")
		}
		return h, false, cli.Usagef("--device %q: unknown device", *f.name)
	}
}

// open prepares the model on the chosen device; nil means the CPU.
func (f deviceFlags) open(m *runtime.Model) (runtime.Backend, error) {
	h, ok, err := f.handle()
	if err != nil || !ok {
		return nil, err
	}
	b, err := h.open(m)
	if err != nil {
		return nil, fmt.Errorf("--device %s: %w", *f.name, err)
	}
	return b, nil
}
