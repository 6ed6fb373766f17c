//go:build cuda

package cuda

import (
	"fmt"
	"os"
	"unsafe"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
)

// placeWeights gives every matrix a device address: in place through the
// registered mapping, or in one device-memory copy. In the copy the Q8_0
// and Q4_0 matrices of the products are repacked (packQuant) so that the
// kernels read them 16 bytes at a time.
func (b *Backend) placeWeights() error {
	mats := matrices(b.m)
	for _, mat := range mats {
		b.devType[mat], b.devRow[mat] = int64(mat.Type), int64(mat.RowBytes)
	}
	if b.mapped {
		return b.mapWeights(mats)
	}
	pack := b.packed()
	total := 0
	for _, mat := range mats {
		total += (mat.Bytes() + 255) &^ 255
	}
	base, err := b.alloc(total, "weights")
	if err != nil {
		return err
	}
	off := uint64(0)
	var buf []byte
	for _, mat := range mats {
		if _, done := b.weights[mat]; done {
			continue
		}
		data := mat.Data()
		if pack[mat] {
			buf = packQuant(buf, mat)
			data = buf
			b.devType[mat], b.devRow[mat] = packedType(mat.Type), int64(packedRowBytes(mat))
		}
		if err := b.upload(base+off, unsafe.Pointer(unsafe.SliceData(data)), len(data), mat.Name); err != nil {
			return err
		}
		b.weights[mat] = base + off
		off += uint64((len(data) + 255) &^ 255)
	}
	return nil
}

// mapWeights registers the page range that holds every matrix with the
// driver, read-only where the device supports it, and uses the device
// address of the mapping: the model's bytes are read where they lie.
func (b *Backend) mapWeights(mats []*runtime.Matrix) error {
	lo, hi := ^uintptr(0), uintptr(0)
	for _, mat := range mats {
		data := mat.Data()
		p := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		lo, hi = min(lo, p), max(hi, p+uintptr(len(data)))
		if (mat.Type == quant.TypeF16 || mat.Type == quant.TypeF32) && p%16 != 0 {
			return fmt.Errorf("cuda: tensor %s is not 16-byte aligned in the file (general.alignment); use device memory", mat.Name)
		}
	}
	page := uintptr(os.Getpagesize())
	lo &^= page - 1
	hi = (hi + page - 1) &^ (page - 1)
	flags := uintptr(hostRegisterDeviceMap)
	if b.info.ReadOnlyRegister {
		flags |= hostRegisterReadOnly
	}
	d := b.d
	if err := d.check("cuMemHostRegister", d.call(d.cuMemHostRegister, lo, hi-lo, flags)); err != nil {
		return fmt.Errorf("%w (registering the %d MB of the model's mapping)", err, (hi-lo)>>20)
	}
	b.registered = lo
	var dev uintptr
	if err := d.check("cuMemHostGetDevicePointer", d.call(d.cuMemHostGetDevicePointer, uintptr(unsafe.Pointer(&dev)), lo, 0)); err != nil {
		return err
	}
	for _, mat := range mats {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(mat.Data())))
		b.weights[mat] = uint64(dev + (p - lo))
	}
	return nil
}

// placeVectors copies every per-channel vector of the model (a few kB per
// layer) into one device buffer, each 256-byte aligned.
func (b *Backend) placeVectors() error {
	var host []float32
	add := func(v []float32) {
		if v == nil {
			return
		}
		key := unsafe.SliceData(v)
		if _, ok := b.smallOff[key]; ok {
			return
		}
		b.smallOff[key] = len(host)
		host = append(host, v...)
		for len(host)%64 != 0 {
			host = append(host, 0)
		}
	}
	m := b.m
	add(m.LN0W)
	add(m.LN0B)
	add(m.LNOutW)
	add(m.LNOutB)
	for i := range m.Blocks {
		l := &m.Blocks[i]
		for _, v := range [][]float32{l.LN1W, l.LN1B, l.LN2W, l.LN2B, l.XR, l.XW, l.XK, l.XV, l.XA, l.XG,
			l.W0, l.A0, l.V0, l.KK, l.KA, l.RK, l.LNXW, l.LNXB, l.FFNXK} {
			add(v)
		}
	}
	p, err := b.alloc(4*len(host), "vectors")
	if err != nil {
		return err
	}
	b.small = p
	return b.upload(p, unsafe.Pointer(unsafe.SliceData(host)), 4*len(host), "vectors")
}

// vecPtr is the device address of a model vector (0 for nil).
func (b *Backend) vecPtr(v []float32) uint64 {
	if v == nil {
		return 0
	}
	return b.small + 4*uint64(b.smallOff[unsafe.SliceData(v)])
}
