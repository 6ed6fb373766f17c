package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
)

// A device is an accelerator back end that a build can plug in: the cuda
// build tag adds one in device_cuda.go. The default build registers none,
// so it has no accelerator code at all and --device takes only cpu.
type device struct {
	// flags adds the device's own flags to a command's flag set and returns
	// how to open and describe the device with their values.
	flags func(fs *flag.FlagSet) deviceHandle
}

type deviceHandle struct {
	// open prepares the model on the device. The model must outlive it.
	open func(m *runtime.Model) (runtime.Backend, error)
	// describe prints what the device is and how it would run a model.
	describe func(w io.Writer) error
}

var devices = map[string]device{}

func registerDevice(name string, d device) { devices[name] = d }

// deviceFlags are --device and the flags of every registered device.
type deviceFlags struct {
	name    *string
	handles map[string]deviceHandle
}

func addDeviceFlags(fs *flag.FlagSet) deviceFlags {
	names := []string{"cpu"}
	f := deviceFlags{handles: map[string]deviceHandle{}}
	var extra []string
	for n := range devices {
		extra = append(extra, n)
	}
	sort.Strings(extra)
	for _, n := range extra {
		f.handles[n] = devices[n].flags(fs)
	}
	names = append(names, extra...)
	f.name = fs.String("device", "cpu", "where the model runs: "+strings.Join(names, ", "))
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
			return h, false, usagef("--device cuda: this gosling was built without CUDA (build it with -tags cuda)")
		}
		return h, false, usagef("--device %q: unknown device", *f.name)
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
