"""Times the official RWKV-7 reference on the GPU, for comparison with gosling's CUDA path.

Usage: python3 torch_ref.py RWKV_V7_DIR [shape ...]
       python3 torch_ref.py --copy     (the GPU's copy bandwidth only)

RWKV_V7_DIR holds the official RWKV-LM files rwkv_v7_demo_fast.py and
cuda/wkv7s.cu, cuda/wkv7s_op.cpp (carried to the GPU machine, never committed).
The script imports the demo's model code unchanged (fp16 weights, TorchScript,
its own CUDA WKV kernel for sequences), feeding it random weights of each
shape in the official checkpoint layout instead of a downloaded .pth.
Shapes: 0.1B (L12 D768), 0.4B (L24 D1024), 1.5B (L24 D2048), vocabulary 65536.
Prints one "TORCH ..." line per shape.
"""
import os
import sys
import time

import torch

SHAPES = {"0.1B": (12, 768), "0.4B": (24, 1024), "1.5B": (24, 2048)}
VOCAB = 65536


def lora_rank(c, e, m):
    return max(1, round(c ** e * m / 32)) * 32


def random_checkpoint(n_layer, c, dev="cuda"):
    """Random bf16 weights with the names and shapes of an official RWKV-7 .pth."""
    g = torch.Generator(device=dev).manual_seed(0)
    h, n = c // 64, 64
    rw, ra, rv, rg = lora_rank(c, 0.5, 1.8), lora_rank(c, 0.5, 1.8), lora_rank(c, 0.5, 1.3), lora_rank(c, 0.8, 0.6)

    def t(*shape, scale=0.02, mean=0.0):
        return (torch.randn(*shape, generator=g, device=dev) * scale + mean).to(torch.bfloat16)

    z = {"emb.weight": t(VOCAB, c, scale=1e-4)}
    for i in range(n_layer):
        b = f"blocks.{i}."
        if i == 0:
            z[b + "ln0.weight"], z[b + "ln0.bias"] = t(c, scale=0, mean=1), t(c, scale=0)
        for ln in ("ln1", "ln2"):
            z[b + ln + ".weight"], z[b + ln + ".bias"] = t(c, scale=0, mean=1), t(c, scale=0)
        a = b + "att."
        for k in ("x_r", "x_w", "x_k", "x_v", "x_a", "x_g"):
            z[a + k] = t(1, 1, c, scale=0.2, mean=0.5)
        z[a + "w0"], z[a + "a0"], z[a + "v0"] = t(1, 1, c, scale=0.5, mean=-2), t(1, 1, c, scale=0.1), t(1, 1, c, scale=0.1, mean=1)
        z[a + "w1"], z[a + "w2"] = t(c, rw), t(rw, c)
        z[a + "a1"], z[a + "a2"] = t(c, ra), t(ra, c)
        z[a + "v1"], z[a + "v2"] = t(c, rv), t(rv, c)
        z[a + "g1"], z[a + "g2"] = t(c, rg), t(rg, c)
        z[a + "k_k"], z[a + "k_a"] = t(1, 1, c, scale=0.1, mean=0.8), t(1, 1, c, scale=0.1, mean=1)
        z[a + "r_k"] = t(h, n, scale=0.1)
        for k in ("receptance", "key", "value", "output"):
            z[a + k + ".weight"] = t(c, c)
        z[a + "ln_x.weight"], z[a + "ln_x.bias"] = t(c, scale=0, mean=1), t(c, scale=0)
        f = b + "ffn."
        z[f + "x_k"] = t(1, 1, c, scale=0.2, mean=0.5)
        z[f + "key.weight"], z[f + "value.weight"] = t(4 * c, c), t(c, 4 * c)
    z["ln_out.weight"], z["ln_out.bias"] = t(c, scale=0, mean=1), t(c, scale=0)
    z["head.weight"] = t(VOCAB, c)
    return z


def load_reference(src_dir):
    """Imports the demo's definitions (everything before its test code) as a
    module from a file: TorchScript compiles from source, which it reads
    through inspect, so exec'd code would not do. The working directory is
    src_dir, where the demo builds its CUDA kernel from cuda/."""
    os.chdir(src_dir)
    src = open("rwkv_v7_demo_fast.py").read()
    with open("rwkv_v7_reference_model.py", "w") as f:
        f.write(src[: src.index("# The testing code")])
    sys.path.insert(0, os.getcwd())
    import rwkv_v7_reference_model as ref

    return ref


def timed(fn, reps):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / reps


def copy_bandwidth():
    """Device-to-device copy of 1 GiB, counting bytes read and written."""
    x = torch.randint(0, 255, (1 << 30,), dtype=torch.uint8, device="cuda")
    y = torch.empty_like(x)
    sec = min(timed(lambda: y.copy_(x), 5) for _ in range(3))
    print(f"COPY device-to-device {2 * x.numel() / sec / 1e9:.0f} GB/s", flush=True)


def main():
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}", flush=True)
    if sys.argv[1] == "--copy":
        copy_bandwidth()
        return
    src_dir = sys.argv[1]
    names = sys.argv[2:] or list(SHAPES)
    t0 = time.time()
    ref = load_reference(src_dir)
    print(f"reference loaded (its CUDA kernel built) in {time.time() - t0:.0f} s", flush=True)
    real_load = torch.load
    for name in names:
        n_layer, c = SHAPES[name]
        args = ref.args
        args.n_layer, args.n_embd, args.vocab_size, args.head_size = n_layer, c, VOCAB, 64
        args.MODEL_NAME = "random-" + name
        ckpt = random_checkpoint(n_layer, c)
        params = sum(v.numel() for v in ckpt.values())
        torch.load = lambda *a, **k: ckpt
        try:
            model = ref.RWKV_x070(args)
        finally:
            torch.load = real_load
        del ckpt
        ids = torch.randint(1, VOCAB, (1024,), generator=torch.Generator().manual_seed(1)).tolist()
        with torch.no_grad():
            state = [None]
            out, state[0] = model.forward(ids[:16], None)
            for i in range(12):  # TorchScript profiles its first calls
                out, state[0] = model.forward(ids[i], state[0])

            def step():
                nonlocal out
                for i in range(128):
                    out, state[0] = model.forward(ids[i], state[0])

            dec = 128 / timed(step, 3)

            def prefill():
                model.forward(ids[:512], None)

            prefill()
            pre = 512 / timed(prefill, 3)
        bytes_per_token = 2 * (params - VOCAB * c)  # fp16, the embedding read one row a token
        print(f"TORCH shape={name} L{n_layer} D{c} params={params} decode_tok_s={dec:.1f} prefill_tok_s={pre:.1f} "
              f"fp16_bytes_per_token={bytes_per_token}", flush=True)
        del model
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
