//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// The CUDA driver API, bound at run time from libcuda.so.1. Every call goes
// through purego.SyscallN with uintptr arguments: no cgo, no reflection on
// the per-token path. Names are the exported symbols (cuda.h maps cuMemAlloc
// to cuMemAlloc_v2 and so on).

// libcudaName is the driver library every NVIDIA Linux driver installs.
const libcudaName = "libcuda.so.1"

// ErrNoDriver is returned when libcuda.so.1 cannot be loaded: no NVIDIA
// driver on this machine.
var ErrNoDriver = errors.New("cuda: " + libcudaName + " not found (no NVIDIA driver on this machine?)")

type driver struct {
	lib uintptr

	cuInit, cuDriverGetVersion                                       uintptr
	cuDeviceGetCount, cuDeviceGet, cuDeviceGetName                   uintptr
	cuDeviceGetAttribute, cuDeviceTotalMem                           uintptr
	cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease              uintptr
	cuCtxSetCurrent                                                  uintptr
	cuModuleLoadDataEx, cuModuleGetFunction, cuModuleUnload          uintptr
	cuMemAlloc, cuMemFree, cuMemAllocHost, cuMemFreeHost             uintptr
	cuMemHostRegister, cuMemHostUnregister                           uintptr
	cuMemHostGetDevicePointer, cuMemGetInfo                          uintptr
	cuMemcpyHtoD, cuMemcpyDtoH, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync uintptr
	cuMemsetD8                                                       uintptr
	cuStreamCreate, cuStreamDestroy, cuStreamSynchronize             uintptr
	cuLaunchKernel                                                   uintptr
	cuGetErrorName, cuGetErrorString                                 uintptr

	// CUDA graphs: optional (a driver without them runs plain launches).
	cuStreamBeginCapture, cuStreamEndCapture, cuGraphInstantiate uintptr
	cuGraphLaunch, cuGraphDestroy, cuGraphExecDestroy            uintptr

	// Optional: more than 48 KiB of dynamic shared memory, and how many
	// blocks of a kernel fit on a multiprocessor.
	cuFuncSetAttribute, cuOccupancyMaxActiveBlocks uintptr
}

var (
	drvOnce sync.Once
	drv     *driver
	drvErr  error
)

// loadDriver opens libcuda.so.1 and runs cuInit once per process.
// GOSLING_LIBCUDA names another driver library (a path, for a driver
// outside the loader's search path).
func loadDriver() (*driver, error) {
	drvOnce.Do(func() {
		name := libcudaName
		if s := os.Getenv("GOSLING_LIBCUDA"); s != "" {
			name = s
		}
		drv, drvErr = openDriver(name)
	})
	return drv, drvErr
}

func openDriver(name string) (*driver, error) {
	lib, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDriver, err)
	}
	d := &driver{lib: lib}
	required := []struct {
		p    *uintptr
		name string
	}{
		{&d.cuInit, "cuInit"}, {&d.cuDriverGetVersion, "cuDriverGetVersion"},
		{&d.cuDeviceGetCount, "cuDeviceGetCount"}, {&d.cuDeviceGet, "cuDeviceGet"},
		{&d.cuDeviceGetName, "cuDeviceGetName"}, {&d.cuDeviceGetAttribute, "cuDeviceGetAttribute"},
		{&d.cuDeviceTotalMem, "cuDeviceTotalMem_v2"},
		{&d.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"},
		{&d.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2"},
		{&d.cuCtxSetCurrent, "cuCtxSetCurrent"},
		{&d.cuModuleLoadDataEx, "cuModuleLoadDataEx"}, {&d.cuModuleGetFunction, "cuModuleGetFunction"},
		{&d.cuModuleUnload, "cuModuleUnload"},
		{&d.cuMemAlloc, "cuMemAlloc_v2"}, {&d.cuMemFree, "cuMemFree_v2"},
		{&d.cuMemAllocHost, "cuMemAllocHost_v2"}, {&d.cuMemFreeHost, "cuMemFreeHost"},
		{&d.cuMemHostRegister, "cuMemHostRegister_v2"}, {&d.cuMemHostUnregister, "cuMemHostUnregister"},
		{&d.cuMemHostGetDevicePointer, "cuMemHostGetDevicePointer_v2"}, {&d.cuMemGetInfo, "cuMemGetInfo_v2"},
		{&d.cuMemcpyHtoD, "cuMemcpyHtoD_v2"}, {&d.cuMemcpyDtoH, "cuMemcpyDtoH_v2"},
		{&d.cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2"}, {&d.cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2"},
		{&d.cuMemsetD8, "cuMemsetD8_v2"},
		{&d.cuStreamCreate, "cuStreamCreate"}, {&d.cuStreamDestroy, "cuStreamDestroy_v2"},
		{&d.cuStreamSynchronize, "cuStreamSynchronize"},
		{&d.cuLaunchKernel, "cuLaunchKernel"},
		{&d.cuGetErrorName, "cuGetErrorName"}, {&d.cuGetErrorString, "cuGetErrorString"},
	}
	for _, s := range required {
		if *s.p, err = purego.Dlsym(lib, s.name); err != nil {
			return nil, fmt.Errorf("cuda: %s has no %s (driver too old?): %v", name, s.name, err)
		}
	}
	for _, s := range []struct {
		p    *uintptr
		name string
	}{
		{&d.cuStreamBeginCapture, "cuStreamBeginCapture_v2"}, {&d.cuStreamEndCapture, "cuStreamEndCapture"},
		{&d.cuGraphInstantiate, "cuGraphInstantiateWithFlags"}, {&d.cuGraphLaunch, "cuGraphLaunch"},
		{&d.cuGraphDestroy, "cuGraphDestroy"}, {&d.cuGraphExecDestroy, "cuGraphExecDestroy"},
		{&d.cuFuncSetAttribute, "cuFuncSetAttribute"},
		{&d.cuOccupancyMaxActiveBlocks, "cuOccupancyMaxActiveBlocksPerMultiprocessor"},
	} {
		*s.p, _ = purego.Dlsym(lib, s.name)
	}
	if err := d.check("cuInit", d.call(d.cuInit, 0)); err != nil {
		return nil, err
	}
	return d, nil
}

// call runs a driver function and returns its CUresult. Arguments that
// are Go pointers converted to uintptr at the call site are moved to the
// heap and kept alive for the call (a goroutine stack may move, and the
// driver writes through pointers such as &p of `var p uintptr`).
//
//go:uintptrescapes
func (d *driver) call(fn uintptr, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, args...)
	return uintptr(uint32(r))
}

// hasGraphs reports whether the driver can capture and replay a token step.
func (d *driver) hasGraphs() bool {
	return d.cuStreamBeginCapture != 0 && d.cuStreamEndCapture != 0 && d.cuGraphInstantiate != 0 &&
		d.cuGraphLaunch != 0 && d.cuGraphDestroy != 0 && d.cuGraphExecDestroy != 0
}

// Error is a failed driver call.
type Error struct {
	Call string
	Code int
	Name string // CUDA_ERROR_...
	Text string
}

func (e *Error) Error() string {
	return fmt.Sprintf("cuda: %s: %s (%d): %s", e.Call, e.Name, e.Code, e.Text)
}

// check turns a CUresult into an error naming the call.
func (d *driver) check(call string, res uintptr) error {
	if res == 0 {
		return nil
	}
	e := &Error{Call: call, Code: int(res), Name: "CUDA_ERROR_UNKNOWN", Text: "unknown error"}
	var p uintptr
	if d.call(d.cuGetErrorName, res, uintptr(unsafe.Pointer(&p))) == 0 && p != 0 {
		e.Name = goString(p)
	}
	if d.call(d.cuGetErrorString, res, uintptr(unsafe.Pointer(&p))) == 0 && p != 0 {
		e.Text = goString(p)
	}
	return e
}

// goString copies a NUL-terminated C string that the driver owns.
func goString(p uintptr) string {
	var b []byte
	for i := uintptr(0); i < 4096; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(nil), p+i))
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// Device attributes (CUdevice_attribute) that gosling reads.
const (
	attrMultiprocessors      = 16
	attrIntegrated           = 18
	attrCanMapHostMemory     = 19
	attrComputeMajor         = 75
	attrComputeMinor         = 76
	attrReadOnlyHostRegister = 113
)

// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
const funcAttrMaxDynamicShared = 8

// cuMemHostRegister flags.
const (
	hostRegisterDeviceMap = 0x02
	hostRegisterReadOnly  = 0x08
)

func (d *driver) attribute(dev int32, attr int) (int, error) {
	var v int32
	if err := d.check("cuDeviceGetAttribute", d.call(d.cuDeviceGetAttribute, uintptr(unsafe.Pointer(&v)), uintptr(attr), uintptr(dev))); err != nil {
		return 0, err
	}
	return int(v), nil
}
