package convert

import (
	"errors"
	"fmt"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/tools/checkpoint"
)

// FromCheckpoint adapts a parsed .pth or .safetensors checkpoint (whose
// names the reader has already mapped to the official ones).
func FromCheckpoint(c *checkpoint.Checkpoint) Input {
	in := Input{}
	for _, t := range c.Tensors {
		in[t.Name] = Tensor{Shape: t.Shape, Float32: t.Float32}
	}
	return in
}

// OpenCheckpoint opens an official .pth or Hugging Face .safetensors
// checkpoint; a GGUF file given instead is named as such, with what to do.
func OpenCheckpoint(path string) (*checkpoint.Checkpoint, error) {
	ck, err := checkpoint.Open(path)
	if errors.Is(err, checkpoint.ErrUnknownFormat) {
		if g, gerr := quant.Open(path); gerr == nil {
			g.Close()
			return nil, fmt.Errorf("%s is already a GGUF model: convert reads .pth and .safetensors checkpoints; run it as it is (gosling run -m %s)", path, path)
		}
	}
	return ck, err
}
