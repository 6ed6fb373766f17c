#!/bin/sh
# Checks every WORD-encoded instruction macro of ../neon_arm64.h against GNU
# objdump: builds a tiny linux/arm64 program whose assembly uses each macro
# once and compares the disassembly with the mnemonic the macro claims.
# Needs binutils-aarch64-linux-gnu. Run from anywhere: sh check_encodings.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/neon_arm64.h" "$tmp/"
cat > "$tmp/go.mod" <<'MOD'
module enc
go 1.21
MOD
printf 'package main\nfunc f()\nfunc main() { f() }\n' > "$tmp/main.go"
# macro invocation | expected objdump text
cat > "$tmp/cases" <<'CASES'
ADD_4S(1, 2, 3)|add	v1.4s, v2.4s, v3.4s
SUB_4S(1, 2, 3)|sub	v1.4s, v2.4s, v3.4s
ADDP_4S(1, 2, 3)|addp	v1.4s, v2.4s, v3.4s
AND_16B(1, 2, 3)|and	v1.16b, v2.16b, v3.16b
EOR_16B(1, 2, 3)|eor	v1.16b, v2.16b, v3.16b
SHL_16B(1, 2, 4)|shl	v1.16b, v2.16b, #4
SHL_16B(1, 2, 7)|shl	v1.16b, v2.16b, #7
USHR_16B(1, 2, 4)|ushr	v1.16b, v2.16b, #4
USHR_16B(1, 2, 8)|ushr	v1.16b, v2.16b, #8
SADDLP_8H(1, 2)|saddlp	v1.8h, v2.16b
SADALP_8H(1, 2)|sadalp	v1.8h, v2.16b
CMEQ_16B(1, 2, 3)|cmeq	v1.16b, v2.16b, v3.16b
FMLA_4S(1, 2, 3)|fmla	v1.4s, v2.4s, v3.4s
FMLS_4S(1, 2, 3)|fmls	v1.4s, v2.4s, v3.4s
SDOT_4S(1, 2, 3)|sdot	v1.4s, v2.16b, v3.16b
SDOT_4S_ELEM(1, 2, 3, 1)|sdot	v1.4s, v2.16b, v3.4b[1]
SDOT_4S_ELEM(31, 30, 29, 3)|sdot	v31.4s, v30.16b, v29.4b[3]
SMULL_8H(1, 2, 3)|smull	v1.8h, v2.8b, v3.8b
SMULL2_8H(1, 2, 3)|smull2	v1.8h, v2.16b, v3.16b
SMLAL_8H(1, 2, 3)|smlal	v1.8h, v2.8b, v3.8b
SMLAL2_8H(1, 2, 3)|smlal2	v1.8h, v2.16b, v3.16b
SADALP_4S(1, 2)|sadalp	v1.4s, v2.8h
SADDLP_4S(1, 2)|saddlp	v1.4s, v2.8h
SADDLV_S(1, 2)|saddlv	s1, v2.8h
SHL_4S(1, 2, 3)|shl	v1.4s, v2.4s, #3
SSHR_16B(1, 2, 4)|sshr	v1.16b, v2.16b, #4
SSHR_16B(1, 2, 1)|sshr	v1.16b, v2.16b, #1
XTN_8B(1, 2)|xtn	v1.8b, v2.8h
XTN2_16B(1, 2)|xtn2	v1.16b, v2.8h
UZP1_8H(1, 2, 3)|uzp1	v1.8h, v2.8h, v3.8h
UZP1_16B(1, 2, 3)|uzp1	v1.16b, v2.16b, v3.16b
UMAXV_B(1, 2)|umaxv	b1, v2.16b
LD4_S_LANE_P16(0, 0, 7)|ld4	{v0.s-v3.s}[0], [x7], #16
LD4_S_LANE_P16(0, 1, 7)|ld4	{v0.s-v3.s}[1], [x7], #16
LD4_S_LANE_P16(4, 3, 12)|ld4	{v4.s-v7.s}[3], [x12], #16
LD4_S_LANE_P16(28, 2, 25)|ld4	{v28.s-v31.s}[2], [x25], #16
LD1R_4S_P4(9, 22)|ld1r	{v9.4s}, [x22], #4
SCVTF_4S(1, 2)|scvtf	v1.4s, v2.4s
FCVTL_4S(1, 2)|fcvtl	v1.4s, v2.4h
FCVTL2_4S(1, 2)|fcvtl2	v1.4s, v2.8h
FCVTAS_4S(1, 2)|fcvtas	v1.4s, v2.4s
FRINTN_4S(1, 2)|frintn	v1.4s, v2.4s
FCVTZS_4S(1, 2)|fcvtzs	v1.4s, v2.4s
FMIN_4S(1, 2, 3)|fmin	v1.4s, v2.4s, v3.4s
FNEG_4S(1, 2)|fneg	v1.4s, v2.4s
FDIV_4S(1, 2, 3)|fdiv	v1.4s, v2.4s, v3.4s
DUP_4S_ELEM(1, 2, 3)|dup	v1.4s, v2.s[3]
DUP_4S_ELEM(1, 30, 0)|dup	v1.4s, v30.s[0]
MOV_16B(1, 2)|mov	v1.16b, v2.16b
FADD_4S(1, 2, 3)|fadd	v1.4s, v2.4s, v3.4s
FSUB_4S(1, 2, 3)|fsub	v1.4s, v2.4s, v3.4s
FMUL_4S(1, 2, 3)|fmul	v1.4s, v2.4s, v3.4s
FADDP_4S(1, 2, 3)|faddp	v1.4s, v2.4s, v3.4s
FADDP_S(1, 2)|faddp	s1, v2.2s
FMAX_4S(1, 2, 3)|fmax	v1.4s, v2.4s, v3.4s
FMAXV_S(1, 2)|fmaxv	s1, v2.4s
FABS_4S(1, 2)|fabs	v1.4s, v2.4s
FMUL_4S_ELEM(1, 2, 3, 0)|fmul	v1.4s, v2.4s, v3.s[0]
FMUL_4S_ELEM(1, 2, 31, 3)|fmul	v1.4s, v2.4s, v31.s[3]
FMLA_4S_ELEM(1, 2, 3, 1)|fmla	v1.4s, v2.4s, v3.s[1]
FMLA_4S_ELEM(1, 2, 20, 2)|fmla	v1.4s, v2.4s, v20.s[2]
FMLS_4S_ELEM(1, 2, 3, 2)|fmls	v1.4s, v2.4s, v3.s[2]
ORR_16B(1, 2, 3)|orr	v1.16b, v2.16b, v3.16b
MUL_4S(1, 2, 3)|mul	v1.4s, v2.4s, v3.4s
MLA_4S(1, 2, 3)|mla	v1.4s, v2.4s, v3.4s
ADDP_8H(1, 2, 3)|addp	v1.8h, v2.8h, v3.8h
ADDV_S(1, 2)|addv	s1, v2.4s
UXTL_8H(1, 2)|uxtl	v1.8h, v2.8b
UXTL2_8H(1, 2)|uxtl2	v1.8h, v2.16b
UXTL_4S(1, 2)|uxtl	v1.4s, v2.4h
UXTL2_4S(1, 2)|uxtl2	v1.4s, v2.8h
SXTL_8H(1, 2)|sxtl	v1.8h, v2.8b
SXTL2_8H(1, 2)|sxtl2	v1.8h, v2.16b
SXTL_4S(1, 2)|sxtl	v1.4s, v2.4h
SXTL2_4S(1, 2)|sxtl2	v1.4s, v2.8h
SMULL_4S(1, 2, 3)|smull	v1.4s, v2.4h, v3.4h
SMLAL_4S(1, 2, 3)|smlal	v1.4s, v2.4h, v3.4h
SMLAL2_4S(1, 2, 3)|smlal2	v1.4s, v2.8h, v3.8h
TBL_16B(1, 2, 3)|tbl	v1.16b, {v2.16b}, v3.16b
SHLL16_4S(1, 2)|shll	v1.4s, v2.4h, #16
SHLL16_2_4S(1, 2)|shll2	v1.4s, v2.8h, #16
USHL_16B(1, 2, 3)|ushl	v1.16b, v2.16b, v3.16b
EXT_16B(1, 2, 3, 8)|ext	v1.16b, v2.16b, v3.16b, #8
SLI_16B(1, 2, 4)|sli	v1.16b, v2.16b, #4
SUB_16B(1, 2, 3)|sub	v1.16b, v2.16b, v3.16b
FMAXNM_4S(1, 2, 3)|fmaxnm	v1.4s, v2.4s, v3.4s
FMINNM_4S(1, 2, 3)|fminnm	v1.4s, v2.4s, v3.4s
FMAXNMV_S(1, 2)|fmaxnmv	s1, v2.4s
FMINNMV_S(1, 2)|fminnmv	s1, v2.4s
FCVTNS_4S(1, 2)|fcvtns	v1.4s, v2.4s
SADDLV_H(1, 2)|saddlv	h1, v2.16b
BIT_16B(1, 2, 3)|bit	v1.16b, v2.16b, v3.16b
CASES
{
	printf '#include "textflag.h"\n#include "neon_arm64.h"\nTEXT ·f(SB), NOSPLIT, $0-0\n'
	cut -d'|' -f1 "$tmp/cases" | sed 's/^/\t/'
	printf '\tRET\n'
} > "$tmp/f_arm64.s"
(cd "$tmp" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -o prog .)
aarch64-linux-gnu-objdump -d "$tmp/prog" | sed -n '/<main.f.abi0>:/,/ret/p' |
	sed -n 's/^ *[0-9a-f]*:\t[0-9a-f]* \t//p' | sed 's/ *\/\/.*//' > "$tmp/got"
cut -d'|' -f2 "$tmp/cases" > "$tmp/want"
echo ret >> "$tmp/want"
if diff "$tmp/want" "$tmp/got"; then
	echo "check_encodings: $(($(wc -l < "$tmp/want") - 1)) encodings ok"
else
	echo "check_encodings: mismatch (< want, > got)" >&2
	exit 1
fi
