package quant

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/x448/float16"
)

// NonFinite locates a NaN or infinite number in tensor data: a stored
// value, or the scale of a block (every value of the block is then
// garbage). Index counts values from the start of the data; for a scale
// it is the block's first value.
type NonFinite struct {
	Index int
	Scale bool
	Value float32 // NaN, +Inf or -Inf
}

func (n NonFinite) String() string {
	if n.Scale {
		return fmt.Sprintf("the scale of the block at value %d is %v", n.Index, n.Value)
	}
	return fmt.Sprintf("value %d is %v", n.Index, n.Value)
}

// NonFiniteError is a tensor whose data holds a NaN or infinite number: a
// damaged file, or one written by a tool that did not check. Such weights
// run without complaint and produce garbage, so the runtime refuses them.
type NonFiniteError struct {
	Tensor string
	Type   Type
	NonFinite
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("tensor %s (%s): %s (the file is damaged; convert or download it again)", e.Tensor, e.Type, e.NonFinite)
}

// CheckableFinite reports whether FindNonFinite can read type t.
func CheckableFinite(t Type) bool {
	switch t {
	case TypeF32, TypeF16, TypeBF16, TypeQ8_0, TypeQ4_0:
		return true
	}
	// The other block types are checked by decoding each block.
	return t.CanDequantize() && t.BlockSize() <= maxCheckBlock
}

// maxCheckBlock is the largest block findNonFiniteDecoded decodes (the
// K types' 256 values), in a buffer on the stack.
const maxCheckBlock = 256

// FindNonFinite returns the first NaN or infinite number in data, whole
// blocks of type t, and whether there is one. Integer codes cannot be
// non-finite, so for Q8_0 and Q4_0 only the block scales are read. The
// tests are on the exponent bits alone (all ones is Inf or NaN): no
// conversion, no allocation. It panics for a type CheckableFinite refuses.
func FindNonFinite(t Type, data []byte) (NonFinite, bool) {
	// Each loop tests one byte per number (the one holding the top of
	// the exponent), so that a matrix costs a few instructions per value
	// (or per block) on its first use; the exact value is decoded only
	// for a hit.
	switch t {
	case TypeF32: // exponent: bits 30..23, 0x7f of byte 3 and 0x80 of byte 2
		for i := 3; i < len(data); i += 4 {
			if data[i]&0x7f == 0x7f && data[i-1]&0x80 != 0 {
				return NonFinite{Index: i / 4, Value: math.Float32frombits(binary.LittleEndian.Uint32(data[i-3:]))}, true
			}
		}
	case TypeF16: // exponent: bits 14..10, 0x7c of byte 1
		for i := 1; i < len(data); i += 2 {
			if data[i]&0x7c == 0x7c {
				return NonFinite{Index: i / 2, Value: float16.Frombits(binary.LittleEndian.Uint16(data[i-1:])).Float32()}, true
			}
		}
	case TypeBF16: // exponent: bits 14..7, 0x7f of byte 1 and 0x80 of byte 0
		for i := 1; i < len(data); i += 2 {
			if data[i]&0x7f == 0x7f && data[i-1]&0x80 != 0 {
				return NonFinite{Index: i / 2, Value: math.Float32frombits(uint32(binary.LittleEndian.Uint16(data[i-1:])) << 16)}, true
			}
		}
	case TypeQ8_0, TypeQ4_0: // an F16 scale at the start of each block
		bb, bs := t.BlockBytes(), t.BlockSize()
		for i := 1; i < len(data); i += bb {
			if data[i]&0x7c == 0x7c {
				return NonFinite{Index: (i - 1) / bb * bs, Scale: true, Value: float16.Frombits(binary.LittleEndian.Uint16(data[i-1:])).Float32()}, true
			}
		}
	default:
		if !CheckableFinite(t) {
			panic("quant: FindNonFinite: type " + t.String() + " cannot be checked")
		}
		return findNonFiniteDecoded(t, data)
	}
	return NonFinite{}, false
}

// findNonFiniteDecoded decodes the blocks of the other types one at a
// time (their scales sit at type-specific places, and a finite scale times
// a finite code can still overflow, e.g. Q4_K's d·scale − dmin·min): slower
// than reading the exponents, but it runs once per matrix.
func findNonFiniteDecoded(t Type, data []byte) (NonFinite, bool) {
	var buf [maxCheckBlock]float32
	bb, bs := t.BlockBytes(), t.BlockSize()
	vals := buf[:bs]
	for off := 0; off+bb <= len(data); off += bb {
		if err := Dequantize(t, vals, data[off:off+bb]); err != nil {
			panic("quant: FindNonFinite: " + err.Error())
		}
		for j, v := range vals {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return NonFinite{Index: off/bb*bs + j, Value: v}, true
			}
		}
	}
	return NonFinite{}, false
}

// VerifyTensor reads a whole tensor and returns a *NonFiniteError for its
// first NaN or infinite number, nil if there is none, and an error for a
// type it cannot read (see CheckableFinite).
func (g *File) VerifyTensor(t *TensorInfo) error {
	if !CheckableFinite(t.Type) {
		return fmt.Errorf("tensor %s: type %s cannot be checked", t.Name, t.Type)
	}
	if nf, bad := FindNonFinite(t.Type, g.Bytes(t)); bad {
		return &NonFiniteError{Tensor: t.Name, Type: t.Type, NonFinite: nf}
	}
	return nil
}

// Verify reads every tensor of the file, in file order, and returns the
// first one holding a NaN or infinite number as a *NonFiniteError. It
// returns how many tensors it checked; tensors of types it cannot read
// (see CheckableFinite) are skipped and not counted.
func (g *File) Verify() (checked int, err error) {
	for i := range g.Tensors {
		t := &g.Tensors[i]
		if !CheckableFinite(t.Type) {
			continue
		}
		if err := g.VerifyTensor(t); err != nil {
			return checked, err
		}
		checked++
	}
	return checked, nil
}
