package convert

import "github.com/gosling-edge/gosling/tools/checkpoint"

// FromCheckpoint adapts a parsed .pth or .safetensors checkpoint (whose
// names the reader has already mapped to the official ones).
func FromCheckpoint(c *checkpoint.Checkpoint) Input {
	in := Input{}
	for _, t := range c.Tensors {
		in[t.Name] = Tensor{Shape: t.Shape, Float32: t.Float32}
	}
	return in
}
