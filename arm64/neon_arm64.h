// Encodings of the Advanced SIMD instructions that Go's arm64 assembler
// does not know (Go 1.26 has VADD, VADDP, VFMLA, VLD1, ... but no SDOT,
// SMULL, SCVTF, FCVTL, FMUL, FADD, ...). Each macro emits the instruction
// as a WORD; its name and comment give the mnemonic.
//
// Operands are register numbers in ARM order, destination first, e.g.
// SDOT_4S(0, 10, 8) is "SDOT V0.4S, V10.16B, V8.16B". The encodings were
// checked against GNU objdump by testdata/check_encodings.sh. Three-operand
// integer instructions that Go does know (ADD, SUB, ADDP) also get an
// ARM-order macro here, so that no kernel mixes Go's reversed operand
// order with ARM's in the same arithmetic.

#define NEON_RRR(op, d, n, m) WORD $((op) | ((m)<<16) | ((n)<<5) | (d))
#define NEON_RR(op, d, n) WORD $((op) | ((n)<<5) | (d))

// Index i of an element operand Vm.S[i] (or Vm.4B[i] for SDOT): L = bit 21, H = bit 11.
#define NEON_IDX_S(i) ((((i)&1)<<21) | (((i)>>1)<<11))
#define NEON_RRE(op, d, n, m, i) WORD $((op) | NEON_IDX_S(i) | ((m)<<16) | ((n)<<5) | (d))

// --- integer arithmetic ---

// ADD Vd.4S, Vn.4S, Vm.4S
#define ADD_4S(d, n, m) NEON_RRR(0x4ea08400, d, n, m)
// SUB Vd.4S, Vn.4S, Vm.4S
#define SUB_4S(d, n, m) NEON_RRR(0x6ea08400, d, n, m)
// ADDP Vd.4S, Vn.4S, Vm.4S (pairwise: d = [n0+n1, n2+n3, m0+m1, m2+m3])
#define ADDP_4S(d, n, m) NEON_RRR(0x4ea0bc00, d, n, m)
// AND Vd.16B, Vn.16B, Vm.16B
#define AND_16B(d, n, m) NEON_RRR(0x4e201c00, d, n, m)
// EOR Vd.16B, Vn.16B, Vm.16B
#define EOR_16B(d, n, m) NEON_RRR(0x6e201c00, d, n, m)
// SHL Vd.16B, Vn.16B, #sh (0 ≤ sh ≤ 7)
#define SHL_16B(d, n, sh) NEON_RR(0x4f085400 | ((sh)<<16), d, n)
// USHR Vd.16B, Vn.16B, #sh (1 ≤ sh ≤ 8)
#define USHR_16B(d, n, sh) NEON_RR(0x6f000400 | ((16-(sh))<<16), d, n)
// CMEQ Vd.16B, Vn.16B, Vm.16B
#define CMEQ_16B(d, n, m) NEON_RRR(0x6e208c00, d, n, m)

// --- integer dot products and widening multiplies ---

// SDOT Vd.4S, Vn.16B, Vm.16B (ARMv8.2 dotprod): Vd.S[k] += Σ_{l<4} Vn.B[4k+l]·Vm.B[4k+l]
#define SDOT_4S(d, n, m) NEON_RRR(0x4e809400, d, n, m)
// SDOT Vd.4S, Vn.16B, Vm.4B[i] (ARMv8.2 dotprod)
#define SDOT_4S_ELEM(d, n, m, i) NEON_RRE(0x4f80e000, d, n, m, i)
// SMULL Vd.8H, Vn.8B, Vm.8B
#define SMULL_8H(d, n, m) NEON_RRR(0x0e20c000, d, n, m)
// SMULL2 Vd.8H, Vn.16B, Vm.16B
#define SMULL2_8H(d, n, m) NEON_RRR(0x4e20c000, d, n, m)
// SMLAL Vd.8H, Vn.8B, Vm.8B
#define SMLAL_8H(d, n, m) NEON_RRR(0x0e208000, d, n, m)
// SMLAL2 Vd.8H, Vn.16B, Vm.16B
#define SMLAL2_8H(d, n, m) NEON_RRR(0x4e208000, d, n, m)
// SADALP Vd.4S, Vn.8H: Vd.S[k] += Vn.H[2k] + Vn.H[2k+1]
#define SADALP_4S(d, n) NEON_RR(0x4e606800, d, n)
// SADDLP Vd.4S, Vn.8H
#define SADDLP_4S(d, n) NEON_RR(0x4e602800, d, n)
// SADDLP Vd.8H, Vn.16B
#define SADDLP_8H(d, n) NEON_RR(0x4e202800, d, n)
// SADALP Vd.8H, Vn.16B
#define SADALP_8H(d, n) NEON_RR(0x4e206800, d, n)
// SADDLV Sd, Vn.8H (sum of the eight int16 lanes as int32)
#define SADDLV_S(d, n) NEON_RR(0x4e703800, d, n)
// SHL Vd.4S, Vn.4S, #sh (0 ≤ sh ≤ 31)
#define SHL_4S(d, n, sh) NEON_RR(0x4f205400 | ((sh)<<16), d, n)
// SSHR Vd.16B, Vn.16B, #sh (1 ≤ sh ≤ 8)
#define SSHR_16B(d, n, sh) NEON_RR(0x4f000400 | ((16-(sh))<<16), d, n)
// XTN Vd.8B, Vn.8H
#define XTN_8B(d, n) NEON_RR(0x0e212800, d, n)
// XTN2 Vd.16B, Vn.8H
#define XTN2_16B(d, n) NEON_RR(0x4e212800, d, n)
// UZP1 Vd.8H, Vn.8H, Vm.8H (even halves: the low 16 bits of each 32-bit lane of n, then of m)
#define UZP1_8H(d, n, m) NEON_RRR(0x4e401800, d, n, m)
// UZP1 Vd.16B, Vn.16B, Vm.16B (even bytes)
#define UZP1_16B(d, n, m) NEON_RRR(0x4e001800, d, n, m)
// UMAXV Bd, Vn.16B
#define UMAXV_B(d, n) NEON_RR(0x6e30a800, d, n)

// --- loads ---

// LD4 {Vt.S, Vt+1.S, Vt+2.S, Vt+3.S}[i], [Xn], #16: four words from Xn into
// lane i of four consecutive registers (a transposing load). n is the
// number of the general register (R7 → 7).
#define LD4_S_LANE_P16(t, i, n) WORD $(0x0dffa000 | (((i)>>1)<<30) | (((i)&1)<<12) | ((n)<<5) | (t))
// LD1R {Vt.4S}, [Xn], #4 (one word into every lane, post-incremented)
#define LD1R_4S_P4(t, n) NEON_RR(0x4ddfc800, t, n)

// --- conversions ---

// SCVTF Vd.4S, Vn.4S (int32 → float32, round to nearest)
#define SCVTF_4S(d, n) NEON_RR(0x4e21d800, d, n)
// FCVTL Vd.4S, Vn.4H (half → single, exact)
#define FCVTL_4S(d, n) NEON_RR(0x0e217800, d, n)
// FCVTL2 Vd.4S, Vn.8H (upper four halves → single)
#define FCVTL2_4S(d, n) NEON_RR(0x4e217800, d, n)
// FCVTAS Vd.4S, Vn.4S (float32 → int32, round to nearest, ties away from zero)
#define FCVTAS_4S(d, n) NEON_RR(0x4e21c800, d, n)

// --- float32 arithmetic ---

// FRINTN Vd.4S, Vn.4S (round to nearest, ties to even)
#define FRINTN_4S(d, n) NEON_RR(0x4e218800, d, n)
// FCVTZS Vd.4S, Vn.4S (float32 → int32, toward zero)
#define FCVTZS_4S(d, n) NEON_RR(0x4ea1b800, d, n)
// FMIN Vd.4S, Vn.4S, Vm.4S
#define FMIN_4S(d, n, m) NEON_RRR(0x4ea0f400, d, n, m)
// FNEG Vd.4S, Vn.4S
#define FNEG_4S(d, n) NEON_RR(0x6ea0f800, d, n)
// FDIV Vd.4S, Vn.4S, Vm.4S
#define FDIV_4S(d, n, m) NEON_RRR(0x6e20fc00, d, n, m)
// DUP Vd.4S, Vn.S[i]
#define DUP_4S_ELEM(d, n, i) NEON_RR(0x4e000400 | (((((i)<<3)|4))<<16), d, n)
// MOV Vd.16B, Vn.16B (ORR Vd, Vn, Vn)
#define MOV_16B(d, n) NEON_RRR(0x4ea01c00, d, n, n)

// FADD Vd.4S, Vn.4S, Vm.4S
#define FADD_4S(d, n, m) NEON_RRR(0x4e20d400, d, n, m)
// FSUB Vd.4S, Vn.4S, Vm.4S
// FCMEQ Vd.4S, Vn.4S, Vm.4S
#define FCMEQ_4S(d, n, m) NEON_RRR(0x4e20e400, d, n, m)
#define FSUB_4S(d, n, m) NEON_RRR(0x4ea0d400, d, n, m)
// FMUL Vd.4S, Vn.4S, Vm.4S
#define FMUL_4S(d, n, m) NEON_RRR(0x6e20dc00, d, n, m)
// FADDP Vd.4S, Vn.4S, Vm.4S (pairwise: d = [n0+n1, n2+n3, m0+m1, m2+m3])
#define FADDP_4S(d, n, m) NEON_RRR(0x6e20d400, d, n, m)
// FADDP Sd, Vn.2S (scalar: d = n0 + n1)
#define FADDP_S(d, n) NEON_RR(0x7e30d800, d, n)
// FMAX Vd.4S, Vn.4S, Vm.4S
#define FMAX_4S(d, n, m) NEON_RRR(0x4e20f400, d, n, m)
// FMAXV Sd, Vn.4S
#define FMAXV_S(d, n) NEON_RR(0x6e30f800, d, n)
// FABS Vd.4S, Vn.4S
#define FABS_4S(d, n) NEON_RR(0x4ea0f800, d, n)
// FMLA Vd.4S, Vn.4S, Vm.4S
#define FMLA_4S(d, n, m) NEON_RRR(0x4e20cc00, d, n, m)
// FMLS Vd.4S, Vn.4S, Vm.4S
#define FMLS_4S(d, n, m) NEON_RRR(0x4ea0cc00, d, n, m)
// FMUL Vd.4S, Vn.4S, Vm.S[i]
#define FMUL_4S_ELEM(d, n, m, i) NEON_RRE(0x4f809000, d, n, m, i)
// FMLA Vd.4S, Vn.4S, Vm.S[i]
#define FMLA_4S_ELEM(d, n, m, i) NEON_RRE(0x4f801000, d, n, m, i)
// FMLS Vd.4S, Vn.4S, Vm.S[i]
#define FMLS_4S_ELEM(d, n, m, i) NEON_RRE(0x4f805000, d, n, m, i)

// --- added for the K-quant, IQ4_XS and BF16 kernels ---

// ORR Vd.16B, Vn.16B, Vm.16B
#define ORR_16B(d, n, m) NEON_RRR(0x4ea01c00, d, n, m)
// MUL Vd.4S, Vn.4S, Vm.4S
#define MUL_4S(d, n, m) NEON_RRR(0x4ea09c00, d, n, m)
// MLA Vd.4S, Vn.4S, Vm.4S
#define MLA_4S(d, n, m) NEON_RRR(0x4ea09400, d, n, m)
// ADDP Vd.8H, Vn.8H, Vm.8H
#define ADDP_8H(d, n, m) NEON_RRR(0x4e60bc00, d, n, m)
// ADDV Sd, Vn.4S
#define ADDV_S(d, n) NEON_RR(0x4eb1b800, d, n)
// UXTL Vd.8H, Vn.8B / UXTL2 Vd.8H, Vn.16B
#define UXTL_8H(d, n) NEON_RR(0x2f08a400, d, n)
#define UXTL2_8H(d, n) NEON_RR(0x6f08a400, d, n)
// UXTL Vd.4S, Vn.4H / UXTL2 Vd.4S, Vn.8H
#define UXTL_4S(d, n) NEON_RR(0x2f10a400, d, n)
#define UXTL2_4S(d, n) NEON_RR(0x6f10a400, d, n)
// SXTL Vd.8H, Vn.8B / SXTL2 Vd.8H, Vn.16B
#define SXTL_8H(d, n) NEON_RR(0x0f08a400, d, n)
#define SXTL2_8H(d, n) NEON_RR(0x4f08a400, d, n)
// SXTL Vd.4S, Vn.4H / SXTL2 Vd.4S, Vn.8H
#define SXTL_4S(d, n) NEON_RR(0x0f10a400, d, n)
#define SXTL2_4S(d, n) NEON_RR(0x4f10a400, d, n)
// SMULL Vd.4S, Vn.4H, Vm.4H / SMLAL Vd.4S, Vn.4H, Vm.4H / SMLAL2 Vd.4S, Vn.8H, Vm.8H
#define SMULL_4S(d, n, m) NEON_RRR(0x0e60c000, d, n, m)
#define SMLAL_4S(d, n, m) NEON_RRR(0x0e608000, d, n, m)
#define SMLAL2_4S(d, n, m) NEON_RRR(0x4e608000, d, n, m)
// TBL Vd.16B, {Vn.16B}, Vm.16B (bytes of n indexed by m; 0 for indices ≥ 16)
#define TBL_16B(d, n, m) NEON_RRR(0x4e000000, d, n, m)
// SHLL Vd.4S, Vn.4H, #16 / SHLL2 Vd.4S, Vn.8H, #16 (bf16 → float32: the bits moved up)
#define SHLL16_4S(d, n) NEON_RR(0x2e613800, d, n)
#define SHLL16_2_4S(d, n) NEON_RR(0x6e613800, d, n)
// USHL Vd.16B, Vn.16B, Vm.16B (per-lane shift by the signed byte of m: left if positive, right if negative)
#define USHL_16B(d, n, m) NEON_RRR(0x6e204400, d, n, m)
// EXT Vd.16B, Vn.16B, Vm.16B, #i (bytes i… of n:m)
#define EXT_16B(d, n, m, i) NEON_RRR(0x6e000000 | ((i)<<11), d, n, m)
// SLI Vd.16B, Vn.16B, #sh (d = n<<sh | d's low sh bits; 0 ≤ sh ≤ 7)
#define SLI_16B(d, n, sh) NEON_RR(0x6f085400 | ((sh)<<16), d, n)
// SUB Vd.16B, Vn.16B, Vm.16B
#define SUB_16B(d, n, m) NEON_RRR(0x6e208400, d, n, m)
// FMAXNM / FMINNM Vd.4S, Vn.4S, Vm.4S (a NaN operand loses to a number)
#define FMAXNM_4S(d, n, m) NEON_RRR(0x4e20c400, d, n, m)
#define FMINNM_4S(d, n, m) NEON_RRR(0x4ea0c400, d, n, m)
// FMAXNMV / FMINNMV Sd, Vn.4S
#define FMAXNMV_S(d, n) NEON_RR(0x6e30c800, d, n)
#define FMINNMV_S(d, n) NEON_RR(0x6eb0c800, d, n)
// FCVTNS Vd.4S, Vn.4S (float32 → int32, round to nearest, ties to even)
#define FCVTNS_4S(d, n) NEON_RR(0x4e21a800, d, n)
// SADDLV Hd, Vn.16B (sum of the sixteen int8 lanes as int16)
#define SADDLV_H(d, n) NEON_RR(0x4e303800, d, n)
// BIT Vd.16B, Vn.16B, Vm.16B (insert the bits of n where m is set)
#define BIT_16B(d, n, m) NEON_RRR(0x6ea01c00, d, n, m)
