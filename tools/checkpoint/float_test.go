package checkpoint

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/x448/float16"
)

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
	// The edges of f16 (bit-exact decoding of every pattern is quant's test):
	// the smallest subnormal, the largest normal, a NaN.
	edges, err := (&Tensor{Name: "edges", DType: F16, Shape: []int{3}, Data: []byte{0x01, 0x00, 0xff, 0x7b, 0x01, 0x7c}}).Float32()
	if err != nil {
		t.Fatal(err)
	}
	if edges[0] != 0x1p-24 || edges[1] != 65504 || edges[2] == edges[2] {
		t.Errorf("f16 0x0001, 0x7bff, 0x7c01 give %v, want [5.96e-08 65504 NaN]", edges)
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
