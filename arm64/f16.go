package arm64

import "github.com/x448/float16"

// f16ToF32 converts every IEEE half-precision bit pattern to float32 once, at
// start-up, so that F16 matrix kernels pay one table load per weight instead
// of a branchy bit conversion. It is read-only after init.
var f16ToF32 = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = float16.Frombits(uint16(i)).Float32()
	}
	return &t
}()
