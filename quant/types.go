package quant

import (
	"fmt"
	"strings"
)

// Type is a ggml tensor type as stored in a GGUF tensor-info record.
type Type uint32

// The ggml tensor types (ggml.h). Package quant encodes and decodes the
// types in codec.go's table (Type.CanQuantize); the others are recognised so
// that a file holding them gets a clear "unsupported type" error naming the
// tensor instead of a parse failure.
const (
	TypeF32     Type = 0
	TypeF16     Type = 1
	TypeQ4_0    Type = 2
	TypeQ4_1    Type = 3
	TypeQ5_0    Type = 6
	TypeQ5_1    Type = 7
	TypeQ8_0    Type = 8
	TypeQ8_1    Type = 9
	TypeQ2_K    Type = 10
	TypeQ3_K    Type = 11
	TypeQ4_K    Type = 12
	TypeQ5_K    Type = 13
	TypeQ6_K    Type = 14
	TypeQ8_K    Type = 15
	TypeIQ2_XXS Type = 16
	TypeIQ2_XS  Type = 17
	TypeIQ3_XXS Type = 18
	TypeIQ1_S   Type = 19
	TypeIQ4_NL  Type = 20
	TypeIQ3_S   Type = 21
	TypeIQ2_S   Type = 22
	TypeIQ4_XS  Type = 23
	TypeI8      Type = 24
	TypeI16     Type = 25
	TypeI32     Type = 26
	TypeI64     Type = 27
	TypeF64     Type = 28
	TypeIQ1_M   Type = 29
	TypeBF16    Type = 30
	TypeTQ1_0   Type = 34
	TypeTQ2_0   Type = 35
	TypeMXFP4   Type = 39
)

type typeInfo struct {
	name       string
	blockSize  int // values per block
	blockBytes int // bytes per block
}

var typeTable = map[Type]typeInfo{
	TypeF32:     {"F32", 1, 4},
	TypeF16:     {"F16", 1, 2},
	TypeQ4_0:    {"Q4_0", QK, BlockQ4_0Bytes},
	TypeQ4_1:    {"Q4_1", QK, BlockQ4_1Bytes},
	TypeQ5_0:    {"Q5_0", QK, BlockQ5_0Bytes},
	TypeQ5_1:    {"Q5_1", QK, BlockQ5_1Bytes},
	TypeQ8_0:    {"Q8_0", QK, BlockQ8_0Bytes},
	TypeQ8_1:    {"Q8_1", 32, 36},
	TypeQ2_K:    {"Q2_K", QKK, BlockQ2_KBytes},
	TypeQ3_K:    {"Q3_K", QKK, BlockQ3_KBytes},
	TypeQ4_K:    {"Q4_K", QKK, BlockQ4_KBytes},
	TypeQ5_K:    {"Q5_K", QKK, BlockQ5_KBytes},
	TypeQ6_K:    {"Q6_K", QKK, BlockQ6_KBytes},
	TypeQ8_K:    {"Q8_K", QKK, BlockQ8_KBytes},
	TypeIQ2_XXS: {"IQ2_XXS", 256, 66},
	TypeIQ2_XS:  {"IQ2_XS", 256, 74},
	TypeIQ3_XXS: {"IQ3_XXS", 256, 98},
	TypeIQ1_S:   {"IQ1_S", 256, 50},
	TypeIQ4_NL:  {"IQ4_NL", QK, BlockIQ4_NLBytes},
	TypeIQ3_S:   {"IQ3_S", 256, 110},
	TypeIQ2_S:   {"IQ2_S", 256, 82},
	TypeIQ4_XS:  {"IQ4_XS", QKK, BlockIQ4_XSBytes},
	TypeI8:      {"I8", 1, 1},
	TypeI16:     {"I16", 1, 2},
	TypeI32:     {"I32", 1, 4},
	TypeI64:     {"I64", 1, 8},
	TypeF64:     {"F64", 1, 8},
	TypeIQ1_M:   {"IQ1_M", 256, 56},
	TypeBF16:    {"BF16", 1, 2},
	TypeTQ1_0:   {"TQ1_0", 256, 54},
	TypeTQ2_0:   {"TQ2_0", 256, 66},
	TypeMXFP4:   {"MXFP4", 32, 17},
}

func (t Type) String() string {
	if ti, ok := typeTable[t]; ok {
		return ti.name
	}
	return fmt.Sprintf("type%d", uint32(t))
}

// Known reports whether t is a ggml type this package can size.
func (t Type) Known() bool { _, ok := typeTable[t]; return ok }

// BlockSize is the number of values one block of t holds (1 for plain types).
func (t Type) BlockSize() int { return typeTable[t].blockSize }

// BlockBytes is the number of bytes one block of t takes.
func (t Type) BlockBytes() int { return typeTable[t].blockBytes }

// RowBytes returns the bytes a row of n values of type t takes, or an error
// if n is not a whole number of blocks.
func (t Type) RowBytes(n int) (int, error) {
	ti, ok := typeTable[t]
	if !ok {
		return 0, fmt.Errorf("unknown ggml type %d", uint32(t))
	}
	if n%ti.blockSize != 0 {
		return 0, fmt.Errorf("%s row of %d values is not a whole number of %d-value blocks", ti.name, n, ti.blockSize)
	}
	return n / ti.blockSize * ti.blockBytes, nil
}

// ParseType reads a type name such as "q8_0" or "F16" (case-insensitive).
func ParseType(s string) (Type, error) {
	for t, ti := range typeTable {
		if strings.EqualFold(ti.name, s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown tensor type %q", s)
}
