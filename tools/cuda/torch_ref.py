"""Times the official RWKV-7 reference on the GPU, for comparison with gosling's CUDA path.

Usage: python3 torch_ref.py RWKV_V7_DIR [shape ...]
       python3 torch_ref.py --copy              (the GPU's copy bandwidth only)
       python3 torch_ref.py --build RWKV_V7_DIR (build the demo's CUDA kernel only)

RWKV_V7_DIR holds the official RWKV-LM files rwkv_v7_demo_fast.py and
cuda/wkv7s.cu, cuda/wkv7s_op.cpp (carried to the GPU machine, never committed).
The script imports the demo's model code unchanged (fp16 weights, TorchScript,
its own CUDA WKV kernel for sequences), feeding it random weights of each
shape in the official checkpoint layout instead of a downloaded .pth.
Shapes: 0.1B (L12 D768), 0.4B (L24 D1024), 1.5B (L24 D2048), vocabulary 65536.
Prints one "TORCH ..." line per shape. If TorchScript cannot compile the demo,
the demo's own non-JIT setting (its commented alternative lines) runs instead,
and the line says mode=eager.
"""
import importlib
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


def load_reference(src_dir, jit=True):
    """Imports the demo's definitions (everything before its test code) as a
    module from a file: TorchScript compiles from source, which it reads
    through inspect, so exec'd code would not do. The working directory is
    src_dir, where the demo builds its CUDA kernel from cuda/. With
    jit=False the demo's own alternative lines replace TorchScript
    (MyModule = nn.Module, MyFunction = MyStatic = no-ops)."""
    os.chdir(src_dir)
    src = open("rwkv_v7_demo_fast.py").read()
    src = src[: src.index("# The testing code")]
    name = "rwkv_v7_reference_jit" if jit else "rwkv_v7_reference_nojit"
    if not jit:
        for a, b in (("MyModule = torch.jit.ScriptModule", "MyModule = nn.Module"),
                     ("MyFunction = torch.jit.script_method", "MyFunction = lambda f: f"),
                     ("MyStatic = torch.jit.script", "MyStatic = lambda f: f")):
            if a not in src:
                raise RuntimeError(f"demo source has no line {a!r}")
            src = src.replace(a, b)
        # nn is imported below these lines in the demo; bring it forward.
        src = "import torch.nn as nn\n" + src
    with open(name + ".py", "w") as f:
        f.write(src)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    return importlib.import_module(name)


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
    if sys.argv[1] == "--build":  # build the demo's CUDA kernel ahead (cached by torch)
        t0 = time.time()
        try:
            load_reference(sys.argv[2])
        except Exception as e:
            print(f"(import: {type(e).__name__}; the kernel build is what counts here)", flush=True)
        print(f"demo kernel built in {time.time() - t0:.0f} s", flush=True)
        return
    src_dir = sys.argv[1]
    names = sys.argv[2:] or list(SHAPES)
    t0 = time.time()
    mode = "torchscript"
    try:
        ref = load_reference(src_dir)
    except Exception as e:  # TorchScript may refuse the demo's autograd.Function
        ref, mode = fall_back(src_dir, e)
    print(f"reference loaded ({mode}, its CUDA kernel built) in {time.time() - t0:.0f} s", flush=True)
    for name in names:
        try:
            run_shape(ref, mode, name)
        except Exception as e:
            if mode != "torchscript":
                raise
            ref, mode = fall_back(src_dir, e)
            run_shape(ref, mode, name)


def fall_back(src_dir, e):
    print(f"TorchScript failed ({type(e).__name__}: {str(e).strip().splitlines()[0][:300]}); "
          "using the demo's non-JIT setting", flush=True)
    return load_reference(src_dir, jit=False), "eager"


def run_shape(ref, mode, name):
    """Decode and prefill speed of the reference at one shape."""
    n_layer, c = SHAPES[name]
    args = ref.args
    args.n_layer, args.n_embd, args.vocab_size, args.head_size = n_layer, c, VOCAB, 64
    args.MODEL_NAME = "random-" + name
    ckpt = random_checkpoint(n_layer, c)
    params = sum(v.numel() for v in ckpt.values())
    real_load = torch.load
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
        if not torch.isfinite(out.float()).all():
            print(f"warning: {name}: non-finite logits", flush=True)

        def step():
            for i in range(128):
                state[0] = model.forward(ids[i], state[0])[1]

        dec = 128 / timed(step, 3)

        def prefill():
            model.forward(ids[:512], None)

        prefill()
        pre = 512 / timed(prefill, 3)
    bytes_per_token = 2 * (params - VOCAB * c)  # fp16, the embedding read one row a token
    print(f"TORCH shape={name} L{n_layer} D{c} mode={mode} dtype={ref.DTYPE} params={params} "
          f"decode_tok_s={dec:.1f} prefill_tok_s={pre:.1f} fp16_bytes_per_token={bytes_per_token} "
          f"implied_gb_s={dec * bytes_per_token / 1e9:.0f}", flush=True)
    del model
    torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
