// Command quantcmp checks package quant against llama.cpp, tensor by tensor.
//
//	quantcmp [-imatrix IMATRIX.gguf] [-v] SOURCE.gguf LLAMA.gguf
//
// LLAMA.gguf is what llama-quantize wrote from SOURCE.gguf. For every tensor
// of LLAMA.gguf:
//
//   - same type in both files: the bytes must be equal (llama-quantize
//     copied it);
//   - LLAMA.gguf has it as F32 and SOURCE.gguf in another type (a
//     `llama-quantize --allow-requantize … F32` of a quantized file): our
//     Dequantize of the source must give the same float32 bits as ggml's;
//   - otherwise: the source values (our Dequantize of SOURCE.gguf's type)
//     quantized by quant.QuantizeRows into LLAMA.gguf's type — weighted by
//     the tensor's importance-matrix entry when -imatrix is given and has one,
//     as llama-quantize does — must give the same bytes.
//
// It prints one line per type with the number of tensors checked and how
// many matched, and exits 1 if any did not. Nothing of llama.cpp is in this
// repository; build it outside (../../../shared/PEERS.md).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/gosling-edge/gosling/quant"
)

func main() {
	imPath := flag.String("imatrix", "", "importance matrix (llama.cpp GGUF format) llama-quantize was given")
	verbose := flag.Bool("v", false, "print every tensor")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: quantcmp [-imatrix F] [-v] SOURCE.gguf LLAMA.gguf")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	ok, err := run(flag.Arg(0), flag.Arg(1), *imPath, *verbose)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quantcmp:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

type tally struct{ checked, same, weighted int }

func run(srcPath, outPath, imPath string, verbose bool) (bool, error) {
	src, err := quant.Open(srcPath)
	if err != nil {
		return false, err
	}
	defer src.Close()
	out, err := quant.Open(outPath)
	if err != nil {
		return false, err
	}
	defer out.Close()
	var im *quant.Imatrix
	if imPath != "" {
		if im, err = quant.ReadImatrix(imPath); err != nil {
			return false, err
		}
	}

	tallies := map[string]*tally{}
	allSame := true
	for i := range out.Tensors {
		ot := &out.Tensors[i]
		st, found := src.Tensor(ot.Name)
		if !found {
			return false, fmt.Errorf("tensor %s is not in %s", ot.Name, srcPath)
		}
		if fmt.Sprint(st.Dims) != fmt.Sprint(ot.Dims) {
			return false, fmt.Errorf("tensor %s: dims %v, source %v", ot.Name, ot.Dims, st.Dims)
		}
		var kind string
		var same, weighted bool
		var detail string
		switch {
		case st.Type == ot.Type:
			kind = "copied " + ot.Type.String()
			same = bytes.Equal(src.Bytes(st), out.Bytes(ot))
		case ot.Type == quant.TypeF32:
			kind = "dequant " + st.Type.String()
			x := make([]float32, st.Elements())
			if err := quant.Dequantize(st.Type, x, src.Bytes(st)); err != nil {
				return false, fmt.Errorf("tensor %s: %w", ot.Name, err)
			}
			want := out.Bytes(ot)
			same = true
			for j, v := range x {
				w := uint32(want[4*j]) | uint32(want[4*j+1])<<8 | uint32(want[4*j+2])<<16 | uint32(want[4*j+3])<<24
				if math.Float32bits(v) != w {
					same = false
					detail = fmt.Sprintf("value %d: ours %g (%#08x), ggml %g", j, v, math.Float32bits(v), math.Float32frombits(w))
					break
				}
			}
		default:
			kind = "quantize " + ot.Type.String()
			x := make([]float32, st.Elements())
			if err := quant.Dequantize(st.Type, x, src.Bytes(st)); err != nil {
				return false, fmt.Errorf("tensor %s: %w", ot.Name, err)
			}
			got := make([]byte, ot.Size)
			var w []float32
			if im != nil {
				if e, ok := im.Entries[ot.Name]; ok {
					w = e.Weights()
				}
			}
			cols := ot.Cols()
			matrices := 1
			if len(ot.Dims) > 2 {
				matrices = int(ot.Dims[2])
			}
			if w != nil && len(w) != cols*matrices {
				return false, fmt.Errorf("tensor %s: importance matrix has %d values, want %d×%d", ot.Name, len(w), cols, matrices)
			}
			weighted = w != nil
			// Matrix by matrix (experts of a 3-D tensor have their own
			// importance), as llama-quantize does; further dimensions are
			// more rows of the last matrix's importance, as there.
			per := len(x) / matrices
			perBytes := len(got) / matrices
			for m := 0; m < matrices; m++ {
				var wm []float32
				if w != nil {
					wm = w[m*cols : (m+1)*cols]
				}
				if err := quant.QuantizeRows(ot.Type, got[m*perBytes:(m+1)*perBytes], x[m*per:(m+1)*per], cols, wm); err != nil {
					return false, fmt.Errorf("tensor %s: %w", ot.Name, err)
				}
			}
			want := out.Bytes(ot)
			same = bytes.Equal(got, want)
			if !same {
				bb := ot.Type.BlockBytes()
				for o := 0; o < len(got); o += bb {
					if !bytes.Equal(got[o:o+bb], want[o:o+bb]) {
						detail = fmt.Sprintf("block %d (row %d): ours % x\n    llama % x", o/bb, o/bb*ot.Type.BlockSize()/cols, got[o:o+bb], want[o:o+bb])
						break
					}
				}
			}
		}
		if weighted {
			kind += " +imatrix"
		}
		t := tallies[kind]
		if t == nil {
			t = &tally{}
			tallies[kind] = t
		}
		t.checked++
		if same {
			t.same++
		}
		allSame = allSame && same
		if verbose || !same {
			verdict := "identical"
			if !same {
				verdict = "DIFFERS " + detail
			}
			fmt.Printf("  %-40s %-8s %v: %s\n", ot.Name, ot.Type, ot.Dims, verdict)
		}
	}
	kinds := make([]string, 0, len(tallies))
	for k := range tallies {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t := tallies[k]
		fmt.Printf("%-28s %4d tensors, %4d identical\n", k, t.checked, t.same)
	}
	return allSame, nil
}
