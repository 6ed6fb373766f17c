package arm64

// The ggml block layouts of the types beyond Q8_0 and Q4_0 (see blocks.go
// for why they are repeated here; blocks_test.go ties them to package
// quant). Fields are listed in storage order; every fp16 is little-endian.
const (
	QKK = 256 // values per super-block of the K types, IQ4_XS and Q8_K

	BlockQ4_1   = 2 + 2 + QK/2     // d, m, 16 bytes of nibbles; d·q + m
	BlockQ5_0   = 2 + 4 + QK/2     // d, qh (bit 4 of each code), nibbles; d·(q−16)
	BlockQ5_1   = 2 + 2 + 4 + QK/2 // d, m, qh, nibbles; d·q + m
	BlockIQ4_NL = 2 + QK/2         // d, nibbles; d·iq4Values[q]

	BlockQ2_K   = QKK/16 + QKK/4 + 2 + 2     // scales[16], qs[64], d, dmin
	BlockQ3_K   = QKK/8 + QKK/4 + 12 + 2     // hmask[32], qs[64], scales[12], d
	BlockQ4_K   = 2 + 2 + 12 + QKK/2         // d, dmin, scales[12], qs[128]
	BlockQ5_K   = 2 + 2 + 12 + QKK/8 + QKK/2 // d, dmin, scales[12], qh[32], qs[128]
	BlockQ6_K   = QKK/2 + QKK/4 + QKK/16 + 2 // ql[128], qh[64], scales[16], d
	BlockIQ4_XS = 2 + 2 + QKK/64 + QKK/2     // d, scales_h, scales_l[4], qs[128]
)

// iq4Values is the non-linear 4-bit grid of IQ4_NL and IQ4_XS.
var iq4Values = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}
