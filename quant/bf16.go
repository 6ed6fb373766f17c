package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// EncodeBF16 stores src as little-endian bfloat16 (the top half of a
// float32), rounding to nearest even as ggml's GGML_FP32_TO_BF16 does: a
// value that rounds past the largest finite bfloat16 becomes ±Inf, and a NaN
// keeps its sign and top payload bits with the quiet bit forced on. len(dst)
// must be 2·len(src); otherwise it panics, as a programming error.
func EncodeBF16(dst []byte, src []float32) {
	if len(dst) != 2*len(src) {
		panic(fmt.Sprintf("quant.EncodeBF16: %d bytes for %d values, want %d", len(dst), len(src), 2*len(src)))
	}
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], bf16Bits(v))
	}
}

func bf16Bits(v float32) uint16 {
	u := math.Float32bits(v)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	// Adding 0x7fff plus the lowest kept bit rounds half to even; the carry
	// may run into the exponent, which is the correct rounding up.
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// DecodeBF16 widens little-endian bfloat16 values to float32 (exact).
// len(src) must be 2·len(dst); otherwise it panics, as a programming error.
func DecodeBF16(dst []float32, src []byte) {
	if len(src) != 2*len(dst) {
		panic(fmt.Sprintf("quant.DecodeBF16: %d bytes for %d values, want %d", len(src), len(dst), 2*len(dst)))
	}
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}
