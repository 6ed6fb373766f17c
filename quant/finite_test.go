package quant_test

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
)

// TestFindNonFinite plants a NaN, +Inf and -Inf at a few places in every
// checkable type (a value, or a block scale) and finds exactly that one;
// large finite numbers, subnormals and negative zero are not flagged.
func TestFindNonFinite(t *testing.T) {
	const n = 256
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(i%17) - 8 + 0.25
	}
	src[3] = 6e4 // near the F16 maximum, finite
	src[4] = float32(math.Copysign(0, -1))
	src[5] = 1e-7 // an F16 subnormal
	for _, typ := range []quant.Type{quant.TypeF32, quant.TypeF16, quant.TypeBF16, quant.TypeQ8_0, quant.TypeQ4_0} {
		data := encode(t, typ, src)
		if nf, bad := quant.FindNonFinite(typ, data); bad {
			t.Fatalf("%s: finite data flagged: %v", typ, nf)
		}
		for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
			for _, at := range []int{0, 37, n - 1} {
				d := append([]byte(nil), data...)
				want := quant.NonFinite{Index: at}
				switch typ {
				case quant.TypeF32:
					binary.LittleEndian.PutUint32(d[4*at:], math.Float32bits(bad))
				case quant.TypeF16, quant.TypeBF16:
					copy(d[2*at:], encode(t, typ, []float32{bad}))
				default: // the scale of the block holding value at
					block := at / typ.BlockSize()
					one := make([]byte, 2)
					quant.EncodeF16(one, []float32{bad})
					copy(d[block*typ.BlockBytes():], one)
					want = quant.NonFinite{Index: block * typ.BlockSize(), Scale: true}
				}
				nf, found := quant.FindNonFinite(typ, d)
				isNaN := math.IsNaN(float64(bad))
				if !found || nf.Index != want.Index || nf.Scale != want.Scale ||
					isNaN != math.IsNaN(float64(nf.Value)) || !isNaN && nf.Value != bad {
					t.Errorf("%s: %v at %d: found %v %+v", typ, bad, at, found, nf)
				}
			}
		}
	}
}

// encode stores src as typ; BF16 (which Quantize does not write) by
// truncation.
func encode(t *testing.T, typ quant.Type, src []float32) []byte {
	t.Helper()
	if typ == quant.TypeBF16 {
		b := make([]byte, 2*len(src))
		for i, v := range src {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(math.Float32bits(v)>>16))
		}
		return b
	}
	rb, _ := typ.RowBytes(len(src))
	b := make([]byte, rb)
	if err := quant.Quantize(typ, b, src); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNonFiniteError(t *testing.T) {
	err := error(&quant.NonFiniteError{Tensor: "blk.0.ffn", Type: quant.TypeQ8_0,
		NonFinite: quant.NonFinite{Index: 64, Scale: true, Value: float32(math.Inf(1))}})
	var nf *quant.NonFiniteError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "tensor blk.0.ffn (Q8_0): the scale of the block at value 64 is +Inf") {
		t.Errorf("%v", err)
	}
}

// TestFindNonFiniteBits: the byte tests agree with math.IsNaN/IsInf on
// every F16 and BF16 bit pattern and on a sweep of F32 ones.
func TestFindNonFiniteBits(t *testing.T) {
	b := make([]byte, 4)
	for u := range 1 << 16 {
		binary.LittleEndian.PutUint16(b, uint16(u))
		f16v := make([]float32, 1)
		quant.Dequantize(quant.TypeF16, f16v, b[:2])
		want := math.IsNaN(float64(f16v[0])) || math.IsInf(float64(f16v[0]), 0)
		if _, got := quant.FindNonFinite(quant.TypeF16, b[:2]); got != want {
			t.Fatalf("F16 %#04x (%v): found %v", u, f16v[0], got)
		}
		bf := math.Float32frombits(uint32(u) << 16)
		want = math.IsNaN(float64(bf)) || math.IsInf(float64(bf), 0)
		if _, got := quant.FindNonFinite(quant.TypeBF16, b[:2]); got != want {
			t.Fatalf("BF16 %#04x (%v): found %v", u, bf, got)
		}
	}
	for u := uint32(0); u < 1<<32-1<<16; u += 1<<16 - 1 { // every exponent and sign, many mantissas
		binary.LittleEndian.PutUint32(b, u)
		f := math.Float32frombits(u)
		want := math.IsNaN(float64(f)) || math.IsInf(float64(f), 0)
		if _, got := quant.FindNonFinite(quant.TypeF32, b); got != want {
			t.Fatalf("F32 %#08x (%v): found %v", u, f, got)
		}
	}
}

// BenchmarkFindNonFinite is the first-use scan's speed per type, over
// 32 MiB of finite data (b.SetBytes: MB/s of tensor data).
func BenchmarkFindNonFinite(b *testing.B) {
	for _, typ := range []quant.Type{quant.TypeF32, quant.TypeF16, quant.TypeQ8_0} {
		b.Run(typ.String(), func(b *testing.B) {
			n := (32 << 20) / typ.BlockBytes() * typ.BlockSize()
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(i%201) - 100
			}
			rb, _ := typ.RowBytes(n)
			data := make([]byte, rb)
			quant.Quantize(typ, data, src)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, bad := quant.FindNonFinite(typ, data); bad {
					b.Fatal("finite data flagged")
				}
			}
		})
	}
}

// The block types without a fast path are checked by decoding: a NaN super-
// block scale in the second Q4_K block is found at that block's first value.
func TestFindNonFiniteDecoded(t *testing.T) {
	for _, typ := range []quant.Type{quant.TypeQ4_K, quant.TypeQ6_K, quant.TypeIQ4_XS, quant.TypeQ5_1} {
		bb, bs := typ.BlockBytes(), typ.BlockSize()
		data := make([]byte, 2*bb)
		if !quant.CheckableFinite(typ) {
			t.Fatalf("%s: not checkable", typ)
		}
		if _, bad := quant.FindNonFinite(typ, data); bad {
			t.Fatalf("%s: zero blocks reported non-finite", typ)
		}
		// Every type here keeps an F16 scale d: Q6_K at the end of its
		// block, the others first.
		at := bb
		if typ == quant.TypeQ6_K {
			at = 2*bb - 2
		}
		data[at], data[at+1] = 0x00, 0x7e // F16 NaN
		// A NaN scale times a zero code is still NaN in IEEE arithmetic.
		nf, bad := quant.FindNonFinite(typ, data)
		if !bad || nf.Index < bs || nf.Index >= 2*bs {
			t.Fatalf("%s: got %+v, %v; want a value of the second block", typ, nf, bad)
		}
	}
}
