// Command quality measures many quantized files of one model against its
// reference at once, for the README's table "Tensor types and quality": the
// reference's logits are computed once and kept, then each file is run over
// the same tokens and compared step by step with eval.Comparison, the same
// statistics `gosling eval` prints (mean KL, top-1, perplexity).
//
//	quality -ref F32.gguf -tokens heldout.bin [-n 4096] Q1.gguf Q2.gguf …
//
// -tokens is a file of little-endian uint16 token ids (tools/train's
// heldout.bin). It prints one JSON object per file, with bits per weight
// over the products: 8 × bytes / values of every tensor but the token
// embedding (which is read one row per token).
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/eval"
)

func main() {
	refPath := flag.String("ref", "", "reference model (F32)")
	tokPath := flag.String("tokens", "", "uint16 token ids")
	n := flag.Int("n", 4096, "tokens to evaluate")
	threads := flag.Int("threads", 2, "threads per product")
	flag.Parse()
	if err := run(*refPath, *tokPath, *n, *threads, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		os.Exit(1)
	}
}

// Row is one file's line of the table.
type Row struct {
	File        string  `json:"file"`
	BPW         float64 `json:"bpw"`             // over the products (all tensors but token_embd)
	ProductsMiB float64 `json:"products_mib"`    // their bytes
	FileMiB     float64 `json:"tensors_mib"`     // every tensor's bytes
	MeanKL      float64 `json:"mean_kl"`         // nats
	Top1        float64 `json:"top1"`            // share of steps
	PPL         float64 `json:"ppl"`             // of the quantized model
	PPLRef      float64 `json:"ppl_ref"`         // of the reference
	P99KL       float64 `json:"p99_kl"`          // nats
	Types       string  `json:"types,omitempty"` // tensor types and counts
}

func run(refPath, tokPath string, n, threads int, files []string) error {
	b, err := os.ReadFile(tokPath)
	if err != nil {
		return err
	}
	ids := make([]int, 0, n)
	for i := 0; i+1 < len(b) && len(ids) < n; i += 2 {
		ids = append(ids, int(binary.LittleEndian.Uint16(b[i:])))
	}
	ref, err := runtime.Load(refPath, runtime.Options{Threads: threads})
	if err != nil {
		return err
	}
	defer ref.Close()
	logits := make([][]float32, len(ids))
	c, s := ref.NewContext(), ref.NewState()
	for i, t := range ids {
		l, err := c.Forward(s, t)
		if err != nil {
			return err
		}
		logits[i] = append([]float32(nil), l...)
	}
	enc := json.NewEncoder(os.Stdout)
	for _, f := range files {
		q, err := runtime.Load(f, runtime.Options{Threads: threads})
		if err != nil {
			return err
		}
		if err := eval.Compatible(ref, q); err != nil {
			return err
		}
		var cmp eval.Comparison
		cq, sq := q.NewContext(), q.NewState()
		for i, t := range ids {
			if i > 0 {
				if err := cmp.Next(t); err != nil {
					return err
				}
			}
			l, err := cq.Forward(sq, t)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if err := cmp.Add(logits[i], l); err != nil {
				return err
			}
		}
		r := cmp.Result()
		var pBytes, pElems, all uint64
		types := map[string]int{}
		for i := range q.File.Tensors {
			t := &q.File.Tensors[i]
			sz := uint64(len(q.File.Bytes(t)))
			all += sz
			if len(t.Dims) >= 2 && t.Dims[1] > 1 {
				types[t.Type.String()]++
			}
			if t.Name == "token_embd.weight" {
				continue
			}
			pBytes += sz
			pElems += t.Elements()
		}
		q.Close()
		enc.Encode(Row{File: filepath.Base(f), BPW: 8 * float64(pBytes) / float64(pElems),
			ProductsMiB: float64(pBytes) / (1 << 20), FileMiB: float64(all) / (1 << 20),
			MeanKL: r.MeanKL, Top1: r.Top1, PPL: r.PPLQuant, PPLRef: r.PPLRef, P99KL: r.P99KL, Types: fmt.Sprint(types)})
	}
	return nil
}
