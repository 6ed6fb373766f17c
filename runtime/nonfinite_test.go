package runtime_test

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
)

// poke overwrites bytes of tensor name, off bytes into its data, in a copy
// of the model at src, and returns the copy's path.
func poke(t *testing.T, src, name string, off int64, b []byte) string {
	t.Helper()
	path := copyFile(t, src, t.TempDir())
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, tensorStart(t, path, name)+off); err != nil {
		t.Fatal(err)
	}
	return path
}

func tensorType(t *testing.T, path, name string) quant.Type {
	ti, _ := tensorInfo(t, path, name)
	return ti.Type
}

// TestNonFiniteWeights: a model with one NaN or infinite weight (a value
// of an F32 matrix, or the scale of one Q8_0 block) loads, since nothing
// is read up front, but its first step fails naming the tensor and the
// place, and so does every later step; Prefill too. A bad small vector is
// refused at load.
func TestNonFiniteWeights(t *testing.T) {
	const row, col = 5, 40 // in the second block of a later row: the offsets must add up
	cases := []struct {
		name, tensor string
		typ          quant.Type
		bad          float32
	}{
		{"F32 value NaN", "blk.1.channel_mix_value.weight", quant.TypeF32, float32(math.NaN())},
		{"F32 value -Inf", "output.weight", quant.TypeF32, float32(math.Inf(-1))},
		{"F32 embedding +Inf", "token_embd.weight", quant.TypeF32, float32(math.Inf(1))},
		{"Q8_0 scale +Inf", "blk.1.time_mix_key.weight", quant.TypeQ8_0, float32(math.Inf(1))},
		{"Q8_0 scale NaN", "output.weight", quant.TypeQ8_0, float32(math.NaN())},
	}
	for _, tc := range cases {
		for _, threads := range []int{1, 3} {
			t.Run(tc.name+"/threads="+strconv.Itoa(threads), func(t *testing.T) {
				src := synthModel(t, small, tc.typ)
				if got := tensorType(t, src, tc.tensor); got != tc.typ {
					t.Fatalf("%s is %s in the %s model", tc.tensor, got, tc.typ)
				}
				cols := small.Embd
				if strings.HasSuffix(tc.tensor, "channel_mix_value.weight") {
					cols = small.FFN
				}
				index := row*cols + col
				var off int64
				var b []byte
				want := quant.NonFinite{Index: index}
				if tc.typ == quant.TypeF32 {
					b = binary.LittleEndian.AppendUint32(nil, math.Float32bits(tc.bad))
					off = int64(4 * index)
				} else {
					b = make([]byte, 2)
					quant.EncodeF16(b, []float32{tc.bad})
					block := index / 32
					off = int64(block * quant.TypeQ8_0.BlockBytes())
					want = quant.NonFinite{Index: block * 32, Scale: true}
				}
				m := load(t, poke(t, src, tc.tensor, off, b), threads)
				c, s := m.NewContext(), m.NewState()
				check := func(what string, err error) {
					t.Helper()
					var nf *quant.NonFiniteError
					if !errors.As(err, &nf) {
						t.Fatalf("%s: error %v, want a NonFiniteError", what, err)
					}
					if nf.Tensor != tc.tensor || nf.Index != want.Index || nf.Scale != want.Scale {
						t.Errorf("%s: %v; want tensor %s, %+v", what, err, tc.tensor, want)
					}
				}
				if tc.tensor == "output.weight" { // what a GPU back end calls as it uploads
					check("Matrix.Verify", m.Head.Verify())
				}
				_, err := c.Forward(s, 1)
				check("first Forward", err)
				_, err = c.Forward(s, 2)
				check("second Forward", err)
				_, err = m.NewContext().Prefill(m.NewState(), []int32{1, 2, 3})
				check("Prefill in another Context", err)
			})
		}
	}
	t.Run("vector", func(t *testing.T) {
		src := synthModel(t, small, quant.TypeF32)
		path := poke(t, src, "blk.0.attn_norm.weight", 4*7, binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(math.NaN()))))
		_, err := runtime.Load(path, runtime.Options{Threads: 1})
		var nf *quant.NonFiniteError
		if !errors.As(err, &nf) || nf.Tensor != "blk.0.attn_norm.weight" || nf.Index != 7 {
			t.Errorf("Load: %v", err)
		}
	})
}
