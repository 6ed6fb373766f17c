//go:build cuda

package cuda

import (
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/cuda/kernels"
)

// A decode launch of the product kernels before upload: its jobs, rows
// per warp and arguments (Jobs filled in at upload).
type prodLaunch struct {
	name string
	jobs []matJob
	rpw  int
	args prodArgs
}

// buildDecode records the fused steps of one decode token: the embedding,
// then per layer five kernels —
//
//	att:  ln1 + the six token-shift lerps as prologue; r, k, v and the LoRA first stages
//	tmix: the LoRA second stages, WKV-7, group norm, bonus, gate (one block a head)
//	out:  x += Wo·y
//	ffnk: ln2 + lerp as prologue; relu(Wk·x)², stored as float and Q8
//	ffnv: x += Wv·hidden
//
// — and the head with ln_out as prologue. No kernel runs in a single block,
// and the inputs of the products are prepared by every block that reads
// them (in shared memory) instead of by a kernel of their own.
func (b *Backend) buildDecode(bf *buffers, pin *pinnedArena, layersDev, topDev uint64) error {
	m := b.m
	c := m.Config
	D := c.Embd
	direct := func(mat *runtime.Matrix, src q8buf, out uint64, epi int) matJob {
		j := b.job(mat, in(src), out, 0, epi, 0, 0)
		j.Mix = noMix
		return j
	}
	fromPrologue := func(mat *runtime.Matrix, mix int, out uint64, epi int) matJob {
		j := b.job(mat, input{}, out, 0, epi, 0, 0)
		j.Mix = int64(mix)
		return j
	}
	// q8mask: the prologue mixes that quantized products read.
	q8mask := func(jobs []matJob) int64 {
		var mask int64
		for _, j := range jobs {
			if j.Mix >= 0 && j.Type != int64(quant.TypeF16) && j.Type != int64(quant.TypeF32) {
				mask |= 1 << j.Mix
			}
		}
		return mask
	}
	eps := float64(c.NormEps)
	var launches []prodLaunch
	for i := range m.Blocks {
		l := &m.Blocks[i]
		base := b.stateDev + 4*uint64(i*(b.nState/c.Layers))
		attPrev, ffnPrev := base, base+4*uint64(b.nState/c.Layers-D)
		att := []matJob{
			fromPrologue(l.WR, 0, bf.r, epiStore),
			fromPrologue(l.WK, 2, bf.k, epiStore),
			fromPrologue(l.WV, 3, bf.v, epiStore),
			fromPrologue(l.W1, 1, bf.lw.f, epiTanh),
			fromPrologue(l.A1, 4, bf.la.f, epiStore),
			fromPrologue(l.G1, 5, bf.lg.f, epiSigmoid),
		}
		if i > 0 {
			att = append(att, fromPrologue(l.V1, 3, bf.lv.f, epiStore))
		}
		launches = append(launches, prodLaunch{name: "att", jobs: att, args: prodArgs{
			X: bf.x, LNW: b.vecPtr(l.LN1W), LNB: b.vecPtr(l.LN1B), Prev: attPrev,
			Mix:    [6]uint64{b.vecPtr(l.XR), b.vecPtr(l.XW), b.vecPtr(l.XK), b.vecPtr(l.XV), b.vecPtr(l.XA), b.vecPtr(l.XG)},
			Q8Mask: q8mask(att), Keep: bf.keepAtt, D: int64(D), Eps: eps}})
		if b.splitLoRA() {
			lora := []matJob{
				direct(l.W2, bf.lw, bf.w, epiDecay), direct(l.A2, bf.la, bf.a, epiSigmoidBias), direct(l.G2, bf.lg, bf.g, epiStore),
			}
			lora[0].P0, lora[1].P0 = b.vecPtr(l.W0), b.vecPtr(l.A0)
			if i > 0 {
				v := direct(l.V2, bf.lv, bf.v, epiVMix)
				v.P0, v.P1 = b.vecPtr(l.V0), bf.vFirst
				lora = append(lora, v)
			}
			launches = append(launches, prodLaunch{name: "lora", jobs: lora, args: prodArgs{D: int64(D)}})
		}
		launches = append(launches, prodLaunch{name: "tmix"}) // a marker: gosling_tmix runs here
		launches = append(launches, prodLaunch{name: "out", jobs: []matJob{direct(l.WO, bf.y, bf.x, epiAdd)}, args: prodArgs{D: int64(D)}})
		ffnk := fromPrologue(l.FFNK, 0, bf.hid.f, epiReLU2)
		if l.FFNV.Quantized() {
			ffnk.OQ, ffnk.OD = bf.hid.q, bf.hid.d
		}
		launches = append(launches, prodLaunch{name: "ffnk", jobs: []matJob{ffnk}, args: prodArgs{
			X: bf.x, LNW: b.vecPtr(l.LN2W), LNB: b.vecPtr(l.LN2B), Prev: ffnPrev, Mix: [6]uint64{b.vecPtr(l.FFNXK)},
			Q8Mask: q8mask([]matJob{ffnk}), Keep: bf.keepFFN, D: int64(D), Eps: eps}})
		launches = append(launches, prodLaunch{name: "ffnv", jobs: []matJob{direct(l.FFNV, bf.hid, bf.x, epiAdd)}, args: prodArgs{
			CopySrc: bf.keepFFN, CopyDst: ffnPrev, CopyN: int64(D), D: int64(D)}})
	}
	head := []matJob{fromPrologue(m.Head, mixNorm, b.logitsDev, epiStore)}
	launches = append(launches, prodLaunch{name: "head", jobs: head, args: prodArgs{
		X: bf.x, LNW: b.vecPtr(m.LNOutW), LNB: b.vecPtr(m.LNOutB), Q8Mask: q8mask(head), D: int64(D), Eps: eps}})

	// Tiles: 8·rpw rows. Four rows a warp where a tile must store a Q8
	// block (32 rows) or where there are rows enough for every
	// multiprocessor to get a tile of 32.
	forced := b.opt.RowsPerWarp
	var all []matJob
	for li := range launches {
		pl := &launches[li]
		if pl.jobs == nil {
			continue
		}
		tiles4, quantOut := 0, false
		for _, j := range pl.jobs {
			tiles4 += (int(j.Rows) + 31) / 32
			quantOut = quantOut || j.OQ != 0
		}
		switch {
		case quantOut, forced == 4:
			pl.rpw = 4
		case forced == 1:
			pl.rpw = 1
		case tiles4 >= b.info.SMs:
			pl.rpw = 4
		default:
			pl.rpw = 1
		}
		n := 0
		for k := range pl.jobs {
			pl.jobs[k].BlockStart = int64(n)
			n += (int(pl.jobs[k].Rows) + 8*pl.rpw - 1) / (8 * pl.rpw)
		}
		pl.args.NJobs, pl.args.NTiles = int64(len(pl.jobs)), int64(n)
		all = append(all, pl.jobs...)
	}
	jobSize := int(unsafe.Sizeof(matJob{}))
	jobsDev, err := b.alloc(jobSize*len(all), "decode product lists")
	if err != nil {
		return err
	}
	if err := b.upload(jobsDev, unsafe.Pointer(unsafe.SliceData(all)), jobSize*len(all), "decode product lists"); err != nil {
		return err
	}
	var args []prodArgs
	at := jobsDev
	for li := range launches {
		pl := &launches[li]
		if pl.jobs == nil {
			continue
		}
		pl.args.Jobs = at
		at += uint64(jobSize * len(pl.jobs))
		args = append(args, pl.args)
	}
	argSize := int(unsafe.Sizeof(prodArgs{}))
	argsDev, err := b.alloc(argSize*len(args), "decode launch args")
	if err != nil {
		return err
	}
	if err := b.upload(argsDev, unsafe.Pointer(unsafe.SliceData(args)), argSize*len(args), "decode launch args"); err != nil {
		return err
	}

	// Shared memory: the prologue's cur and dif, and the Q8 lerps.
	shared := func(a prodArgs) uint32 {
		if a.X == 0 {
			return 0
		}
		nq := bits.OnesCount64(uint64(a.Q8Mask))
		return uint32(8*D + nq*(D+4*D/32))
	}
	for _, name := range []string{kernels.Prod1, kernels.Prod4} {
		most := uint32(0)
		for _, pl := range launches {
			if pl.jobs != nil && (pl.rpw == 4) == (name == kernels.Prod4) {
				most = max(most, shared(pl.args))
			}
		}
		if most > 48<<10 {
			if b.d.cuFuncSetAttribute == 0 {
				return fmt.Errorf("cuda: width %d needs %d bytes of shared memory a block; the driver cannot raise the limit", D, most)
			}
			if err := b.d.check("cuFuncSetAttribute", b.d.call(b.d.cuFuncSetAttribute, b.fn[name], funcAttrMaxDynamicShared, uintptr(most))); err != nil {
				return fmt.Errorf("%w (%d bytes of shared memory for width %d)", err, most, D)
			}
		}
	}

	b.decode = append(b.decode, step{kind: stepTokensIn, name: "token ids in"},
		step{kind: stepLaunch, fn: b.fn[kernels.Embed], threads: kernels.NormThreads, grid: func(int) uint32 { return 1 },
			params: pin.params(b.tSlot, topDev), name: "embed"})
	argAt := argsDev
	layer := 0
	for _, pl := range launches {
		if pl.jobs == nil { // tmix
			first := uint64(0)
			if layer == 0 {
				first = 1
			}
			b.decode = append(b.decode, step{kind: stepLaunch, fn: b.fn[kernels.TMix], threads: 256,
				grid:   func(int) uint32 { return uint32(c.Heads) },
				params: pin.params(b.tSlot, layersDev+uint64(layer)*uint64(unsafe.Sizeof(layerArgs{})), first), name: "tmix"})
			layer++
			continue
		}
		fn := b.fn[kernels.Prod1]
		if pl.rpw == 4 {
			fn = b.fn[kernels.Prod4]
		}
		sh := shared(pl.args)
		grid := uint32(min(int(pl.args.NTiles), b.info.SMs*b.blocksPerSM(fn, sh)))
		b.decode = append(b.decode, step{kind: stepLaunch, fn: fn, threads: kernels.BlockThreads, shared: sh,
			grid: func(int) uint32 { return grid }, params: pin.params(b.tSlot, argAt), name: pl.name})
		argAt += uint64(argSize)
	}
	b.decode = append(b.decode, step{kind: stepLogitsOut, name: "logits out"})
	return nil
}

// splitLoRA reports whether decode runs the LoRA second stages as a
// product launch of their own (Options.SplitLoRA, float types only).
func (b *Backend) splitLoRA() bool {
	if !b.opt.SplitLoRA || b.opt.Unfused {
		return false
	}
	for i := range b.m.Blocks {
		l := &b.m.Blocks[i]
		for _, mat := range []*runtime.Matrix{l.W2, l.A2, l.G2, l.V2} {
			if mat != nil && mat.Quantized() {
				return false
			}
		}
	}
	return true
}

// blocksPerSM is how many blocks of a decode product kernel share a
// multiprocessor: the driver's occupancy answer (Options.BlocksPerSM
// overrides it), at least 1.
func (b *Backend) blocksPerSM(fn uintptr, shared uint32) int {
	if n := b.opt.BlocksPerSM; n > 0 {
		return n
	}
	if b.d.cuOccupancyMaxActiveBlocks != 0 {
		var n int32
		if b.d.call(b.d.cuOccupancyMaxActiveBlocks, uintptr(unsafe.Pointer(&n)), fn, kernels.BlockThreads, uintptr(shared)) == 0 && n > 0 {
			return int(n)
		}
	}
	return 2
}
