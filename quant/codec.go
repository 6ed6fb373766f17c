package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// codec is what this package can do with one tensor type: decode it, and
// encode one row of it, optionally weighted by an importance matrix (nil
// means none; types that take no weights ignore them, as ggml does).
type codec struct {
	decode func(dst []float32, src []byte)
	encode func(dst []byte, row, imatrix []float32)
}

var codecs = map[Type]codec{
	TypeF32:    {decodeF32, func(dst []byte, x, _ []float32) { encodeF32(dst, x) }},
	TypeF16:    {DecodeF16, func(dst []byte, x, _ []float32) { EncodeF16(dst, x) }},
	TypeBF16:   {DecodeBF16, func(dst []byte, x, _ []float32) { EncodeBF16(dst, x) }},
	TypeQ8_0:   {DequantizeQ8_0, func(dst []byte, x, _ []float32) { QuantizeQ8_0(dst, x) }},
	TypeQ4_0:   {DequantizeQ4_0, quantizeQ4_0Row},
	TypeQ4_1:   {DequantizeQ4_1, quantizeQ4_1Row},
	TypeQ5_0:   {DequantizeQ5_0, quantizeQ5_0Row},
	TypeQ5_1:   {DequantizeQ5_1, quantizeQ5_1Row},
	TypeQ2_K:   {DequantizeQ2_K, quantizeQ2_K},
	TypeQ3_K:   {DequantizeQ3_K, quantizeQ3_K},
	TypeQ4_K:   {DequantizeQ4_K, quantizeQ4_K},
	TypeQ5_K:   {DequantizeQ5_K, quantizeQ5_K},
	TypeQ6_K:   {DequantizeQ6_K, quantizeQ6_K},
	TypeIQ4_NL: {DequantizeIQ4_NL, quantizeIQ4_NL},
	TypeIQ4_XS: {DequantizeIQ4_XS, quantizeIQ4_XS},
	// Q8_K is an activation format: it is never written to a file, and
	// package arm64 calls QuantizeQ8_K directly.
	TypeQ8_K: {DequantizeQ8_K, func(dst []byte, x, _ []float32) { QuantizeQ8_K(dst, x) }},
}

// CanQuantize reports whether Quantize and QuantizeRows write type t as a
// tensor type for files. Q8_K is left out: QuantizeRows encodes it, but it
// only exists as the activation side of the K-type dot products, and ggml
// cannot compute with a Q8_K weight.
func (t Type) CanQuantize() bool { _, ok := codecs[t]; return ok && t != TypeQ8_K }

// CanDequantize reports whether Dequantize reads type t.
func (t Type) CanDequantize() bool { _, ok := codecs[t]; return ok }

// Quantize encodes src as tensor type t into dst, which must be exactly
// t.RowBytes(len(src)) long, without an importance matrix. The bytes are
// those llama-quantize writes for the same values.
func Quantize(t Type, dst []byte, src []float32) error {
	return QuantizeRows(t, dst, src, len(src), nil)
}

// QuantizeRows encodes src, rows of rowLen values, as tensor type t into
// dst (exactly t.RowBytes(len(src)) long), each row weighted by imatrix (one
// importance value per column, as llama-quantize reads them from an imatrix
// file: in_sum2/counts), or unweighted when imatrix is nil. The bytes are
// those llama-quantize writes; the row length matters because ggml's
// weighted quantizers for the 32-value types use the row's mean square. A
// tensor of several matrices (the experts of a mixture-of-experts weight)
// has one importance vector per matrix: quantize it matrix by matrix, as
// llama-quantize does.
func QuantizeRows(t Type, dst []byte, src []float32, rowLen int, imatrix []float32) error {
	c, ok := codecs[t]
	if !ok {
		return fmt.Errorf("quantize to %s: unsupported type", t)
	}
	if err := checkLengths(t, len(src), len(dst)); err != nil {
		return fmt.Errorf("quantize to %s: %w", t, err)
	}
	if len(src) == 0 {
		return nil
	}
	if rowLen <= 0 || len(src)%rowLen != 0 {
		return fmt.Errorf("quantize to %s: %d values are not whole rows of %d", t, len(src), rowLen)
	}
	rowBytes, err := t.RowBytes(rowLen)
	if err != nil {
		return fmt.Errorf("quantize to %s: %w", t, err)
	}
	if imatrix != nil && len(imatrix) != rowLen {
		return fmt.Errorf("quantize to %s: importance matrix has %d values for rows of %d", t, len(imatrix), rowLen)
	}
	for r := 0; r < len(src)/rowLen; r++ {
		c.encode(dst[r*rowBytes:(r+1)*rowBytes], src[r*rowLen:(r+1)*rowLen], imatrix)
	}
	return nil
}

// Dequantize decodes src, holding values of tensor type t, into dst; src must
// be exactly t.RowBytes(len(dst)) long. The values are those ggml's
// dequantization gives, bit for bit.
func Dequantize(t Type, dst []float32, src []byte) error {
	c, ok := codecs[t]
	if !ok {
		return fmt.Errorf("dequantize %s: unsupported type", t)
	}
	if err := checkLengths(t, len(dst), len(src)); err != nil {
		return fmt.Errorf("dequantize %s: %w", t, err)
	}
	c.decode(dst, src)
	return nil
}

func encodeF32(dst []byte, src []float32) {
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func decodeF32(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}
