//go:build cuda

package cuda

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unsafe"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/cuda/kernels"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
	"github.com/gosling-edge/gosling/tools/synth/synthtest"
)

// TestStructsMatchHeader checks that the Go mirrors have as many 8-byte
// fields as the C structs in kernels/common.cuh declare.
func TestStructsMatchHeader(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("kernels", "common.cuh"))
	if err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]uintptr{
		"MatJob":    unsafe.Sizeof(matJob{}),
		"LayerArgs": unsafe.Sizeof(layerArgs{}),
		"TopArgs":   unsafe.Sizeof(topArgs{}),
		"ProdArgs":  unsafe.Sizeof(prodArgs{}),
	} {
		n := countFields(t, string(src), name)
		if uintptr(n)*8 != size {
			t.Errorf("struct %s: %d fields in common.cuh, %d bytes in Go (want %d)", name, n, size, 8*n)
		}
	}
}

var arrayRE = regexp.MustCompile(`\[(\d+)\]$`)

// countFields counts the fields of a C struct whose every field is 8 bytes:
// each declarator is one field, an array of n is n.
func countFields(t *testing.T, src, name string) int {
	start := strings.Index(src, "struct "+name+" {")
	if start < 0 {
		t.Fatalf("struct %s not found in common.cuh", name)
	}
	body := src[start+len("struct "+name+" {"):]
	body = body[:strings.Index(body, "};")]
	n := 0
	for _, line := range strings.Split(body, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		for _, decl := range strings.Split(line, ";") {
			decl = strings.TrimSpace(decl)
			if decl == "" {
				continue
			}
			for i, d := range strings.Split(decl, ",") {
				d = strings.TrimSpace(d)
				if i == 0 { // drop the type: the declarator is the last word
					d = d[strings.LastIndexAny(d, " *")+1:]
				}
				d = strings.TrimLeft(d, "*")
				if m := arrayRE.FindStringSubmatch(d); m != nil {
					var k int
					for _, c := range m[1] {
						k = 10*k + int(c-'0')
					}
					n += k
				} else {
					n++
				}
			}
		}
	}
	return n
}

// tinyModel writes a small random model with the big matrices in type typ.
func tinyModel(t *testing.T, typ quant.Type) *runtime.Model {
	t.Helper()
	p, err := convert.DefaultPolicy(typ)
	if err != nil {
		t.Fatal(err)
	}
	return synthtest.Model(t, synth.Shape{Layers: 2, Embd: 128, Vocab: 300, FFN: 512, RankW: 32, RankA: 32, RankV: 32, RankG: 64}, 3,
		convert.Options{Policy: p, Name: "tiny"})
}

// openOrSkip opens the back end; without a GPU it checks that the refusal
// is a clean error and skips.
func openOrSkip(t *testing.T, m *runtime.Model, opt Options) *Backend {
	t.Helper()
	b, err := Open(m, opt)
	if err != nil {
		var ce *Error
		if !errors.Is(err, ErrNoDriver) && !errors.As(err, &ce) {
			t.Fatalf("Open without a usable GPU: want ErrNoDriver or a driver error, have %v", err)
		}
		if !strings.HasPrefix(err.Error(), "cuda: ") {
			t.Errorf("error %q does not say it comes from cuda", err)
		}
		t.Skipf("no usable GPU: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// TestProbeWithoutGPU: on a machine without the driver (CI) Probe fails
// with ErrNoDriver; with a driver but no device, with a driver error.
func TestProbeWithoutGPU(t *testing.T) {
	info, err := Probe(0)
	if err == nil {
		t.Logf("GPU found: %s", info)
		return
	}
	var ce *Error
	if !errors.Is(err, ErrNoDriver) && !errors.As(err, &ce) {
		t.Fatalf("want ErrNoDriver or a driver error, have %v", err)
	}
}

func TestRefusesUnsupportedShape(t *testing.T) {
	m := tinyModel(t, quant.TypeF32)
	m.HeadSize = 32 // as a head size the WKV kernel was not written for
	if _, err := Open(m, Options{}); err == nil || !strings.Contains(err.Error(), "head size") {
		t.Fatalf("want a head-size error, have %v", err)
	}
}

// TestMatchesCPU runs only where a GPU is present: every weight type, both
// memory modes, decode and prefill, against the CPU path.
func TestMatchesCPU(t *testing.T) {
	for _, typ := range []quant.Type{quant.TypeF32, quant.TypeF16, quant.TypeQ8_0, quant.TypeQ4_0} {
		for _, mapped := range []bool{false, true} {
			name := typ.String()
			if mapped {
				name += "/mapped"
			}
			t.Run(name, func(t *testing.T) {
				m := tinyModel(t, typ)
				matchCPU(t, m, openOrSkip(t, m, Options{Mapped: mapped, Chunk: 5}))
			})
		}
	}
}

// matchCPU feeds the same tokens to the CPU path and to b, token by token
// and as one prompt (a Generator cuts it into b's chunks), and compares the
// logits and the final state.
func matchCPU(t *testing.T, m *runtime.Model, b *Backend) {
	t.Helper()
	ids := []int32{5, 17, 250, 3, 99, 1, 42, 42, 7, 200, 13}
	ctx := m.NewContext()
	sc, sg, sp := m.NewState(), m.NewState(), m.NewState()
	var last []float32
	for _, id := range ids {
		want, err := ctx.Forward(sc, int(id))
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Forward(sg, int(id))
		if err != nil {
			t.Fatal(err)
		}
		compare(t, "decode", want, got)
		last = append(last[:0], want...)
	}
	got, err := m.NewGenerator(b, runtime.SamplerOptions{}).Feed(context.Background(), sp, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "prefill", last, got)
	if err := b.Sync(sg); err != nil {
		t.Fatal(err)
	}
	compare(t, "state", sc.Floats(), sg.Floats())
}

// TestOptionsMatchCPU runs only where a GPU (or the emulator) is present:
// each launch option of Options, on a Q8_0 model with float LoRA matrices
// (so that SplitLoRA applies and ffnk stores Q8 blocks), checked first for
// taking effect in the recorded steps, then against the CPU path. With few
// multiprocessors (the emulator's default of 3) every launch already
// chooses four rows a warp, so only RowsPerWarp1 tells the knob is read;
// with many (EMU_SMS=64, a GPU) RowsPerWarp4 does too.
func TestOptionsMatchCPU(t *testing.T) {
	m := tinyModel(t, quant.TypeQ8_0)
	if m.Blocks[0].W2.Quantized() || !m.Blocks[0].FFNV.Quantized() {
		t.Fatalf("the test wants float LoRA and quantized FFN matrices, have %s and %s", m.Blocks[0].W2.Type, m.Blocks[0].FFNV.Type)
	}
	// The decode product launches' grids with no cap from BlocksPerSM:
	// their tile counts.
	var tiles []uint32
	for _, tc := range []struct {
		name   string
		opt    Options
		effect func(b *Backend) error
	}{
		{"NoGraph", Options{NoGraph: true}, func(b *Backend) error {
			if b.Graph() {
				return errors.New("decode replays a graph")
			}
			return nil
		}},
		{"Unfused", Options{Unfused: true}, func(b *Backend) error {
			if b.decode != nil {
				return errors.New("fused decode steps recorded")
			}
			return nil
		}},
		{"SplitLoRA", Options{SplitLoRA: true}, func(b *Backend) error {
			if n := countSteps(b, func(s *step) bool { return s.name == "lora" }); n != len(m.Blocks) {
				return fmt.Errorf("%d lora launches, want one a layer (%d)", n, len(m.Blocks))
			}
			return nil
		}},
		{"RowsPerWarp1", Options{RowsPerWarp: 1}, func(b *Backend) error {
			// Only ffnk, which stores Q8 blocks, keeps four rows a warp.
			if n := countSteps(b, func(s *step) bool { return s.fn == b.fn[kernels.Prod4] && s.name != "ffnk" }); n > 0 {
				return fmt.Errorf("%d launches other than ffnk with four rows a warp", n)
			}
			return nil
		}},
		{"RowsPerWarp4", Options{RowsPerWarp: 4}, func(b *Backend) error {
			if n := countSteps(b, func(s *step) bool { return s.fn == b.fn[kernels.Prod1] }); n > 0 {
				return fmt.Errorf("%d launches with one row a warp", n)
			}
			return nil
		}},
		{"BlocksPerSM1", Options{BlocksPerSM: 1}, func(b *Backend) error { return checkGrids(b, tiles, 1) }},
		{"BlocksPerSM4", Options{BlocksPerSM: 4}, func(b *Backend) error { return checkGrids(b, tiles, 4) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tiles == nil {
				ref := openOrSkip(t, m, Options{BlocksPerSM: 1 << 20})
				tiles = productGrids(ref)
			}
			b := openOrSkip(t, m, tc.opt)
			if err := tc.effect(b); err != nil {
				t.Fatalf("the option has no effect: %v", err)
			}
			matchCPU(t, m, b)
		})
	}
}

func countSteps(b *Backend, f func(s *step) bool) int {
	n := 0
	for i := range b.decode {
		if f(&b.decode[i]) {
			n++
		}
	}
	return n
}

// productGrids lists the grid sizes of the decode product launches.
func productGrids(b *Backend) []uint32 {
	var g []uint32
	for _, s := range b.decode {
		if s.fn == b.fn[kernels.Prod1] || s.fn == b.fn[kernels.Prod4] {
			g = append(g, s.grid(1))
		}
	}
	return g
}

// checkGrids checks that every decode product launch runs as many blocks as
// it has tiles, at most perSM a multiprocessor.
func checkGrids(b *Backend, tiles []uint32, perSM int) error {
	got := productGrids(b)
	if len(got) != len(tiles) {
		return fmt.Errorf("%d product launches, want %d", len(got), len(tiles))
	}
	for i := range got {
		if want := min(tiles[i], uint32(perSM*b.info.SMs)); got[i] != want {
			return fmt.Errorf("product launch %d: grid %d, want %d (%d tiles, %d multiprocessors)", i, got[i], want, tiles[i], b.info.SMs)
		}
	}
	return nil
}

// TestRefusesBadOptions: option values without a meaning are refused
// before any device work, so also where there is no GPU.
func TestRefusesBadOptions(t *testing.T) {
	m := tinyModel(t, quant.TypeF32)
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{RowsPerWarp: 2}, "rows per warp"},
		{Options{RowsPerWarp: -1}, "rows per warp"},
		{Options{BlocksPerSM: -1}, "blocks per multiprocessor"},
	} {
		if _, err := Open(m, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%+v): want an error about %s, have %v", tc.opt, tc.want, err)
		}
	}
}

func compare(t *testing.T, what string, want, got []float32) {
	t.Helper()
	var maxAbs, maxRef float64
	for i := range want {
		maxAbs = max(maxAbs, math.Abs(float64(got[i]-want[i])))
		maxRef = max(maxRef, math.Abs(float64(want[i])))
	}
	if !(maxAbs <= 1e-2*maxRef+1e-6) {
		t.Errorf("%s: max|Δ| %g (max %g)", what, maxAbs, maxRef)
	}
}

// TestMissingDriver: without libcuda.so.1 (CI, a machine with no NVIDIA
// driver) loading fails with ErrNoDriver and a message that says so.
func TestMissingDriver(t *testing.T) {
	_, err := openDriver("libgosling-no-such-driver.so.1")
	if !errors.Is(err, ErrNoDriver) {
		t.Fatalf("want ErrNoDriver, have %v", err)
	}
	if !strings.Contains(err.Error(), "libcuda.so.1 not found") {
		t.Errorf("message %q does not name the library", err)
	}
}
