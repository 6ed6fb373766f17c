package quant

import (
	"bytes"
	"encoding/binary"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestMatchesLlamaTypes checks every type against rows that llama.cpp wrote
// (testdata/llama-types.gguf, cut by tools/llamacmp/quantref; see
// testdata/README.md): tensor "source" holds 8 rows of an F16 weight, and
//
//   - "T" the same rows as `llama-quantize --pure … T` wrote them: our
//     quantizer must give the same bytes;
//   - "T+imatrix" the same with `--imatrix`, whose per-column importance is
//     tensor "imatrix";
//   - "T.f32" ggml's dequantization of "T" (`llama-quantize
//     --allow-requantize … F32`): ours must give the same float32 bits.
func TestMatchesLlamaTypes(t *testing.T) {
	g, err := Open(filepath.Join("testdata", "llama-types.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	src, _ := g.Tensor("source")
	imt, _ := g.Tensor("imatrix")
	if src == nil || imt == nil {
		t.Fatal("source or imatrix tensor missing")
	}
	cols := src.Cols()
	x := make([]float32, src.Elements())
	if err := Dequantize(src.Type, x, g.Bytes(src)); err != nil {
		t.Fatal(err)
	}
	imp := make([]float32, imt.Elements())
	if err := Dequantize(TypeF32, imp, g.Bytes(imt)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		label := ti.Name
		if label == "source" || label == "imatrix" {
			continue
		}
		seen[label] = true
		switch {
		case strings.HasSuffix(label, ".f32"):
			q, ok := g.Tensor(strings.TrimSuffix(label, ".f32"))
			if !ok {
				t.Errorf("%s: no quantized tensor", label)
				continue
			}
			y := make([]float32, q.Elements())
			if err := Dequantize(q.Type, y, g.Bytes(q)); err != nil {
				t.Errorf("%s: %v", label, err)
				continue
			}
			want := g.Bytes(ti)
			for j, v := range y {
				if w := binary.LittleEndian.Uint32(want[4*j:]); math.Float32bits(v) != w {
					t.Errorf("%s value %d: %g, ggml %g", label, j, v, math.Float32frombits(w))
					break
				}
			}
		default:
			var w []float32
			if strings.HasSuffix(label, "+imatrix") {
				w = imp
			}
			got := make([]byte, ti.Size)
			if err := QuantizeRows(ti.Type, got, x, cols, w); err != nil {
				t.Errorf("%s: %v", label, err)
				continue
			}
			if want := g.Bytes(ti); !bytes.Equal(got, want) {
				bb := ti.Type.BlockBytes()
				for o := 0; o < len(got); o += bb {
					if !bytes.Equal(got[o:o+bb], want[o:o+bb]) {
						t.Errorf("%s block %d:\n got % x\nwant % x", label, o/bb, got[o:o+bb], want[o:o+bb])
						break
					}
				}
			}
		}
	}
	// Every type this package writes for files (Q8_K is an activation
	// format, F32/F16 have their own tests) is in the file, with its
	// dequantization, and with an importance matrix where ggml uses one.
	for ty := range codecs {
		name := ty.String()
		switch ty {
		case TypeF32, TypeF16, TypeQ8_K:
			continue
		}
		need := []string{name, name + ".f32"}
		if ty != TypeBF16 && ty != TypeQ8_0 {
			need = append(need, name+"+imatrix")
		}
		for _, n := range need {
			if !seen[n] {
				t.Errorf("testdata has no %s", n)
			}
		}
	}
}
