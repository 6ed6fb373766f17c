package arm64_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gosling-edge/gosling/arm64"
	"github.com/gosling-edge/gosling/quant"
)

// The kernels of the types beyond Q8_0 and Q4_0 are checked against
// package quant's dequantization (bit-exact with ggml's): the product of
// the dequantized weights with the dequantized activations, which the
// integer arithmetic must reproduce up to float rounding, and the product
// with the float activations, which it must reproduce within the error
// the activation quantization allows: half an activation step per value,
// times the weight's magnitude.

// actKind is how a weight type wants its activations.
type actKind int

const (
	actQ8  actKind = iota // QuantizeQ8
	actQ81                // QuantizeQ8_1
	actQ8K                // QuantizeQ8_K
)

// acts is one or more activation vectors in every form a kernel takes.
type acts struct {
	q    []int8
	d, s []float32
	bs   []int16
	hat  []float32 // the dequantized activations
	step []float32 // per value, the activation quantization step
}

func quantizeActs(kind actKind, x []float32) acts {
	n := len(x)
	a := acts{q: make([]int8, n), hat: make([]float32, n), step: make([]float32, n)}
	bv := arm64.QK
	switch kind {
	case actQ8:
		a.d = make([]float32, n/bv)
		arm64.QuantizeQ8(a.q, a.d, x)
	case actQ81:
		a.d, a.s = make([]float32, n/bv), make([]float32, n/bv)
		arm64.QuantizeQ8_1(a.q, a.d, a.s, x)
	case actQ8K:
		bv = arm64.QKK
		a.d, a.bs = make([]float32, n/bv), make([]int16, n/16)
		arm64.QuantizeQ8_K(a.q, a.d, a.bs, x)
	}
	for i := range x {
		a.hat[i] = a.d[i/bv] * float32(a.q[i])
		a.step[i] = float32(math.Abs(float64(a.d[i/bv])))
	}
	return a
}

// typeKernel is one weight type's pair of kernels, behind one signature.
type typeKernel struct {
	typ  quant.Type
	act  actKind
	fp16 []int // offsets of the fp16 fields in a block
	mv   func(out []float32, w []byte, a acts)
	mm   func(out []float32, ld int, w []byte, a acts, T int)
}

// affineCodes is the byte range of a block's codes for the types whose
// values are d·q − m: the kernels sum the two parts apart, and the rounding
// of each counts (see affineParts).
var affineCodes = map[quant.Type][2]int{
	quant.TypeQ4_1: {4, 20}, quant.TypeQ5_1: {4, 24},
	quant.TypeQ2_K: {16, 80}, quant.TypeQ4_K: {16, 144}, quant.TypeQ5_K: {16, 176},
}

var typeKernels = []typeKernel{
	{quant.TypeQ4_1, actQ81, []int{0, 2},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ4_1(o, w, a.q, a.d, a.s) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ4_1(o, ld, w, a.q, a.d, a.s, T) }},
	{quant.TypeQ5_1, actQ81, []int{0, 2},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ5_1(o, w, a.q, a.d, a.s) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ5_1(o, ld, w, a.q, a.d, a.s, T) }},
	{quant.TypeQ5_0, actQ8, []int{0},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ5_0(o, w, a.q, a.d) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ5_0(o, ld, w, a.q, a.d, T) }},
	{quant.TypeIQ4_NL, actQ8, []int{0},
		func(o []float32, w []byte, a acts) { arm64.MatVecIQ4_NL(o, w, a.q, a.d) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulIQ4_NL(o, ld, w, a.q, a.d, T) }},
	{quant.TypeQ2_K, actQ8K, []int{80, 82},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ2_K(o, w, a.q, a.d, a.bs) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ2_K(o, ld, w, a.q, a.d, a.bs, T) }},
	{quant.TypeQ3_K, actQ8K, []int{108},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ3_K(o, w, a.q, a.d, a.bs) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ3_K(o, ld, w, a.q, a.d, a.bs, T) }},
	{quant.TypeQ4_K, actQ8K, []int{0, 2},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ4_K(o, w, a.q, a.d, a.bs) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ4_K(o, ld, w, a.q, a.d, a.bs, T) }},
	{quant.TypeQ5_K, actQ8K, []int{0, 2},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ5_K(o, w, a.q, a.d, a.bs) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ5_K(o, ld, w, a.q, a.d, a.bs, T) }},
	{quant.TypeQ6_K, actQ8K, []int{208},
		func(o []float32, w []byte, a acts) { arm64.MatVecQ6_K(o, w, a.q, a.d, a.bs) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulQ6_K(o, ld, w, a.q, a.d, a.bs, T) }},
	{quant.TypeIQ4_XS, actQ8K, []int{0},
		func(o []float32, w []byte, a acts) { arm64.MatVecIQ4_XS(o, w, a.q, a.d, a.bs) },
		func(o []float32, ld int, w []byte, a acts, T int) { arm64.MatMulIQ4_XS(o, ld, w, a.q, a.d, a.bs, T) }},
}

func typeRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

func normals(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// weightCases returns the weight matrices a type is tested on, rows×cols:
// quantized from normal values (at ordinary, huge and tiny magnitudes,
// with outliers), random bytes (every code and scale pattern, the fp16
// fields set to finite values up to the fp16 maximum), and all zeros.
func weightCases(t *testing.T, k typeKernel, r *rand.Rand, rows, cols int) map[string][]byte {
	t.Helper()
	quantized := func(x []float32) []byte {
		b := make([]byte, mustRowBytes(t, k.typ, len(x)))
		if err := quant.QuantizeRows(k.typ, b, x, cols, nil); err != nil {
			t.Fatal(err)
		}
		return b
	}
	n := rows * cols
	out := map[string][]byte{
		"normal": quantized(normals(r, n, 0.05)),
		"huge":   quantized(normals(r, n, 3e3)),
		"tiny":   quantized(normals(r, n, 1e-6)),
		"zero":   make([]byte, mustRowBytes(t, k.typ, n)),
	}
	outl := normals(r, n, 0.02)
	for i := 0; i < n; i += 37 {
		outl[i] *= 100
	}
	out["outliers"] = quantized(outl)
	for _, name := range []string{"bytes", "bytes-max-scale"} {
		b := make([]byte, mustRowBytes(t, k.typ, n))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		bb := k.typ.BlockBytes()
		for blk := 0; blk+bb <= len(b); blk += bb {
			for _, off := range k.fp16 {
				v := float32(r.NormFloat64() * 0.01)
				if name == "bytes-max-scale" {
					v = 65504 * float32(1-2*(r.IntN(2)))
				}
				if err := quant.Quantize(quant.TypeF16, b[blk+off:blk+off+2], []float32{v}); err != nil {
					t.Fatal(err)
				}
			}
		}
		out[name] = b
	}
	return out
}

func mustRowBytes(t *testing.T, typ quant.Type, n int) int {
	rb, err := typ.RowBytes(n)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func TestQuantTypeKernelsAgainstDequantize(t *testing.T) {
	for _, k := range typeKernels {
		t.Run(k.typ.String(), func(t *testing.T) {
			r := typeRand(uint64(k.typ))
			bv := k.typ.BlockSize()
			for _, shape := range [][2]int{{1, bv}, {3, 2 * bv}, {7, bv}, {5, 512}, {2, 1024}} {
				rows, cols := shape[0], shape[1]
				if cols%bv != 0 {
					continue
				}
				xs := map[string][]float32{
					"normal": normals(r, cols, 1),
					"zero":   make([]float32, cols),
				}
				sp := normals(r, cols, 0.1)
				sp[r.IntN(cols)] = 300
				xs["outlier"] = sp
				for wname, w := range weightCases(t, k, r, rows, cols) {
					deq := make([]float32, rows*cols)
					if err := quant.Dequantize(k.typ, deq, w); err != nil {
						t.Fatal(err)
					}
					off := affineParts(t, k, w, rows*cols)
					for xname, x := range xs {
						name := fmt.Sprintf("%dx%d/%s/%s", rows, cols, wname, xname)
						checkTypeKernel(t, k, name, w, deq, off, x, rows, cols)
					}
				}
			}
		})
	}
}

// affineParts returns, for the types whose values are d·q − m , each value's offset −m: the value its block gives with all codes
// zero. The kernels compute Σ d·q·x and Σ m·x apart, so the float rounding
// is relative to the size of these parts, not of their difference. It
// returns nil for the other types.
func affineParts(t *testing.T, k typeKernel, w []byte, n int) []float32 {
	codes, ok := affineCodes[k.typ]
	if !ok {
		return nil
	}
	z := append([]byte(nil), w...)
	bb := k.typ.BlockBytes()
	for blk := 0; blk < len(z); blk += bb {
		clear(z[blk+codes[0] : blk+codes[1]])
	}
	off := make([]float32, n)
	if err := quant.Dequantize(k.typ, off, z); err != nil {
		t.Fatal(err)
	}
	return off
}

func checkTypeKernel(t *testing.T, k typeKernel, name string, w []byte, deq, off, x []float32, rows, cols int) {
	t.Helper()
	a := quantizeActs(k.act, x)
	got := make([]float32, rows+1)
	got[rows] = -1234.5 // guard
	k.mv(got[:rows], w, a)
	if got[rows] != -1234.5 {
		t.Fatalf("%s: wrote past the output", name)
	}
	for i := 0; i < rows; i++ {
		wr := deq[i*cols : (i+1)*cols]
		var exactHat, exactX, mag, actErr float64
		for j, v := range wr {
			exactHat += float64(v) * float64(a.hat[j])
			exactX += float64(v) * float64(x[j])
			mag += math.Abs(float64(v)) * math.Abs(float64(a.hat[j]))
			if off != nil {
				o := float64(off[i*cols+j])
				mag += (math.Abs(float64(v)-o) + math.Abs(o)) * math.Abs(float64(a.hat[j]))
			}
			actErr += math.Abs(float64(v)) * float64(a.step[j]) / 2
		}
		// float32 sums of at most a few thousand products, and scales
		// rounded to float32: a relative 1e-5 of the magnitude.
		tol := 1e-5*mag + 1e-35
		g := float64(got[i])
		if math.IsNaN(g) || math.Abs(g-exactHat) > tol {
			t.Fatalf("%s row %d: %g, dequantized weights·activations %g (tolerance %g)", name, i, g, exactHat, tol)
		}
		if math.Abs(g-exactX) > actErr*1.0001+tol+1e-6*math.Abs(exactX) {
			t.Fatalf("%s row %d: %g, dequantized weights·float activations %g (activation error bound %g)", name, i, g, exactX, actErr)
		}
	}
	// The prefill form: T = 3 tokens (this one, its negation, zeros) give
	// what the matrix × vector form gives for each, bit for bit, and leave
	// the rest of a wider output alone.
	const T = 3
	xt := make([]float32, T*cols)
	copy(xt, x)
	for j, v := range x {
		xt[cols+j] = -v
	}
	at := quantizeActs(k.act, xt)
	ld := rows + 2
	mm := make([]float32, (T-1)*ld+rows)
	for i := range mm {
		mm[i] = -1234.5
	}
	k.mm(mm, ld, w, at, T)
	for tk := 0; tk < T; tk++ {
		one := quantizeActs(k.act, xt[tk*cols:(tk+1)*cols])
		want := make([]float32, rows)
		k.mv(want, w, one)
		for i := 0; i < rows; i++ {
			if g := mm[tk*ld+i]; math.Float32bits(g) != math.Float32bits(want[i]) {
				t.Fatalf("%s: MatMul token %d row %d = %g, MatVec %g", name, tk, i, g, want[i])
			}
		}
		if tk < T-1 {
			for i := rows; i < ld; i++ {
				if mm[tk*ld+i] != -1234.5 {
					t.Fatalf("%s: MatMul wrote column %d beyond its rows", name, i)
				}
			}
		}
	}
}

// QuantizeQ8_K writes what ggml's quantize_row_q8_K writes (quant's
// QuantizeQ8_K reproduces it byte for byte): the same codes, scale and
// sums, on random blocks, blocks with one outlier of either sign, zero
// blocks and blocks of values too small for 1/d.
func TestQuantizeQ8_KMatchesQuant(t *testing.T) {
	r := typeRand(8)
	var x []float32
	x = append(x, normals(r, arm64.QKK, 1)...)
	sp := normals(r, arm64.QKK, 0.01)
	sp[17] = -40
	x = append(x, sp...)
	sp = normals(r, arm64.QKK, 0.01)
	sp[200] = 40
	x = append(x, sp...)
	x = append(x, make([]float32, arm64.QKK)...)
	x = append(x, normals(r, arm64.QKK, 1e4)...)
	nb := len(x) / arm64.QKK
	q, d, s := make([]int8, len(x)), make([]float32, nb), make([]int16, len(x)/16)
	arm64.QuantizeQ8_K(q, d, s, x)
	ref := make([]byte, nb*quant.BlockQ8_KBytes)
	quant.QuantizeQ8_K(ref, x)
	for b := 0; b < nb; b++ {
		blk := ref[b*quant.BlockQ8_KBytes:]
		if got, want := math.Float32bits(d[b]), uint32(blk[0])|uint32(blk[1])<<8|uint32(blk[2])<<16|uint32(blk[3])<<24; got != want {
			t.Errorf("block %d: d = %g, quant %g", b, d[b], math.Float32frombits(want))
		}
		for j := 0; j < arm64.QKK; j++ {
			if q[b*arm64.QKK+j] != int8(blk[4+j]) {
				t.Fatalf("block %d code %d: %d, quant %d", b, j, q[b*arm64.QKK+j], int8(blk[4+j]))
			}
		}
		for g := 0; g < arm64.QKK/16; g++ {
			o := 4 + arm64.QKK + 2*g
			if want := int16(uint16(blk[o]) | uint16(blk[o+1])<<8); s[b*16+g] != want {
				t.Fatalf("block %d sum %d: %d, quant %d", b, g, s[b*16+g], want)
			}
		}
	}
	// Below ~1e-38 the scale's inverse overflows: codes and sums are 0.
	tiny := make([]float32, arm64.QKK)
	tiny[3] = 1e-40
	q, d, s = q[:arm64.QKK], d[:1], s[:16]
	arm64.QuantizeQ8_K(q, d, s, tiny)
	for j, v := range q {
		if v != 0 {
			t.Fatalf("tiny block: code %d = %d", j, v)
		}
	}
}

// QuantizeQ8_1 is QuantizeQ8 plus the dequantized sum of each block.
func TestQuantizeQ8_1Sums(t *testing.T) {
	r := typeRand(81)
	x := normals(r, 5*arm64.QK, 2)
	clear(x[arm64.QK : 2*arm64.QK])
	q, d, s := make([]int8, len(x)), make([]float32, 5), make([]float32, 5)
	arm64.QuantizeQ8_1(q, d, s, x)
	q0, d0 := make([]int8, len(x)), make([]float32, 5)
	arm64.QuantizeQ8(q0, d0, x)
	for b := 0; b < 5; b++ {
		var sum int
		for j := 0; j < arm64.QK; j++ {
			if q[b*arm64.QK+j] != q0[b*arm64.QK+j] {
				t.Fatalf("block %d: codes differ from QuantizeQ8", b)
			}
			sum += int(q[b*arm64.QK+j])
		}
		if d[b] != d0[b] || s[b] != d[b]*float32(sum) {
			t.Errorf("block %d: d %g s %g, want d %g s %g", b, d[b], s[b], d0[b], d0[b]*float32(sum))
		}
	}
}

// The BF16 kernels against quant's widening and a float64 dot product.
func TestBF16KernelsAgainstDecode(t *testing.T) {
	r := typeRand(16)
	for _, shape := range [][2]int{{1, 1}, {3, 7}, {5, 128}, {4, 515}} {
		rows, cols := shape[0], shape[1]
		wf := normals(r, rows*cols, 0.1)
		wf[0] = 3e38 // rounds to the largest bfloat16s
		if rows > 1 {
			wf[cols] = 0
		}
		raw := make([]byte, 2*len(wf))
		if err := quant.Quantize(quant.TypeBF16, raw, wf); err != nil {
			t.Fatal(err)
		}
		w := make([]uint16, len(wf))
		for i := range w {
			w[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
		}
		deq := make([]float32, len(wf))
		if err := quant.Dequantize(quant.TypeBF16, deq, raw); err != nil {
			t.Fatal(err)
		}
		x := normals(r, cols, 1e-30) // keeps the 3e38 row finite
		x = append(x, normals(r, 2*cols, 1e-30)...)
		got := make([]float32, rows)
		arm64.MatVecBF16(got, w, x[:cols])
		for i := range got {
			var want, mag float64
			for j := 0; j < cols; j++ {
				p := float64(deq[i*cols+j]) * float64(x[j])
				want += p
				mag += math.Abs(p)
			}
			if math.Abs(float64(got[i])-want) > 1e-6*mag {
				t.Fatalf("%dx%d row %d: %g, want %g", rows, cols, i, got[i], want)
			}
		}
		const T = 3
		mm := make([]float32, (T-1)*(rows+1)+rows)
		arm64.MatMulBF16(mm, rows+1, w, x, T)
		for tk := 0; tk < T; tk++ {
			one := make([]float32, rows)
			arm64.MatVecBF16(one, w, x[tk*cols:(tk+1)*cols])
			for i := range one {
				if math.Float32bits(mm[tk*(rows+1)+i]) != math.Float32bits(one[i]) {
					t.Fatalf("%dx%d token %d row %d: MatMul %g, MatVec %g", rows, cols, tk, i, mm[tk*(rows+1)+i], one[i])
				}
			}
		}
	}
}
