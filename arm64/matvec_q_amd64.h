// What the quantized matvec kernels of the amd64 build share: the loop
// skeleton over groups of 8 rows and a tail of single rows, the exact
// reduction of each row's 8 int32 lanes to its block sum, and the scales.
// The including file defines the per-row block product (an OP for ROWS8)
// and the constants it needs. See matvec_q8_0_amd64.s for the registers.

// TABLE32 defines the 32-byte read-only table name from its four 8-byte
// quarters; SPLAT32 from one, repeated; NIBSHIFT the dword shifts of
// NIBBLES (0 for the low 128-bit half, 4 for the high).
#define TABLE32(name, a, b, c, d) \
	DATA  name+0(SB)/8, a;  \
	DATA  name+8(SB)/8, b;  \
	DATA  name+16(SB)/8, c; \
	DATA  name+24(SB)/8, d; \
	GLOBL name(SB), RODATA|NOPTR, $32
#define SPLAT32(name, v) TABLE32(name, v, v, v, v)
#define NIBSHIFT(name) TABLE32(name, $0, $0, $0x0000000400000004, $0x0000000400000004)

// NIBBLES unpacks the 16 code bytes at m into 32 nibbles in r (low
// nibbles elements 0..15, high 16..31): broadcast to both 128-bit halves,
// the high half shifted right by 4 (the NIBSHIFT table shift), both masked
// to 4 bits (low, 0x0F in every byte).
#define NIBBLES(m, r, shift, low) \
	VBROADCASTI128 m, r;       \
	VPSRLVD shift(SB), r, r;   \
	VPAND   low(SB), r, r

// QHBITS spreads bit i of the 32 bits qh at m to 0x10 in byte i of Y8:
// qh broadcast, each byte i picking qh's byte i/8 (bsel), masked to bit
// i%8 (bit), compared equal to it, masked to 0x10 (sixteen).
#define QHBITS(m, bsel, bit, sixteen) \
	VPBROADCASTD   m, Y8;             \
	VPSHUFB        bsel(SB), Y8, Y8;  \
	VPAND          bit(SB), Y8, Y8;   \
	VPCMPEQB       bit(SB), Y8, Y8;   \
	VPAND          sixteen(SB), Y8, Y8

DATA q8idx<>+0(SB)/4, $0
DATA q8idx<>+4(SB)/4, $1
DATA q8idx<>+8(SB)/4, $2
DATA q8idx<>+12(SB)/4, $3
DATA q8idx<>+16(SB)/4, $4
DATA q8idx<>+20(SB)/4, $5
DATA q8idx<>+24(SB)/4, $6
DATA q8idx<>+28(SB)/4, $7
GLOBL q8idx<>(SB), RODATA|NOPTR, $32

// Bytes 0,1, 4,5, 8,9, 12,13 of each 128-bit lane to its low 8 bytes.
TABLE32(q8shuf<>, $0x0d0c090805040100, $0x8080808080808080, $0x0d0c090805040100, $0x8080808080808080)

#define ROWS8(OP) \
	OP(2(R8), Y0);         \
	OP(2(R8)(R9*1), Y1);   \
	OP(2(R8)(R9*2), Y2);   \
	OP(2(R8)(R11*1), Y3);  \
	OP(2(R12), Y4);        \
	OP(2(R12)(R9*1), Y5);  \
	OP(2(R12)(R9*2), Y6);  \
	OP(2(R12)(R11*1), Y7)

// PREFETCH8 asks for the 8 rows' bytes 1 KiB ahead of their current
// block. Eight rows walked side by side are eight streams, more than the
// hardware prefetcher follows on some cores: out of cache the Q8_0 kernel
// read 7 GB/s without it where the F16 kernel, one stream, read 15 (AMD
// EPYC, the 0.1B head). A prefetch never faults, so running past the
// matrix's end is harmless.
#define PREFETCH8 \
	PREFETCHT0 1024(R8);         \
	PREFETCHT0 1024(R8)(R9*1);   \
	PREFETCHT0 1024(R8)(R9*2);   \
	PREFETCHT0 1024(R8)(R11*1);  \
	PREFETCHT0 1024(R12);        \
	PREFETCHT0 1024(R12)(R9*1);  \
	PREFETCHT0 1024(R12)(R9*2);  \
	PREFETCHT0 1024(R12)(R11*1)

// REDUCE8 leaves the block sums of rows 0..7 in Y1, as floats.
#define REDUCE8 \
	VPHADDD    Y1, Y0, Y0;      \
	VPHADDD    Y3, Y2, Y2;      \
	VPHADDD    Y5, Y4, Y4;      \
	VPHADDD    Y7, Y6, Y6;      \
	VPHADDD    Y2, Y0, Y0;      \
	VPHADDD    Y6, Y4, Y4;      \
	VPERM2I128 $0x20, Y4, Y0, Y1; \
	VPERM2I128 $0x31, Y4, Y0, Y2; \
	VPADDD     Y2, Y1, Y1;      \
	VCVTDQ2PS  Y1, Y1

// PACK8AVX2 packs the low halves of the 8 dwords in Y10 into X10.
#define PACK8AVX2 \
	VPSHUFB q8shuf<>(SB), Y10, Y10; \
	VPERMQ  $0x08, Y10, Y10

// GATHER8 leaves the dwords at the start of the 8 rows' current blocks in
// Y10 (their low halves are the fp16 scales).
#define GATHER8 \
	VPCMPEQD   Y9, Y9, Y9; \
	VPGATHERDD Y9, (R8)(Y13*1), Y10

// SCALE8 accumulates the block sums Y1 times d_w (Y10, fp16 in X10) times
// d_x into Y11.
#define SCALE8 \
	VCVTPH2PS    X10, Y10;       \
	VBROADCASTSS (DX)(AX*4), Y9; \
	VMULPS       Y9, Y10, Y10;   \
	VFMADD231PS  Y10, Y1, Y11

// REDUCE1 leaves the sum of the 8 int32 lanes of Y0 in X0, as a float.
#define REDUCE1 \
	VEXTRACTI128 $1, Y0, X1;  \
	VPADDD       X1, X0, X0;  \
	VPSHUFD      $0x4e, X0, X1; \
	VPADDD       X1, X0, X0;  \
	VPSHUFD      $0xb1, X0, X1; \
	VPADDD       X1, X0, X0;  \
	VCVTDQ2PS    X0, X0

// SCALE1 is SCALE8 for the lone row at R8.
#define SCALE1 \
	MOVWLZX      (R8), R11;        \
	VMOVD        R11, X10;         \
	VCVTPH2PS    X10, X10;         \
	VMOVSS       (DX)(AX*4), X9;   \
	VMULSS       X9, X10, X10;     \
	VFMADD231SS  X10, X0, X11

#define LOADARGS \
	MOVQ out+0(FP), DI;       \
	MOVQ rows+8(FP), CX;      \
	MOVQ w+16(FP), R8;        \
	MOVQ rowBytes+24(FP), R9; \
	MOVQ xq+32(FP), SI;       \
	MOVQ xd+40(FP), DX;       \
	MOVQ nb+48(FP), BX;       \
	VMOVD        R9, X13;     \
	VPBROADCASTD X13, Y13;    \
	VPMULLD      q8idx<>(SB), Y13, Y13

#define GROUP8START \
	LEAQ   (R9)(R9*2), R11;  \
	LEAQ   (R8)(R11*1), R12; \
	ADDQ   R9, R12;          \
	MOVQ   SI, R14;          \
	XORQ   AX, AX;           \
	VXORPS Y11, Y11, Y11

// GROUP8END stores the 8 sums and moves R8 to the row after the group
// (R8 has run through the blocks of row 0: it is at row 1).
#define GROUP8END \
	VMOVUPS Y11, (DI);       \
	ADDQ    $32, DI;         \
	LEAQ    (R12)(R11*1), R8; \
	SUBQ    $8, CX

#define ROW1START \
	MOVQ   SI, R14; \
	XORQ   AX, AX;  \
	VXORPS Y11, Y11, Y11

#define ROW1END \
	VMOVSS X11, (DI); \
	ADDQ   $4, DI;    \
	DECQ   CX

// BLOCKNEXT advances to the next block (bs bytes) and loops to l while
// blocks are left.
#define BLOCKNEXT(l, bs) \
	ADDQ $bs, R8;  \
	ADDQ $bs, R12; \
	ADDQ $32, R14; \
	INCQ AX;       \
	CMPQ AX, BX;   \
	JLT  l

// Q1MIN leaves the 8 rows' m (the high halves of the dwords GATHER8 left
// in Y10) in Y8, as floats.
#define Q1MIN \
	VPSRLD    $16, Y10, Y8;         \
	VPSHUFB   q8shuf<>(SB), Y8, Y8; \
	VPERMQ    $0x08, Y8, Y8;        \
	VCVTPH2PS X8, Y8

// Q1KERNEL is the body of the kernels of the block types with an offset
// m (Q4_1, Q5_1; blocks of BS bytes, d and m first): per block
// sum += d·xd·Σq·x + m·xs, as in dotQ4_1, OP (for ROWS8) giving the
// integer sums. GATHER8's dwords hold d and m of the 8 rows, m widened
// apart (Q1MIN, Y8) and multiplied by xs[b] (R10) after SCALE8.
#define Q1KERNEL(OP, BS) \
	LOADARGS;                         \
	MOVQ     xs+56(FP), R10;          \
	VPCMPEQW Y15, Y15, Y15;           \
	VPSRLW   $15, Y15, Y15;           \
group:;                               \
	CMPQ CX, $8;                      \
	JLT  tail;                        \
	GROUP8START;                      \
block8:;                              \
	VMOVDQU (R14), Y14;               \
	GATHER8;                          \
	PREFETCH8;                        \
	ROWS8(OP);                        \
	REDUCE8;                          \
	Q1MIN;                            \
	PACK8AVX2;                        \
	SCALE8;                           \
	VBROADCASTSS (R10)(AX*4), Y9;     \
	VFMADD231PS  Y9, Y8, Y11;         \
	BLOCKNEXT(block8, BS);            \
	GROUP8END;                        \
	JMP group;                        \
tail:;                                \
	TESTQ CX, CX;                     \
	JZ    done;                       \
	ROW1START;                        \
block1:;                              \
	VMOVDQU (R14), Y14;               \
	OP(2(R8), Y0);                    \
	REDUCE1;                          \
	SCALE1;                           \
	MOVWLZX     2(R8), R13;           \
	VMOVD       R13, X8;              \
	VCVTPH2PS   X8, X8;               \
	VMOVSS      (R10)(AX*4), X9;      \
	VFMADD231SS X9, X8, X11;          \
	BLOCKNEXT(block1, BS);            \
	ROW1END;                          \
	JMP tail;                         \
done:;                                \
	VZEROUPPER;                       \
	RET
