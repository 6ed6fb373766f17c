package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/tools/convert"
)

// TestQuantize requantizes a small F16 model (width 256, so the K types
// apply) to Q4_K_M and checks every tensor's type against the recipe and
// its bytes against quantizing the input's values directly.
func TestQuantize(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "f16.gguf"), filepath.Join(dir, "q.gguf")
	mustRun(t, "synth", "-o", in, "--type", "f16", "--layers", "1", "--embd", "256", "--vocab-size", "300", "--ffn", "512", "-q")
	mustRun(t, "quantize", "-q", "--type", "q4_k_m", "-o", out, in)
	a, err := quant.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := quant.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, _ := convert.ParsePreset("Q4_K_M")
	if head, _ := b.Tensor("output.weight"); head.Type != quant.TypeQ6_K {
		t.Errorf("head is %v, want Q6_K", head.Type)
	}
	for i := range a.Tensors {
		ta := &a.Tensors[i]
		tb, ok := b.Tensor(ta.Name)
		want := convert.TensorType(p, ta.Name, ta.Dims, ta.Type, false)
		if !ok || tb.Type != want {
			t.Errorf("%s: got %v, want %v", ta.Name, tb, want)
			continue
		}
		src := make([]float32, ta.Elements())
		if err := quant.Dequantize(ta.Type, src, a.Bytes(ta)); err != nil {
			t.Fatal(err)
		}
		rb, _ := want.RowBytes(ta.Cols())
		dst := make([]byte, rb*ta.Rows())
		if err := quant.QuantizeRows(want, dst, src, ta.Cols(), nil); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dst, b.Bytes(tb)) {
			t.Errorf("%s (%v): bytes differ", ta.Name, want)
		}
	}
}

// TestImatrixThenQuantize computes an importance matrix with the imatrix
// command and quantizes with it: the file names every block matrix, and the
// quantized tensors differ from those quantized without it.
func TestImatrixThenQuantize(t *testing.T) {
	dir := t.TempDir()
	in, im := filepath.Join(dir, "f16.gguf"), filepath.Join(dir, "imatrix.gguf")
	text := filepath.Join(dir, "calib.txt")
	if err := os.WriteFile(text, bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog. "), 40), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "synth", "-o", in, "--type", "f16", "--layers", "1", "--embd", "256", "--vocab-size", "300", "--ffn", "512", "-q")
	out := mustRun(t, "imatrix", "-q", "-m", in, "--text", text, "-o", im, "--chunk", "64", "--compare", im)
	if !strings.Contains(out, "max 0,") {
		t.Errorf("comparing with an older file of the same name: %q", out)
	}
	m, err := quant.ReadImatrix(im)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != 12 || m.ChunkSize != 64 || m.ChunkCount == 0 {
		t.Errorf("%d entries, %d chunks of %d; want 12 entries, chunks of 64", len(m.Entries), m.ChunkCount, m.ChunkSize)
	}
	plain, withIm := filepath.Join(dir, "q.gguf"), filepath.Join(dir, "qi.gguf")
	mustRun(t, "quantize", "-q", "--type", "q4_k_m", "-o", plain, in)
	mustRun(t, "quantize", "-q", "--type", "q4_k_m", "--imatrix", im, "-o", withIm, in)
	a, _ := os.ReadFile(plain)
	b, _ := os.ReadFile(withIm)
	if bytes.Equal(a, b) {
		t.Error("the importance matrix changed nothing")
	}
	wantFailure(t, []string{"imatrix", "-m", in, "--text", text, "--chunk", "100000", "-o", im}, "fewer than one chunk")
}

// convert (here through synth, which shares it) with a preset --type
// writes what converting to F32 and quantizing with the preset writes.
func TestConvertPresetIsQuantize(t *testing.T) {
	dir := t.TempDir()
	f32, direct, two := filepath.Join(dir, "f32.gguf"), filepath.Join(dir, "direct.gguf"), filepath.Join(dir, "two.gguf")
	shape := []string{"--layers", "1", "--embd", "256", "--vocab-size", "300", "--ffn", "512", "-q"}
	mustRun(t, append([]string{"synth", "-o", f32, "--type", "f32"}, shape...)...)
	mustRun(t, append([]string{"synth", "-o", direct, "--type", "q5_k_s", "--override", "head=q8_0,lora.a=q4_0"}, shape...)...)
	mustRun(t, "quantize", "-q", "--type", "Q5_K_S", "--override", "head=q8_0,lora.a=q4_0", "-o", two, f32)
	a, err := quant.Open(direct)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := quant.Open(two)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(a.Tensors) != len(b.Tensors) {
		t.Fatalf("%d tensors vs %d", len(a.Tensors), len(b.Tensors))
	}
	types := map[quant.Type]int{}
	for i := range a.Tensors {
		ta := &a.Tensors[i]
		tb, ok := b.Tensor(ta.Name)
		if !ok || ta.Type != tb.Type || !bytes.Equal(a.Bytes(ta), b.Bytes(tb)) {
			t.Errorf("%s: %v vs %v, or the bytes differ", ta.Name, ta.Type, tb.Type)
		}
		types[ta.Type]++
	}
	if types[quant.TypeQ5_K] == 0 || types[quant.TypeQ8_0] != 1 || types[quant.TypeQ4_0] != 2 {
		t.Errorf("types %v: want Q5_K matrices, a Q8_0 head and two Q4_0 LoRAs", types)
	}
	ft, _ := a.Meta.Uint("general.file_type")
	if ft != 16 {
		t.Errorf("general.file_type %d, want 16 (Q5_K_S)", ft)
	}
}
