//go:build cuda

package cuda

import (
	"fmt"
	"unsafe"
)

// Info describes a GPU as the driver reports it.
type Info struct {
	Name         string
	Major, Minor int    // compute capability (8.7 Jetson Orin, 9.0 H100)
	Integrated   bool   // shares the host's memory (Jetson)
	CanMapHost   bool   // can map registered host memory
	TotalMemory  uint64 // bytes of device memory
	SMs          int    // multiprocessors
	Driver       int    // CUDA version the driver supports, e.g. 12040
	// ReadOnlyRegister: host memory can be registered read-only (the
	// model's mapping is PROT_READ).
	ReadOnlyRegister bool

	dev int32
}

// String is a one-line summary.
func (i Info) String() string {
	kind := "discrete"
	if i.Integrated {
		kind = "integrated"
	}
	return fmt.Sprintf("%s, compute capability %d.%d, %d SMs, %.1f GiB, %s, driver CUDA %d.%d",
		i.Name, i.Major, i.Minor, i.SMs, float64(i.TotalMemory)/(1<<30), kind, i.Driver/1000, i.Driver%1000/10)
}

// DefaultMemoryMode is what Open does without Options.Mapped.
func (i Info) DefaultMemoryMode() string {
	if i.Integrated {
		return "weights in place: mapped host memory (integrated GPU)"
	}
	return "weights copied to device memory (discrete GPU)"
}

// Probe loads the driver and describes GPU number device. It fails with an
// error wrapping ErrNoDriver on a machine without the NVIDIA driver.
func Probe(device int) (Info, error) {
	d, err := loadDriver()
	if err != nil {
		return Info{}, err
	}
	return probe(d, device)
}

func probe(d *driver, device int) (Info, error) {
	var n int32
	if err := d.check("cuDeviceGetCount", d.call(d.cuDeviceGetCount, uintptr(unsafe.Pointer(&n)))); err != nil {
		return Info{}, err
	}
	if device < 0 || device >= int(n) {
		return Info{}, fmt.Errorf("cuda: device %d: this machine has %d CUDA device(s)", device, n)
	}
	var dev int32
	if err := d.check("cuDeviceGet", d.call(d.cuDeviceGet, uintptr(unsafe.Pointer(&dev)), uintptr(device))); err != nil {
		return Info{}, err
	}
	info := Info{dev: dev}
	name := make([]byte, 256)
	if err := d.check("cuDeviceGetName", d.call(d.cuDeviceGetName, uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)), uintptr(dev))); err != nil {
		return Info{}, err
	}
	info.Name = string(name[:cStringLen(name)])
	var total uintptr
	if err := d.check("cuDeviceTotalMem", d.call(d.cuDeviceTotalMem, uintptr(unsafe.Pointer(&total)), uintptr(dev))); err != nil {
		return Info{}, err
	}
	info.TotalMemory = uint64(total)
	var ver int32
	if err := d.check("cuDriverGetVersion", d.call(d.cuDriverGetVersion, uintptr(unsafe.Pointer(&ver)))); err != nil {
		return Info{}, err
	}
	info.Driver = int(ver)
	for _, a := range []struct {
		attr int
		set  func(int)
	}{
		{attrComputeMajor, func(v int) { info.Major = v }},
		{attrComputeMinor, func(v int) { info.Minor = v }},
		{attrMultiprocessors, func(v int) { info.SMs = v }},
		{attrIntegrated, func(v int) { info.Integrated = v != 0 }},
		{attrCanMapHostMemory, func(v int) { info.CanMapHost = v != 0 }},
		{attrReadOnlyHostRegister, func(v int) { info.ReadOnlyRegister = v != 0 }},
	} {
		v, err := d.attribute(dev, a.attr)
		if err != nil {
			if a.attr == attrReadOnlyHostRegister {
				continue // older drivers do not know the attribute
			}
			return Info{}, err
		}
		a.set(v)
	}
	return info, nil
}
