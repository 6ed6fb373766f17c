//go:build cuda

package cuda

import (
	"errors"
	"unsafe"
)

// maxParams is the most parameters a kernel takes (8 × 8 bytes: one
// 64-byte piece of the pinned block).
const maxParams = 8

// tParam marks the parameter that is the token count T.
const tParam = ^uint64(0)

// pinnedArena hands out pieces of the pinned host block.
type pinnedArena struct {
	base uintptr
	size int
	used int
	err  error
}

func (p *pinnedArena) take(n int) unsafe.Pointer {
	n = (n + 63) &^ 63
	if p.used+n > p.size {
		p.err = errors.New("cuda: internal error: pinned parameter block too small")
		p.used = 0 // keep handing out valid memory; the error stops Open
	}
	q := unsafe.Add(unsafe.Pointer(nil), p.base+uintptr(p.used))
	p.used += n
	return q
}

// params stores a kernel's parameter values and the void*[] array that
// cuLaunchKernel reads. tParam stands for the shared T slot. Integer
// parameters are read as 32-bit ints: the low half of the 8-byte slot.
func (p *pinnedArena) params(tSlot *uint64, vals ...uint64) uintptr {
	if len(vals) > maxParams {
		p.err = errors.New("cuda: internal error: too many kernel parameters")
		vals = vals[:maxParams]
	}
	slots := unsafe.Slice((*uint64)(p.take(8*len(vals))), len(vals))
	ptrs := unsafe.Slice((*uintptr)(p.take(8*len(vals))), len(vals))
	for i, v := range vals {
		if v == tParam {
			ptrs[i] = uintptr(unsafe.Pointer(tSlot))
			continue
		}
		slots[i] = v
		ptrs[i] = uintptr(unsafe.Pointer(&slots[i]))
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(ptrs)))
}
