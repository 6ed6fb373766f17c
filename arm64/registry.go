package arm64

import (
	"fmt"
	"sort"
	"strings"
)

// The registry knows, for every kernel, which implementations this binary
// holds and which of them this CPU can run. At start-up (package init) the
// fastest available implementation of each kernel is installed into the
// kernel's function variable; that variable is all the exported kernels
// read. Tests and benchmarks switch implementations with Use to run each of
// them against the generic twin; nothing else should call Use while kernels
// run, as the switch is not synchronised.

// Implementation names.
const (
	ImplGeneric     = "generic"      // pure Go, every architecture
	ImplNEON        = "neon"         // ARMv8.0 Advanced SIMD (Cortex-A72)
	ImplNEONDotProd = "neon-dotprod" // ARMv8.2 SDOT (Cortex-A76, A78AE)
)

// Kernel names, as the registry and `gosling info` spell them.
const (
	KernelDotF32     = "DotF32"
	KernelMatVecF32  = "MatVecF32"
	KernelMatVecF16  = "MatVecF16"
	KernelQuantizeQ8 = "QuantizeQ8"
	KernelMatVecQ8_0 = "MatVecQ8_0"
	KernelMatVecQ4_0 = "MatVecQ4_0"
	KernelMatMulF32  = "MatMulF32"
	KernelMatMulF16  = "MatMulF16"
	KernelMatMulQ8_0 = "MatMulQ8_0"
	KernelMatMulQ4_0 = "MatMulQ4_0"
	KernelWKV7       = "WKV7"
	KernelLayerNorm  = "LayerNorm"
	KernelSigmoid    = "Sigmoid"
	KernelDecay      = "Decay"
)

type implementation struct {
	name      string
	available bool   // this CPU can run it
	install   func() // points the kernel's function variable at it
}

type kernelEntry struct {
	impls   []implementation // in order of preference, generic first
	current string
}

// registry is written only during package initialisation and by Use.
var registry = map[string]*kernelEntry{}

// register adds an implementation of kernel. Implementations registered
// later are preferred over earlier ones when available (see selectBest).
func register(kernel, impl string, available bool, install func()) {
	e := registry[kernel]
	if e == nil {
		e = &kernelEntry{}
		registry[kernel] = e
	}
	for _, im := range e.impls {
		if im.name == impl {
			panic("arm64: implementation " + impl + " of " + kernel + " registered twice")
		}
	}
	e.impls = append(e.impls, implementation{impl, available, install})
}

// selectBest installs the last registered available implementation of
// every kernel.
func selectBest() {
	for _, e := range registry {
		for i := len(e.impls) - 1; i >= 0; i-- {
			if e.impls[i].available {
				e.impls[i].install()
				e.current = e.impls[i].name
				break
			}
		}
	}
}

// Kernels lists the names of all registered kernels, sorted.
func Kernels() []string {
	names := make([]string, 0, len(registry))
	for k := range registry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Implementations lists the implementations of kernel that this CPU can
// run, generic first. It is empty for an unknown kernel.
func Implementations(kernel string) []string {
	e := registry[kernel]
	if e == nil {
		return nil
	}
	var names []string
	for _, im := range e.impls {
		if im.available {
			names = append(names, im.name)
		}
	}
	return names
}

// Current returns the implementation of kernel in use.
func Current(kernel string) string {
	if e := registry[kernel]; e != nil {
		return e.current
	}
	return ""
}

// Use makes impl the implementation of kernel that the exported function
// runs. It is meant for tests and benchmarks; it must not be called while
// any kernel runs.
func Use(kernel, impl string) error {
	e := registry[kernel]
	if e == nil {
		return fmt.Errorf("arm64: unknown kernel %q", kernel)
	}
	for _, im := range e.impls {
		if im.name != impl {
			continue
		}
		if !im.available {
			return fmt.Errorf("arm64: kernel %s: implementation %q needs a CPU feature this machine lacks", kernel, impl)
		}
		im.install()
		e.current = impl
		return nil
	}
	return fmt.Errorf("arm64: kernel %s has no implementation %q", kernel, impl)
}

// Path summarises the kernels in use for humans (`gosling info`,
// `gosling bench`): "neon+dotprod" when the quantized matvecs use SDOT,
// "neon" when assembly runs without it, "generic" when only pure Go runs.
func Path() string {
	dot, neon := false, false
	for _, e := range registry {
		switch {
		case strings.Contains(e.current, "dotprod"):
			dot = true
		case strings.HasPrefix(e.current, "neon"):
			neon = true
		}
	}
	switch {
	case dot:
		return "neon+dotprod"
	case neon:
		return "neon"
	}
	return "generic"
}
