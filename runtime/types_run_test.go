package runtime_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/synth"
)

// Every weight type gosling computes with runs the forward pass in place.
// A random F32 model of width 256 (rows of whole K super-blocks) is
// quantized matrix by matrix with package quant (llama-quantize's bytes);
// the LoRA matrices whose rows are 32 values fall back to a 32-value type,
// as llama-quantize does for rows that are not whole super-blocks (it keeps
// rwkv7's LoRAs in F32 anyway; here they exercise the 32-value kernels in a
// mixed file). Its logits, decoding token by token and prefilling a chunk, are
// compared with
//   - the F32 model holding the dequantized weights: the same weights, so
//     only the activation quantization of the kernels differs (a bound
//     shared by every type; a wrong block layout is far outside it);
//   - the original F32 model: the quantization error, which must stay under
//     a per-type bound and shrink with the bits (a sanity check, not a
//     quality measure: the weights are random).

var typesShape = synth.Shape{Layers: 2, Embd: 256, Vocab: 500, FFN: 512, RankW: 32, RankA: 32, RankV: 32, RankG: 32}

// llamaFallback is the type llama-quantize writes a matrix in when its rows
// are not whole 256-value super-blocks (llama-quant.cpp).
var llamaFallback = map[quant.Type]quant.Type{
	quant.TypeQ2_K: quant.TypeIQ4_NL, quant.TypeQ3_K: quant.TypeIQ4_NL, quant.TypeIQ4_XS: quant.TypeIQ4_NL,
	quant.TypeQ4_K: quant.TypeQ5_0, quant.TypeQ5_K: quant.TypeQ5_1, quant.TypeQ6_K: quant.TypeQ8_0,
}

// requantized writes a copy of the F32 model src with every weight matrix
// in typ (or its fallback), and a second F32 copy holding those matrices
// dequantized again.
func requantized(t *testing.T, src string, typ quant.Type) (qpath, dqpath string) {
	t.Helper()
	m, err := runtime.Load(src, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	matrices := map[string]bool{m.Emb.Name: true, m.Head.Name: true}
	for i := range m.Blocks {
		b := &m.Blocks[i]
		for _, mat := range []*runtime.Matrix{b.W1, b.W2, b.A1, b.A2, b.V1, b.V2, b.G1, b.G2, b.WR, b.WK, b.WV, b.WO, b.FFNK, b.FFNV} {
			if mat != nil {
				matrices[mat.Name] = true
			}
		}
	}
	g := m.File
	wq, wdq := quant.NewWriter(), quant.NewWriter()
	for _, kv := range g.Meta.KVs {
		if kv.Key != "general.alignment" {
			wq.Add(kv.Key, kv.Value)
			wdq.Add(kv.Key, kv.Value)
		}
	}
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		data := g.Bytes(ti)
		if !matrices[ti.Name] {
			for _, w := range []*quant.Writer{wq, wdq} {
				if err := w.AddTensorBytes(ti.Name, ti.Type, ti.Dims, append([]byte(nil), data...)); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		x, err := g.F32(ti)
		if err != nil {
			t.Fatal(err)
		}
		tt := typ
		if ti.Cols()%tt.BlockSize() != 0 {
			tt = llamaFallback[typ]
		}
		rb, err := tt.RowBytes(len(x))
		if err != nil {
			t.Fatalf("%s as %s: %v", ti.Name, tt, err)
		}
		q := make([]byte, rb)
		if err := quant.QuantizeRows(tt, q, x, ti.Cols(), nil); err != nil {
			t.Fatal(err)
		}
		if err := wq.AddTensorBytes(ti.Name, tt, ti.Dims, q); err != nil {
			t.Fatal(err)
		}
		y := make([]float32, len(x))
		if err := quant.Dequantize(tt, y, q); err != nil {
			t.Fatal(err)
		}
		yb := make([]byte, 4*len(y))
		if err := quant.Quantize(quant.TypeF32, yb, y); err != nil {
			t.Fatal(err)
		}
		if err := wdq.AddTensorBytes(ti.Name, quant.TypeF32, ti.Dims, yb); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	qpath = filepath.Join(dir, strings.ToLower(typ.String())+".gguf")
	dqpath = filepath.Join(dir, strings.ToLower(typ.String())+"-dequantized.gguf")
	if err := wq.WriteFile(qpath, nil); err != nil {
		t.Fatal(err)
	}
	if err := wdq.WriteFile(dqpath, nil); err != nil {
		t.Fatal(err)
	}
	return qpath, dqpath
}

// runLogits decodes tokens one by one and returns the logits after each;
// then prefills them as one chunk and returns the last logits of that.
func runLogits(t *testing.T, path string, tokens []int32) (steps [][]float32, prefill []float32) {
	t.Helper()
	m := load(t, path, 2)
	ctx := m.NewContext()
	s := m.NewState()
	for _, tok := range tokens {
		l, err := ctx.Forward(s, int(tok))
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, append([]float32(nil), l...))
	}
	s = m.NewState()
	l, err := ctx.Prefill(s, tokens)
	if err != nil {
		t.Fatal(err)
	}
	return steps, append([]float32(nil), l...)
}

// relErr is ‖a − b‖ / ‖b‖.
func relErr(a, b []float32) float64 {
	var num, den float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		num += d * d
		den += float64(b[i]) * float64(b[i])
	}
	return math.Sqrt(num / den)
}

func TestEveryTypeRunsInPlace(t *testing.T) {
	src := synthModel(t, typesShape, quant.TypeF32)
	tokens := []int32{1, 17, 250, 3, 499, 42, 7, 100}
	ref, refPre := runLogits(t, src, tokens)
	// Bounds on ‖Δlogits‖/‖logits‖ against the original F32 model, about
	// 1.5 times what the types give on this model (logged below; random
	// weights amplify errors far more than trained ones): they follow the
	// types' bits, so a type that quantizes or computes with fewer
	// effective bits than its name fails.
	for _, c := range []struct {
		typ   quant.Type
		bound float64
	}{
		{quant.TypeBF16, 0.01},
		{quant.TypeQ8_0, 0.02},
		{quant.TypeQ6_K, 0.08},
		{quant.TypeQ5_K, 0.13},
		{quant.TypeQ5_0, 0.15},
		{quant.TypeQ5_1, 0.15},
		{quant.TypeQ4_K, 0.25},
		{quant.TypeQ4_1, 0.3},
		{quant.TypeQ4_0, 0.3},
		{quant.TypeIQ4_NL, 0.25},
		{quant.TypeIQ4_XS, 0.25},
		{quant.TypeQ3_K, 0.55},
		{quant.TypeQ2_K, 0.9},
	} {
		t.Run(c.typ.String(), func(t *testing.T) {
			qpath, dqpath := requantized(t, src, c.typ)
			got, gotPre := runLogits(t, qpath, tokens)
			same, samePre := runLogits(t, dqpath, tokens)
			var worstSame, worstRef float64
			for i := range tokens {
				worstSame = max(worstSame, relErr(got[i], same[i]))
				worstRef = max(worstRef, relErr(got[i], ref[i]))
			}
			worstSame = max(worstSame, relErr(gotPre, samePre))
			worstRef = max(worstRef, relErr(gotPre, refPre))
			t.Logf("%s: against its own dequantized weights %.4f, against F32 %.4f", c.typ, worstSame, worstRef)
			// The activations are quantized to 8 bits (a relative step of
			// 1/127 per block at most): about 1% per product, partly
			// averaging out over a layer. A float-weight type has no such
			// error at all.
			sameBound := 0.04
			if c.typ == quant.TypeBF16 {
				sameBound = 1e-4
			}
			if worstSame > sameBound {
				t.Errorf("%s: logits differ from the same weights dequantized by %.4f (bound %g)", c.typ, worstSame, sameBound)
			}
			if worstRef > c.bound {
				t.Errorf("%s: logits differ from F32 by %.4f (bound %g)", c.typ, worstRef, c.bound)
			}
		})
	}
}

// A K-type model decodes without allocating, as every other
// (TestForwardDoesNotAllocate): the activation buffers of every form are
// in the Context.
func TestKTypeForwardDoesNotAllocate(t *testing.T) {
	src := synthModel(t, typesShape, quant.TypeF32)
	for _, typ := range []quant.Type{quant.TypeQ4_K, quant.TypeQ5_1, quant.TypeBF16} {
		qpath, _ := requantized(t, src, typ)
		m := load(t, qpath, 1)
		ctx := m.NewContext()
		s := m.NewState()
		if _, err := ctx.Forward(s, 1); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(20, func() { ctx.Forward(s, 2) }); a != 0 {
			t.Errorf("%s: Forward allocates %v times per token", typ, a)
		}
		toks := []int32{1, 2, 3, 4}
		if a := testing.AllocsPerRun(5, func() { ctx.Prefill(s, toks) }); a != 0 {
			t.Errorf("%s: Prefill allocates %v times per chunk", typ, a)
		}
	}
}
