package checkpoint

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/x448/float16"
)

func TestF16ToF32Exhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		got := f16ToF32(uint16(h))
		want := float16.Frombits(uint16(h)).Float32()
		if want != want { // NaN: x448 quiets signalling NaNs, f16ToF32 keeps the payload as is
			if got == got || math.Float32bits(got)|0x400000 != math.Float32bits(want) {
				t.Fatalf("f16 %#04x: %v (%#08x), want a NaN like %#08x", h, got, math.Float32bits(got), math.Float32bits(want))
			}
			continue
		}
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("f16 %#04x: %v (%#08x), want %v (%#08x)", h, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
}

func TestFloat32(t *testing.T) {
	vals := []float32{0, 1, -2.5, 256, 1.0 / 1024, float32(math.Inf(-1))} // exact in every dtype
	var bf, f16, f32, f64 []byte
	for _, v := range vals {
		bf = binary.LittleEndian.AppendUint16(bf, uint16(math.Float32bits(v)>>16))
		f16 = binary.LittleEndian.AppendUint16(f16, float16.Fromfloat32(v).Bits())
		f32 = binary.LittleEndian.AppendUint32(f32, math.Float32bits(v))
		f64 = binary.LittleEndian.AppendUint64(f64, math.Float64bits(float64(v)))
	}
	for _, tn := range []*Tensor{
		{Name: "bf", DType: BF16, Shape: []int{2, 3}, Data: bf},
		{Name: "h", DType: F16, Shape: []int{6}, Data: f16},
		{Name: "f", DType: F32, Shape: []int{1, 6}, Data: f32},
		{Name: "d", DType: F64, Shape: []int{6}, Data: f64},
	} {
		got, err := tn.Float32()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if got[i] != v {
				t.Errorf("%s[%d] = %v, want %v", tn.Name, i, got[i], v)
			}
		}
	}
	bad := &Tensor{Name: "short", DType: F32, Shape: []int{3}, Data: make([]byte, 8)}
	if _, err := bad.Float32(); err == nil {
		t.Error("Float32 with too few bytes: no error")
	}
	if s := (&Tensor{DType: 0}).DType.String(); s != "DType(0)" {
		t.Errorf("invalid DType prints %q", s)
	}
	if BF16.String() != "bf16" || F16.String() != "f16" || F32.String() != "f32" || F64.String() != "f64" {
		t.Error("DType names")
	}
}
