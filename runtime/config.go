package runtime

import (
	"fmt"

	"github.com/gosling-edge/gosling/quant"
)

// Config is the shape of an RWKV-7 model. Every size is read from tensor
// shapes; the metadata is only cross-checked, because published checkpoints
// (the 0.4B for one) break every formula that derives sizes from the width.
type Config struct {
	Layers   int // blocks
	Embd     int // model width D
	HeadSize int // N, 64 for every released model
	Heads    int // H = D / N
	Vocab    int // rows of the output matrix (includes padding)
	FFN      int // channel-mix hidden width
	RankW    int // LoRA ranks: decay,
	RankA    int // in-context learning rate,
	RankV    int // value residual mix,
	RankG    int // gate
	NormEps  float32
	GNormEps float32 // eps of the per-head group norm (ln_x)
}

// The norm epsilons of the forward pass (doc.go, "The forward pass"): the
// layer norms' default, which the file may override, and the group norm's.
const (
	layerNormEps = 1e-5
	groupNormEps = 64e-5
)

// String is a one-line summary, e.g. "L12 D768 H12×64 V65536 FFN3072 LoRA w64 a64 v32 g128".
func (c Config) String() string {
	return fmt.Sprintf("L%d D%d H%d×%d V%d FFN%d LoRA w%d a%d v%d g%d",
		c.Layers, c.Embd, c.Heads, c.HeadSize, c.Vocab, c.FFN, c.RankW, c.RankA, c.RankV, c.RankG)
}

// configFromFile reads the shape from the tensors of an rwkv7 GGUF file.
func configFromFile(g *quant.File) (Config, error) {
	var c Config
	arch, err := g.Meta.String("general.architecture")
	if err != nil {
		return c, err
	}
	if arch != "rwkv7" {
		return c, fmt.Errorf("architecture %q is not rwkv7", arch)
	}
	dims := func(name string) ([]uint64, error) {
		t, ok := g.Tensor(name)
		if !ok {
			return nil, fmt.Errorf("tensor %s: missing", name)
		}
		return t.Dims, nil
	}
	emb, err := dims("token_embd.weight")
	if err != nil {
		return c, err
	}
	if len(emb) != 2 {
		return c, fmt.Errorf("tensor token_embd.weight: want 2 dimensions, have %v", emb)
	}
	c.Embd = int(emb[0])
	head, err := dims("output.weight")
	if err != nil {
		return c, err
	}
	if len(head) != 2 {
		return c, fmt.Errorf("tensor output.weight: want 2 dimensions, have %v", head)
	}
	c.Vocab = int(head[1])
	for {
		if _, ok := g.Tensor(fmt.Sprintf("blk.%d.attn_norm.weight", c.Layers)); !ok {
			break
		}
		c.Layers++
	}
	if c.Layers == 0 {
		return c, fmt.Errorf("tensor blk.0.attn_norm.weight: missing (no layers)")
	}
	if n, err := g.Meta.Uint("rwkv7.block_count"); err == nil && int(n) != c.Layers {
		return c, fmt.Errorf("metadata key rwkv7.block_count = %d but the file has %d layers of tensors", n, c.Layers)
	}
	c.HeadSize = 64
	if n, err := g.Meta.Uint("rwkv7.wkv.head_size"); err == nil {
		c.HeadSize = int(n)
	}
	if c.HeadSize <= 0 || c.Embd%c.HeadSize != 0 {
		return c, fmt.Errorf("width %d is not a multiple of the head size %d", c.Embd, c.HeadSize)
	}
	c.Heads = c.Embd / c.HeadSize
	rows := func(name string) (int, error) {
		d, err := dims(name)
		if err != nil {
			return 0, err
		}
		if len(d) != 2 {
			return 0, fmt.Errorf("tensor %s: want 2 dimensions, have %v", name, d)
		}
		return int(d[1]), nil
	}
	if c.FFN, err = rows("blk.0.channel_mix_key.weight"); err != nil {
		return c, err
	}
	if c.RankW, err = rows("blk.0.time_mix_w1.weight"); err != nil {
		return c, err
	}
	if c.RankA, err = rows("blk.0.time_mix_a1.weight"); err != nil {
		return c, err
	}
	if c.RankG, err = rows("blk.0.time_mix_g1.weight"); err != nil {
		return c, err
	}
	if c.Layers > 1 {
		if c.RankV, err = rows("blk.1.time_mix_v1.weight"); err != nil {
			return c, err
		}
	}
	c.NormEps = layerNormEps
	if f, err := g.Meta.Float("rwkv7.attention.layer_norm_epsilon"); err == nil && f > 0 {
		c.NormEps = float32(f)
	}
	c.GNormEps = groupNormEps
	return c, nil
}
