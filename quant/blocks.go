package quant

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/x448/float16"
)

// QK is the number of values in one Q8_0 or Q4_0 block.
const QK = 32

// Bytes per block: an fp16 scale d, then the quantized values. These are
// the one definition of the layouts; typeTable and package arm64 use them.
const (
	BlockQ8_0Bytes = 2 + QK   // d, 32 × int8 q; value = d·q
	BlockQ4_0Bytes = 2 + QK/2 // d, 16 bytes of nibbles; value = d·(q−8)
)

// The quantizers below reproduce ggml's reference quantizers
// (quantize_row_q8_0_ref, quantize_row_q4_0_ref), which llama-quantize uses,
// byte for byte: a file we write must be the file llama.cpp writes. ggml
// computes in float32, so every expression here keeps float32 operands, and
// a product that C rounds before an addition is rounded here with an explicit
// float32(...) conversion, which stops the Go compiler from fusing the two
// into one FMA (it may on arm64) and rounding only once.
//
// Blocks whose arithmetic leaves the finite range: ggml's float-to-int8
// conversions are then undefined behaviour in C, and its bytes depend on the
// machine. That happens for blocks holding NaN or ±Inf, and for blocks of
// values so small that 1/d overflows to +Inf (max|x| below about 3.7e-37 for
// Q8_0, 2.3e-38 for Q4_0; their fp16 d is 0 anyway, so they decode to zeros
// whatever the codes). Here such conversions give what x86-64 gives (cvttss2si
// answers 0x80000000, whose low byte is 0), so our bytes are deterministic,
// equal to an x86 build of ggml's for the tiny-value blocks, and never a panic; the blocks around are
// unaffected. Finite values too large for an fp16 scale (|x| beyond about
// 8.3e6 for Q8_0, 5.2e5 for Q4_0) store d = ±Inf, exactly as ggml does.

// QuantizeQ8_0 encodes src as Q8_0 blocks into dst: per block of QK values,
// d = max|x|/127 and q = round(x/d) (half away from zero), computed as ggml
// does, as x·(1/d). len(src) must be a multiple of QK and len(dst) must be
// len(src)/QK*34; otherwise it panics, as a programming error.
func QuantizeQ8_0(dst []byte, src []float32) {
	nb := mustBlocks("QuantizeQ8_0", len(src), len(dst), BlockQ8_0Bytes)
	for b := 0; b < nb; b++ {
		x := src[b*QK : (b+1)*QK : (b+1)*QK]
		out := dst[b*BlockQ8_0Bytes : (b+1)*BlockQ8_0Bytes : (b+1)*BlockQ8_0Bytes]

		// ggml's MAX(amax, |v|) is (amax > |v| ? amax : |v|): a NaN replaces
		// amax and the next number replaces the NaN. Written the same way so
		// that even NaN blocks agree with ggml's d.
		var amax float32
		for _, v := range x {
			if a := abs32(v); !(amax > a) {
				amax = a
			}
		}
		d := amax / 127
		id := recip(d)
		putF16(out, d)
		for j, v := range x {
			// roundf of a float32 is exact in float64; math.Round rounds
			// halfway cases away from zero, as roundf does.
			out[2+j] = byte(cInt8(float32(math.Round(float64(v * id)))))
		}
	}
}

// DequantizeQ8_0 decodes Q8_0 blocks: dst[i] = d·q[i], in float32 as ggml.
// len(dst) must be a multiple of QK and len(src) must be len(dst)/QK*34;
// otherwise it panics, as a programming error.
func DequantizeQ8_0(dst []float32, src []byte) {
	nb := mustBlocks("DequantizeQ8_0", len(dst), len(src), BlockQ8_0Bytes)
	for b := 0; b < nb; b++ {
		in := src[b*BlockQ8_0Bytes : (b+1)*BlockQ8_0Bytes : (b+1)*BlockQ8_0Bytes]
		y := dst[b*QK : (b+1)*QK : (b+1)*QK]
		d := getF16(in)
		for j := range y {
			y[j] = float32(int8(in[2+j])) * d
		}
	}
}

// QuantizeQ4_0 encodes src as Q4_0 blocks into dst. Per block, max is the
// signed value of largest magnitude (the first one on ties), d = max/−8, and
// q = min(15, trunc(x·(1/d) + 8.5)); byte j holds q[j] in its low nibble and
// q[j+16] in its high one. Dividing by −8 maps max itself to q = 0 (−8·d),
// so the far end of the range, −max, lands on 16 and is clamped to 15: the
// grid is asymmetric on purpose, spending no code on a value that never
// occurs. len(src) must be a multiple of QK and len(dst) must be
// len(src)/QK*18; otherwise it panics, as a programming error.
func QuantizeQ4_0(dst []byte, src []float32) {
	nb := mustBlocks("QuantizeQ4_0", len(src), len(dst), BlockQ4_0Bytes)
	for b := 0; b < nb; b++ {
		x := src[b*QK : (b+1)*QK : (b+1)*QK]
		out := dst[b*BlockQ4_0Bytes : (b+1)*BlockQ4_0Bytes : (b+1)*BlockQ4_0Bytes]

		// signedPeak keeps the first of equal magnitudes and skips NaN, as
		// ggml's "if (amax < fabsf(v))".
		peak := signedPeak(x)
		// An all-zero block gives d = 0/−8 = −0: ggml stores the fp16 bits
		// 0x8000, and so do we.
		d := peak / -8
		id := recip(d)
		putF16(out, d)
		for j := 0; j < QK/2; j++ {
			lo := q4Nibble(x[j] * id)
			hi := q4Nibble(x[j+QK/2] * id)
			out[2+j] = lo | hi<<4
		}
	}
}

// q4Nibble is ggml's MIN(15, (int8_t)(v + 8.5f)) for v = x·id. ggml rounds
// x·id to float32 before adding 8.5; the explicit float32(v) keeps that
// rounding when the call is inlined (without it the compiler may fuse the
// multiply and the add into one FMA on arm64). The conversion to int8
// truncates toward zero; every v of a finite block lies in about [−8, 8], so
// the sum is ≥ 0 and the code is 0…16 before the clamp (the mask only makes
// the nibble's width explicit).
func q4Nibble(v float32) byte {
	q := int(cInt8(float32(v) + 8.5))
	return byte(min(15, q)) & 0x0f
}

// recip is 1/d, or 0 for d = 0 (an all-zero block, whose codes are then
// all zero), as ggml's reference quantizers compute it.
func recip(d float32) float32 {
	if d != 0 {
		return 1 / d
	}
	return 0
}

// cInt8 converts like C's (int8_t)f compiled for x86-64: truncate toward zero
// to a 32-bit int (cvttss2si), keep the low byte. What x86 does with NaN,
// ±Inf and values outside int32 (0x80000000, low byte 0) is spelled out,
// because Go leaves those conversions implementation-defined.
func cInt8(f float32) int8 {
	if !(f >= -(1<<31) && f < 1<<31) {
		return 0
	}
	return int8(int32(f))
}

// DequantizeQ4_0 decodes Q4_0 blocks: dst[j] = d·(low nibble of byte j − 8),
// dst[j+16] = d·(high nibble − 8). len(dst) must be a multiple of QK and
// len(src) must be len(dst)/QK*18; otherwise it panics, as a programming error.
func DequantizeQ4_0(dst []float32, src []byte) {
	nb := mustBlocks("DequantizeQ4_0", len(dst), len(src), BlockQ4_0Bytes)
	for b := 0; b < nb; b++ {
		in := src[b*BlockQ4_0Bytes : (b+1)*BlockQ4_0Bytes : (b+1)*BlockQ4_0Bytes]
		y := dst[b*QK : (b+1)*QK : (b+1)*QK]
		d := getF16(in)
		for j := 0; j < QK/2; j++ {
			y[j] = float32(int(in[2+j]&0x0f)-8) * d
			y[j+QK/2] = float32(int(in[2+j]>>4)-8) * d
		}
	}
}

// EncodeF16 stores src as little-endian IEEE half floats, rounding to
// nearest even (as numpy and ggml's FP32_TO_FP16). len(dst) must be
// 2·len(src); otherwise it panics, as a programming error.
func EncodeF16(dst []byte, src []float32) {
	if len(dst) != 2*len(src) {
		panic(fmt.Sprintf("quant.EncodeF16: %d bytes for %d values, want %d", len(dst), len(src), 2*len(src)))
	}
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], float16.Fromfloat32(v).Bits())
	}
}

// DecodeF16 reads little-endian IEEE half floats (exact in float32).
// len(src) must be 2·len(dst); otherwise it panics, as a programming error.
func DecodeF16(dst []float32, src []byte) {
	if len(src) != 2*len(dst) {
		panic(fmt.Sprintf("quant.DecodeF16: %d bytes for %d values, want %d", len(src), len(dst), 2*len(dst)))
	}
	for i := range dst {
		dst[i] = float16.Frombits(binary.LittleEndian.Uint16(src[2*i:])).Float32()
	}
}

// checkLengths reports whether n values of type t fit exactly in nbytes.
func checkLengths(t Type, n, nbytes int) error {
	want, err := t.RowBytes(n)
	if err != nil {
		return err
	}
	if nbytes != want {
		return fmt.Errorf("%d values take %d bytes, buffer has %d", n, want, nbytes)
	}
	return nil
}

// mustBlocks is mustBlocksOf for 32-value blocks.
func mustBlocks(fn string, n, nbytes, blockBytes int) int {
	return mustBlocksOf(fn, n, nbytes, QK, blockBytes)
}

// mustBlocksOf returns the number of blocks for n values in nbytes bytes of
// blockVals-value, blockBytes-byte blocks, panicking with the caller's name
// when the lengths disagree: a silent partial conversion would be worse than
// a crash.
func mustBlocksOf(fn string, n, nbytes, blockVals, blockBytes int) int {
	if n%blockVals != 0 {
		panic(fmt.Sprintf("quant.%s: %d values is not a whole number of %d-value blocks", fn, n, blockVals))
	}
	nb := n / blockVals
	if nbytes != nb*blockBytes {
		panic(fmt.Sprintf("quant.%s: %d values need %d bytes, buffer has %d", fn, n, nb*blockBytes, nbytes))
	}
	return nb
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

func putF16(b []byte, v float32) {
	binary.LittleEndian.PutUint16(b, float16.Fromfloat32(v).Bits())
}

func getF16(b []byte) float32 {
	return float16.Frombits(binary.LittleEndian.Uint16(b)).Float32()
}
