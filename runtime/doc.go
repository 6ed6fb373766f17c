// Package runtime runs RWKV-7 ("Goose") language models (Peng et al., 2025,
// arXiv 2503.14456) from GGUF files: it binds the weights to the
// memory-mapped tensors (no copies), carries the recurrent state, and
// computes one token at a time in constant memory.
//
// # What it owns
//
//   - Model: the shape (Config, config.go), the weights bound to the mapped
//     file (model.go, matrix.go), the tokenizer and the worker pool.
//   - State: the recurrent state of one sequence (state.go) and its files
//     (statefile.go).
//   - Context: the scratch buffers of the forward pass, and the pass itself
//     (forward.go, with the element-wise steps in ops.go).
//   - The worker pool (pool.go): goroutines started once that split the
//     rows of every matrix product (and the heads of the WKV-7 step)
//     between them, a batch of independent jobs per hand-off (six per
//     layer; see Threads).
//   - Generation: the sampler (sampler.go), the loop from prompt to text
//     (generate.go), the G1 chat template and a conversation (chat.go), and
//     the contract an accelerator back end meets (backend.go; runtime/cuda
//     is one).
//
// The compute kernels are package arm64's, the file format package quant's,
// the tokenizer package runtime/tokenizer's, grammars package
// runtime/grammar's, tool calls package runtime/toolcall's and the HTTP
// server package runtime/serve's.
//
// # Invariants
//
//   - Weights are never copied. A Matrix is a view into the memory map
//     whatever its type, and the kernels compute with the Q8_0 and Q4_0
//     blocks where they lie. Only the few vectors stored as F16 (or BF16)
//     are converted to float32, once, at load.
//   - Every size is read from tensor shapes, never derived from the width;
//     the metadata is only cross-checked (published checkpoints, the 0.4B
//     first, break every such formula). A tensor that the layout does not
//     know is an error, not ignored: it belongs to a variant (DeepEmbed, a
//     hybrid) that computes something else.
//   - Memory is constant per sequence: a State's size is fixed by the
//     shape, and nothing grows with the number of tokens.
//   - Nothing is allocated per token: Forward, Prefill and the sampler
//     allocate nothing (their buffers are made once), dispatching a product
//     to the pool allocates nothing, and the generation loop nothing once
//     warm.
//   - There is no global state: everything a token touches hangs off the
//     Model, the Context and the State. A Model is immutable after loading
//     and may be shared by any number of Contexts; a Context and a State
//     belong to one goroutine at a time. A Model's pool runs one batch of
//     products at a time, so Contexts of one Model take turns batch by
//     batch.
//   - Prefill gives what Forward gives token by token, up to the float
//     summation order of the kernels.
//   - A memory fault on the mapping (the model file truncated while in use)
//     is an error returned by the call that touched it, never a crash.
//   - The package parses no flags and touches no hardware, and imports only
//     arm64, quant and runtime/tokenizer of this module: the command line,
//     the converter and the board layer are built on it, never the reverse.
//
// # The forward pass
//
// One token, all in float32. D is the width (Config.Embd), H the number of
// heads of N = Config.HeadSize channels (64 in every released model), x the
// residual stream. LN is layer norm, (x − mean)/√(var + ε)·weight + bias,
// with ε = Config.NormEps (1e-5 unless the file's metadata says otherwise);
// σ is the logistic sigmoid, ⊙ the element-wise product, and W·x a matrix
// product (see Matrix products below). Upper-case names are the fields of
// Weights and Block; s is the layer's LayerState. As forward.go computes it:
//
//	x = LN(Emb[token]; LN0W, LN0B)                      once, before layer 0
//
//	time mix (timeMix, heads)
//	  xx = LN(x; LN1W, LN1B)
//	  d  = s.AttXPrev − xx;   s.AttXPrev = xx             token shift
//	  xr = xx + d⊙XR,  and so xw, xk, xv, xa, xg with XW, XK, XV, XA, XG
//	  r = WR·xr    k = WK·xk    v = WV·xv
//	  w = exp(−e^−½ · σ(W0 + W2·tanh(W1·xw)))             decay, in (0, 1)
//	  a = σ(A0 + A2·(A1·xa))                              in-context learning rate
//	  g = G2·σ(G1·xg)                                     output gate
//	  layer 0: v₀ = v                                     value residual, kept
//	  others:  v = v + (v₀ − v)⊙σ(V0 + V2·(V1·xv))
//	  kk = (k⊙KK) / max(‖k⊙KK‖, 1e-12)                    per head of N channels
//	  k  = k⊙(1 + (a − 1)⊙KA)
//	  per head, with S the head's N×N block of s.WKV (row i a value
//	  channel, column j a key channel) and r, w, k, v, kk, a its N channels:
//	    S = S·(diag(w) − kk·(kk⊙a)ᵀ) + v·kᵀ               the delta rule
//	    y = S·r
//	    y = LN(y; LNXW, LNXB of the head, ε = 64e-5) + (Σⱼ rⱼ·kⱼ·RKⱼ)·v
//	  x = x + WO·(y⊙g)
//
//	channel mix (channelMix)
//	  xx = LN(x; LN2W, LN2B)
//	  d  = s.FFNXPrev − xx;   s.FFNXPrev = xx
//	  x  = x + FFNV·max(FFNK·(xx + d⊙FFNXK), 0)²
//
//	logits = Head·LN(x; LNOutW, LNOutB)                 after the last layer
//
// The delta rule element by element, as arm64.WKV7 computes it:
//
//	saᵢ = −Σⱼ Sᵢⱼ·kkⱼ
//	Sᵢⱼ = Sᵢⱼ·wⱼ + saᵢ·kkⱼ·aⱼ + vᵢ·kⱼ
//	yᵢ  = Σⱼ Sᵢⱼ·rⱼ
//
// The state forgets along the decay w, removes what it held along the
// normalised key kk in proportion to a, and writes v·kᵀ. In the paper's
// symbols kk is the normalised removal key κ̂ and the updated k the
// replacement key k̃; with its row vectors the update reads
// S·(diag(w) − κ̂ᵀ(a⊙κ̂)) + vᵀk̃. The code follows the official RNN formulation (RWKV-LM's
// RWKV-v7 demo), with the LoRA matrices stored for W·x where the checkpoint
// has x·W (the converter transposes them). The per-head norm of y is the paper's group norm with H groups;
// the last term of y is the "bonus" of the current token. e^−½ is
// arm64.DecayScale. tanh and the generic sigmoid and decay compute in
// float64 and round once (the NEON sigmoid and decay differ from them by a
// few float32 ulps); the kk norm sums its squares in float64.
//
// Prefill runs T tokens of a chunk together: every product is a matrix ×
// T vectors product (each weight read once per chunk), the element-wise
// steps run over T rows, the token shift of row t takes row t−1 (the state
// for the first), and the delta rule runs token by token. Logits are
// computed for the last token only.
//
// # Matrix products
//
// F32 and F16 weights multiply the float32 input directly. For Q8_0 and
// Q4_0 weights the input is first quantized to Q8 blocks of 32 values
// (arm64.QuantizeQ8: d = max|x|/127, q = round(x/d), d kept in float32),
// and output i is
//
//	Σ_b d_w(i,b)·d_x(b)·Σⱼ q_w(i,b,j)·q_x(b,j)
//
// over the blocks b of the row, the inner sum in int32: one float multiply
// per block. The rows of each product are split across the worker pool
// (see Threads).
//
// # Threads
//
// The products that read inputs already computed go to the pool together,
// and everything from the decay to the gate is per head, so a layer costs
// six hand-offs whatever the thread count: r, k, v and the LoRA first
// halves; the LoRA second halves; the heads (decay, a, value residual,
// kk, the delta rule, the group norm, the bonus, ⊙g); Wo; the FFN key; the
// FFN value. With the head that is 6L+1 per decoded token: 73 for the
// 0.1B shape (L = 12), 145 for L = 24 (0.4B, 1.5B); it was 167 with one
// hand-off per product. A batch's input is quantized once per form its
// products take (Q8_0, Q8_1, Q8_K), on the calling goroutine. Each job is
// cut into about four pieces per thread, at boundaries that depend only on
// its size and the thread count, and the threads take pieces from one
// counter, so every thread count gives the same bits and a thread held up
// by the OS does not hold up the rest (see pool).
//
// What a hand-off costs, and what it means for the four cores of a Pi 5:
//
//	one hand-off, x86 (2-core VM, BenchmarkPoolHandOff: an empty batch)
//	  spinning workers      ≈ 0.9 µs at 2 threads
//	  parked workers        ≈ 0.6 µs back to back (the Go scheduler still
//	                        spinning); after a real gap a futex wake-up,
//	                        tens of µs, at the scheduler's mercy
//
//	decode, 0.1B Q8_0, instructions per token under qemu cortex-a76
//	(tools/insncount -threads K, -det: GOMAXPROCS=1, so no spinning and
//	every hand-off is goroutine switches; all threads together)
//	  threads                 1         2         4
//	  per token           36.01 M   36.44 M   37.01 M
//	  per thread          36.01 M   18.22 M    9.25 M
//	  over 1 thread          –      +0.43 M   +1.00 M   ≈ 6 K and 14 K
//	                                          instructions per hand-off,
//	                                          the pieces' bookkeeping included
//	  one hand-off per product (167 a token): 35.97 M, 36.68 M, 37.51 M
//
//	per decoded token, 0.1B Q8_0:   36 M instructions, 157.5 MB of weights
//	Pi 5 (4× A76, 2.4 GHz; ≈ 2 instructions a cycle and ≈ 8–10 GB/s of
//	DRAM read bandwidth assumed, not measured here):
//	  compute   36 M / (2 × 2.4 GHz) ≈ 7.5 ms on one core, ≈ 1.9 ms on four
//	  memory    157.5 MB / 9 GB/s ≈ 17 ms once enough cores draw on it;
//	            one core alone draws less (on this x86 VM 8.0 GB/s from
//	            one thread, 15.7 from two: gosling bench --bw-mb)
//	  barriers  73 × (≈ 0.5 µs spinning: two cache-line hand-overs between
//	            cores and the tail of the slowest piece) ≈ 40 µs, and the
//	            pieces: ≈ 180 a layer at 4 threads (16 for each product of
//	            D rows, 1–4 for a LoRA first half, 12 heads), ≈ 2200 atomic
//	            adds × ≈ 50–100 ns ≈ 0.1–0.2 ms; together about 1% of the
//	            token
//	  parked    73 × 20–50 µs ≈ 1.5–3.6 ms a token, 10–20%: why the workers
//	            spin between hand-offs while a token is being computed
//
// So on a Pi 5 decode of the small models is bound by memory bandwidth
// from about two threads on, and the hand-offs cost little as long as the
// workers spin; the spin (spinRounds, tens of microseconds) is longer than
// the gaps between the hand-offs of a token and far shorter than the gap
// between tokens of a user typing. Serial work left on the calling
// goroutine: the layer norms, the token-shift lerps, the quantization of
// each batch's inputs, the LoRA activations (tanh, σ), relu² and the
// residual adds, about 2% of a decoded 0.1B Q8_0 token at one thread on
// x86 (BenchmarkDecodeQuant with -cpuprofile: Forward less the pool's
// batches).
//
// # The weights
//
// A Model binds these tensors of an rwkv7 GGUF file: llama.cpp's names and
// layout (without the .weight and .bias suffixes), with the official
// RWKV-LM checkpoint names in the last column. Matrices are rows × columns,
// used as W·x; V is the vocabulary rows, F the channel-mix width and RW,
// RA, RV, RG the LoRA ranks, all read from the shapes.
//
//	field        GGUF tensor                     shape             official
//	Emb          token_embd                      V×D               emb
//	LN0W, LN0B   token_embd_norm                 D                 blocks.0.ln0
//	LNOutW, -B   output_norm                     D                 ln_out
//	Head         output                          V×D               head
//	per layer:   blk.N.…                                           blocks.N.…
//	LN1W, LN1B   attn_norm                       D                 ln1
//	LN2W, LN2B   attn_norm_2                     D                 ln2
//	XR … XG      time_mix_lerp_fused             6×D               att.x_r … x_g, in that order
//	W0 W1 W2     time_mix_w0 _w1 _w2             D  RW×D  D×RW     att.w0 w1 w2
//	A0 A1 A2     time_mix_a0 _a1 _a2             D  RA×D  D×RA     att.a0 a1 a2
//	V0 V1 V2     time_mix_v0 _v1 _v2             D  RV×D  D×RV     att.v0 v1 v2 (layers ≥ 1)
//	G1 G2        time_mix_g1 _g2                 RG×D  D×RG        att.g1 g2
//	KK KA RK     time_mix_k_k _k_a _r_k          D                 att.k_k k_a r_k
//	WR WK WV WO  time_mix_receptance _key        D×D               att.receptance key
//	             _value _output                                    value output
//	LNXW, LNXB   time_mix_ln                     D                 att.ln_x
//	FFNXK        channel_mix_lerp_k              D                 ffn.x_k
//	FFNK, FFNV   channel_mix_key _value          F×D  D×F          ffn.key value
//
// Layer 0's time_mix_v0/v1/v2 are copies of a0/a1/a2 that llama.cpp
// requires and nothing uses; they are not bound. The metadata read is
// general.architecture (must be rwkv7), rwkv7.block_count (checked against
// the tensors), rwkv7.wkv.head_size (default 64),
// rwkv7.attention.layer_norm_epsilon (default 1e-5), and the vocabulary:
// tokenizer.ggml.model (must be rwkv), tokenizer.ggml.tokens (stored
// Python-escaped, as llama.cpp's converter writes them) and
// tokenizer.ggml.token_type (control and unused entries are never matched).
// A model file is thus self-contained. tools/convert writes these files,
// with the further keys llama.cpp reads.
//
// # State
//
// A State is, for every layer, AttXPrev (D values: the LN1 output of the
// last token), WKV (H heads of N×N, row-major, row i a value channel) and
// FFNXPrev (D values: its LN2 output), held in one slice in that order,
// layer after layer (State.Floats), and the number of tokens it has read.
// That is L·(2D + H·N²) float32s whatever the length of the text: 2.4 MB
// for the 0.1B shape (L12 D768). Saved to a file, it replaces re-reading a
// prompt: loading a system prompt's state costs a file read, whatever the
// prompt's length.
//
// # State files
//
// A state file holds one State and, optionally, the logits the model gave
// after its last token, so that generation can go on from the file alone.
// Little-endian:
//
//	offset  size  field
//	0       8     magic "GOSLSTAT"
//	8       4     version (1)
//	12      4     flags: bit 0 = logits present; other bits must be 0
//	16      32    model fingerprint (Model.Fingerprint)
//	48      4×5   layers, width, heads, head size, vocabulary rows
//	68      4     reserved, 0
//	72      8     tokens read since the zero state
//	80      8     state values S (= layers × (2·width + heads·headsize²))
//	88      8     logit values (0, or the vocabulary rows)
//	96      4·S   the state as State.Floats(): per layer AttXPrev, WKV, FFNXPrev
//	        4·V   logits, if present
//	end−4   4     CRC-32C of every byte before it
//
// The fingerprint is a SHA-256 of the shape, every tensor's name, type and
// dimensions, and the first and last KiB of six large tensors, so a state
// saved for another model (another shape, or the same shape with other
// weights or another quantization) is refused with ErrStateModel. Files are
// written atomically (temporary file, fsync, rename, fsync of the
// directory): a crash leaves the old file or the new one.
//
// # Tokens, sampling and chat
//
// Token 0 is end of text; the token "\n\n" ends a chat reply. The sampler
// is the official one of the rwkv pip package (PIPELINE.sample_logits, with
// the presence and frequency penalties of PIPELINE.generate): penalties,
// then softmax → top-p → top-k → probabilities^(1/T) → renormalise →
// draw. DefaultSampler is the official chat setting, CompletionSampler
// that of plain continuation. Generation reads the prompt in chunks, then
// draws, emits and feeds one token at a time; stop strings are matched on
// bytes, and emitted text never ends inside a UTF-8 character. A chat wraps
// the messages in the G1 template (chat.go) and keeps the conversation in
// its state between messages.
package runtime
