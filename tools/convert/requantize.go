package convert

import (
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/quant"
)

// Requantize writes the GGUF model in to path with each tensor in the type
// TensorType gives it under preset p: what llama-quantize does. A tensor
// already in its target type is copied as it is; any other is dequantized
// to F32 and quantized again (llama-quantize refuses quantized input unless
// --allow-requantize; we always allow it, and the loss adds up). imatrix
// may be nil. The metadata is copied, with general.file_type set to the
// preset's and general.quantization_version 2.
func Requantize(in *quant.File, path string, p Preset, imatrix *quant.Imatrix, pure bool, progress func(done, total uint64)) error {
	w := quant.NewWriter()
	for _, kv := range in.Meta.KVs {
		if kv.Key == "general.file_type" || kv.Key == "general.quantization_version" || kv.Key == "general.alignment" {
			continue
		}
		w.Add(kv.Key, kv.Value.V)
	}
	w.Add("general.quantization_version", uint32(2))
	w.Add("general.file_type", p.FileType)
	for i := range in.Tensors {
		ti := &in.Tensors[i]
		to := TensorType(p, ti.Name, ti.Dims, ti.Type, pure)
		if to == ti.Type {
			if err := w.AddTensorBytes(ti.Name, to, ti.Dims, in.Bytes(ti)); err != nil {
				return err
			}
			continue
		}
		if !ti.Type.CanDequantize() || !to.CanQuantize() {
			return fmt.Errorf("tensor %s: cannot convert %v to %v", ti.Name, ti.Type, to)
		}
		imat := imatrixWeights(imatrix, ti.Name, ti.Cols())
		err := w.AddTensor(ti.Name, to, ti.Dims, func(out io.Writer) error {
			src := make([]float32, ti.Elements())
			if err := quant.Dequantize(ti.Type, src, in.Bytes(ti)); err != nil {
				return fmt.Errorf("tensor %s: %w", ti.Name, err)
			}
			rb, err := to.RowBytes(ti.Cols())
			if err != nil {
				return fmt.Errorf("tensor %s: %w", ti.Name, err)
			}
			dst := make([]byte, rb*ti.Rows())
			if err := quant.QuantizeRows(to, dst, src, ti.Cols(), imat); err != nil {
				return fmt.Errorf("tensor %s: %w", ti.Name, err)
			}
			_, err = out.Write(dst)
			return err
		})
		if err != nil {
			return err
		}
	}
	return w.WriteFile(path, progress)
}
