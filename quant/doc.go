// Package quant reads and writes GGUF files and defines the tensor block
// formats of ggml that people publish (F32, F16, BF16, Q8_0, Q4_0, Q4_1,
// Q5_0, Q5_1, Q2_K…Q6_K, IQ4_NL, IQ4_XS), and llama.cpp's importance-matrix
// file. It knows nothing about RWKV:
// it is the file format. Which tensors and keys an rwkv7 model holds is
// package runtime's business (its documentation, section "The weights").
//
// # Invariants
//
//   - Open maps the file read-only (MapFile) and reads nothing up front.
//     Every tensor's extent is checked against the file size before any
//     tensor byte is touched: a truncated file is an error at Open, never a
//     SIGBUS later.
//   - Tensors are views into the mapping (File.Bytes, File.F32, File.U16),
//     never copies.
//   - A header cannot make the parser allocate before its claims are checked
//     against the bytes present: counts, lengths and dimensions are bounded,
//     and extents are checked by subtraction, so that no sum can wrap.
//   - Files are written atomically (Writer.WriteFile: a temporary file
//     beside the target, synced, then renamed), so an interrupted conversion
//     never leaves a partial file under the target name. Tensor data comes
//     from callbacks at write time: a converter holds one tensor at a time.
//   - The quantizers reproduce llama-quantize byte for byte, with and
//     without an importance matrix (QuantizeRows), so a file written here is
//     the file llama.cpp writes; dequantization gives ggml's float32 bits.
//     Both are checked against llama.cpp's own output (testdata/README.md,
//     tools/llamacmp/quantcmp).
//
// # The GGUF file
//
// GGUF is llama.cpp's model file; this package writes version 3 and reads 3
// and 2. Integers are little-endian, and a string is a uint64 byte count
// followed by the bytes, with no terminator:
//
//	"GGUF"  uint32 version  uint64 tensor count  uint64 metadata count
//	metadata, in order:  string key, uint32 value type, the value
//	tensor infos:        string name, uint32 dimension count (1 to 4),
//	                     uint64 × dimensions, uint32 type, uint64 offset
//	zero padding to the alignment
//	tensor data: each tensor at its offset from the start of this section
//
// A value is a scalar of its ValueType (8- to 64-bit integers, float32,
// float64, bool as one byte 0 or 1, string) or an array: uint32 element
// type, uint64 count, then the elements. Every tensor offset is a multiple
// of the alignment: the metadata key general.alignment (a power of two up
// to 65536) or DefaultAlignment (32).
//
// Dimensions are in ggml order: the first is the length of a row, stored
// contiguously; the rows are the product of the others. A matrix used as
// out = W·x, with R outputs of C inputs each, has dimensions [C, R].
//
// # Block formats
//
// A row is a whole number of blocks; no block spans two rows.
//
//	F32   4 bytes a value: IEEE binary32
//	F16   2 bytes a value: IEEE binary16
//	BF16  2 bytes a value: the top half of a binary32
//	Q8_0  34 bytes per 32 values: fp16 scale d, then 32 int8 q;
//	      value = d·q
//	Q4_0  18 bytes per 32 values: fp16 scale d, then 16 bytes, byte j
//	      holding q_j in its low nibble and q_{j+16} in its high one;
//	      value = d·(q − 8)
//
// Quantizing a block, as ggml does: Q8_0 takes d = max|x|/127 and
// q = round(x·(1/d)), halves away from zero; Q4_0 takes the value m of
// largest magnitude (signed), d = m/−8 and q = min(15, trunc(x·(1/d) + 8.5)).
//
// The other formats are laid out where they are defined: Q4_1, Q5_0 and
// Q5_1 (32-value blocks with a fifth bit plane and/or a minimum) in
// legacy.go; the K types (256-value super-blocks of 16- or 32-value
// sub-blocks with 4- to 8-bit sub-block scales, and Q8_K, the activation
// blocks of their dot products) in kquants.go; IQ4_NL and IQ4_XS (a fixed
// non-uniform 16-level grid) in iquants.go; their quantizers' searches in
// scalesearch.go. The remaining ggml types (Type) are known by name and block
// size only, so that a file holding them reads, and the tensor that uses one
// gets an error naming its type.
package quant
