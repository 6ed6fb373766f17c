//go:build cuda

package cuda

import (
	"unsafe"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/cuda/kernels"
)

// buildPrefill records the steps of one pass over T tokens: every layer's
// products batched per stage, the input preparation, quantization and
// recurrence in kernels of their own.
func (b *Backend) buildPrefill(bf *buffers, pin *pinnedArena, layersDev, topDev uint64) error {
	m := b.m
	c := m.Config
	D := c.Embd
	xm := func(i int) input { return in(bf.mix[i]) }
	type stage struct {
		jobs   []matJob
		blocks int
	}
	var stages [][]stage // per layer
	var pending []matJob // every job list, concatenated for one upload
	for i := range m.Blocks {
		l := &m.Blocks[i]
		A := []matJob{
			b.job(l.WR, xm(0), bf.r, D, epiStore, 0, 0),
			b.job(l.WK, xm(2), bf.k, D, epiStore, 0, 0),
			b.job(l.WV, xm(3), bf.v, D, epiStore, 0, 0),
			b.job(l.W1, xm(1), bf.lw.f, c.RankW, epiTanh, 0, 0),
			b.job(l.A1, xm(4), bf.la.f, c.RankA, epiStore, 0, 0),
			b.job(l.G1, xm(5), bf.lg.f, c.RankG, epiSigmoid, 0, 0),
		}
		B := []matJob{
			b.job(l.W2, in(bf.lw), bf.w, D, epiDecay, b.vecPtr(l.W0), 0),
			b.job(l.A2, in(bf.la), bf.a, D, epiSigmoidBias, b.vecPtr(l.A0), 0),
			b.job(l.G2, in(bf.lg), bf.g, D, epiStore, 0, 0),
		}
		if i > 0 {
			A = append(A, b.job(l.V1, xm(3), bf.lv.f, c.RankV, epiStore, 0, 0))
			B = append(B, b.job(l.V2, in(bf.lv), bf.v, D, epiVMix, b.vecPtr(l.V0), bf.vFirst))
		}
		st := []stage{
			{jobs: A}, {jobs: B},
			{jobs: []matJob{b.job(l.WO, in(bf.y), bf.x, D, epiAdd, 0, 0)}},
			{jobs: []matJob{b.job(l.FFNK, in(bf.fx), bf.hid.f, c.FFN, epiReLU2, 0, 0)}},
			{jobs: []matJob{b.job(l.FFNV, in(bf.hid), bf.x, D, epiAdd, 0, 0)}},
		}
		for s := range st {
			st[s].blocks = layoutJobs(st[s].jobs)
			pending = append(pending, st[s].jobs...)
		}
		stages = append(stages, st)
	}
	headJobs := []matJob{b.job(m.Head, in(bf.xo), b.logitsDev, c.Vocab, epiStore, 0, 0)}
	headBlocks := layoutJobs(headJobs)
	pending = append(pending, headJobs...)
	jobSize := int(unsafe.Sizeof(matJob{}))
	jobsDev, err := b.alloc(jobSize*len(pending), "product lists")
	if err != nil {
		return err
	}
	if err := b.upload(jobsDev, unsafe.Pointer(unsafe.SliceData(pending)), jobSize*len(pending), "product lists"); err != nil {
		return err
	}

	// The steps of one pass, in order.
	perToken := func(T int) uint32 { return uint32(T) }
	one := func(int) uint32 { return 1 }
	heads := func(int) uint32 { return uint32(c.Heads) }
	products := func(jobs uint64, n, blocks int) step {
		return step{kind: stepLaunch, fn: b.fn[kernels.MatVec8], threads: kernels.BlockThreads,
			grid: func(T int) uint32 {
				return uint32(blocks * ((T + kernels.TokensPerPass - 1) / kernels.TokensPerPass))
			},
			params: pin.params(b.tSlot, jobs, uint64(n), tParam), name: "products"}
	}
	quantize := func(buf q8buf) step {
		bpt := buf.n / 32
		return step{kind: stepLaunch, fn: b.fn[kernels.QuantizeQ8], threads: 256,
			grid:   func(T int) uint32 { return uint32((bpt*T + 7) / 8) },
			params: pin.params(b.tSlot, buf.f, buf.q, buf.d, uint64(bpt), tParam), name: "quantize"}
	}
	b.steps = append(b.steps, step{kind: stepTokensIn, name: "token ids in"},
		step{kind: stepLaunch, fn: b.fn[kernels.Embed], threads: kernels.NormThreads, grid: perToken,
			params: pin.params(b.tSlot, topDev), name: "embed"})
	jobAt := jobsDev
	argSize := uint64(unsafe.Sizeof(layerArgs{}))
	for i := range m.Blocks {
		l := &m.Blocks[i]
		L := layersDev + uint64(i)*argSize
		st := stages[i]
		first := uint64(0)
		if i == 0 {
			first = 1
		}
		prod := func(s int) step {
			p := products(jobAt, len(st[s].jobs), st[s].blocks)
			jobAt += uint64(jobSize * len(st[s].jobs))
			return p
		}
		b.steps = append(b.steps, step{kind: stepLaunch, fn: b.fn[kernels.AttShift], threads: kernels.NormThreads, grid: perToken,
			params: pin.params(b.tSlot, L, tParam), name: "att_shift"})
		b.steps = append(b.steps, prod(0))
		for _, q := range []struct {
			mat *runtime.Matrix
			buf q8buf
		}{{l.W2, bf.lw}, {l.A2, bf.la}, {l.G2, bf.lg}, {l.V2, bf.lv}} {
			if q.mat != nil && q.mat.Quantized() {
				b.steps = append(b.steps, quantize(q.buf))
			}
		}
		b.steps = append(b.steps, prod(1))
		b.steps = append(b.steps, step{kind: stepLaunch, fn: b.fn[kernels.WKV7], threads: 64, grid: heads,
			params: pin.params(b.tSlot, L, tParam, first), name: "wkv7"})
		b.steps = append(b.steps, prod(2))
		b.steps = append(b.steps, step{kind: stepLaunch, fn: b.fn[kernels.FFNShift], threads: kernels.NormThreads, grid: perToken,
			params: pin.params(b.tSlot, L, tParam), name: "ffn_shift"})
		b.steps = append(b.steps, prod(3))
		if l.FFNV.Quantized() {
			b.steps = append(b.steps, quantize(bf.hid))
		}
		b.steps = append(b.steps, prod(4))
	}
	b.steps = append(b.steps,
		step{kind: stepLaunch, fn: b.fn[kernels.OutNorm], threads: kernels.NormThreads, grid: one,
			params: pin.params(b.tSlot, topDev, tParam), name: "out_norm"},
		step{kind: stepLaunch, fn: b.fn[kernels.MatVec8], threads: kernels.BlockThreads,
			grid:   func(int) uint32 { return uint32(headBlocks) },
			params: pin.params(b.tSlot, jobAt, uint64(len(headJobs)), 1), name: "head"},
		step{kind: stepLogitsOut, name: "logits out"})
	return nil
}

// layoutJobs numbers the thread blocks of a batch and returns their count.
func layoutJobs(jobs []matJob) int {
	n := 0
	for i := range jobs {
		jobs[i].BlockStart = int64(n)
		n += (int(jobs[i].Rows) + kernels.RowsPerBlock - 1) / kernels.RowsPerBlock
	}
	return n
}
