#!/usr/bin/env python3
"""Train the gosling demo model: a small RWKV-7 ("x070") written from the
equations of runtime/doc.go ("The forward pass").

Parameter names, shapes and the initialisation scheme follow the official RWKV-LM x070
checkpoints, so the result goes through the same `gosling convert` path as a published model.
The time-mix recurrence is computed exactly (no approximation) in fp32 with a chunked
formulation (chunks of 16 tokens, sequential only across chunks), everything else in bf16
autocast. After training, the script reloads the bf16-rounded weights, measures held-out loss in
fp32, runs a token-by-token fp32 RNN (a separate, literal implementation of those equations)
over a held-out passage, checks it against the parallel forward, and writes:

  model.pth            torch.save of an OrderedDict of bf16 CPU tensors, official names/order
  heldout_tokens.json  the passage's token ids
  heldout_logits.bin   float32 [T, vocab] little-endian RNN-mode logits, row t after tokens[0..t]
  train_log.csv        step, tokens, train_loss, heldout_loss, seconds
  result.json          final numbers

Usage (see README.md):  python3 train.py --data DIR --out DIR [--n-embd 320 --n-layer 6 ...]
"""

import argparse
import collections
import csv
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HEAD_SIZE = 64
CHUNK = 16
DECAY_SCALE = math.exp(-0.5)  # w = exp(-e^-0.5 * sigmoid(.)), runtime/doc.go


def lora_rank(factor, C):
    """The official rank suggestion: max(32, round(f*sqrt(C)/32)*32)."""
    return max(32, int(round(factor * (C ** 0.5) / 32)) * 32)


def ortho_(t, scale):
    rows, cols = t.shape
    gain = math.sqrt(rows / cols) if rows > cols else 1.0
    nn.init.orthogonal_(t, gain=gain * scale)
    return t


def token_shift(x):
    """x_prev for each position: the previous token's vector, zeros for the first one."""
    return torch.cat([torch.zeros_like(x[:, :1]), x[:, :-1]], dim=1)


# ----------------------------------------------------------------------------------------------
# The exact RWKV-7 state recurrence, chunked.
#
# Per head, with the state S (rows = value channels, columns = key channels):
#     sa_t = S_{t-1} alpha_t                                  alpha = -kk
#     S_t  = S_{t-1} diag(w_t) + sa_t beta_t^T + v_t k_t^T     beta  = kk * a
#     y_t  = S_t r_t
# Inside a chunk, with cw_t = prod_{s<=t} w_s (cumulative decay from the chunk start), every
# S_t is S_0 diag(cw_t) plus rank-one terms whose decays are ratios cw_t / cw_s. That makes the
# sa_t of a chunk the solution of a unit lower-triangular system, solved here exactly with
# (I - L)^-1 = (I + L)(I + L^2)(I + L^4)(I + L^8) (L is strictly lower, so L^16 = 0).
# We keep the transposed state M = S^T (key x value), so the chunk-to-chunk step is the linear
# map M_next = E M + F and the outputs are Y = G M + Y_local, all batched matrix products.
# Decays are soft-clamped to w >= exp(-e^-0.5) ~ 0.545, so 1/cw stays below ~1.6e4 over 16 steps:
# safe in fp32.


def wkv_chunked(r, logw, k, v, alpha, beta, n_head, state=None):
    B, T, C = r.shape
    N = C // n_head
    if T % CHUNK:
        raise ValueError(f"sequence length {T} is not a multiple of {CHUNK}")
    nc = T // CHUNK

    def split(x):
        return x.reshape(B, nc, CHUNK, n_head, N).permute(0, 3, 1, 2, 4)  # B,H,nc,L,N

    r, logw, k, v, alpha, beta = map(split, (r, logw, k, v, alpha, beta))
    lcw = torch.cumsum(logw, dim=3)          # log cw_t (inclusive)
    lcw_prev = lcw - logw                    # log cw_{t-1}
    lcw_last = lcw[:, :, :, -1:, :]          # log cw at the chunk end
    alpha_hat = alpha * torch.exp(lcw_prev)
    r_hat = r * torch.exp(lcw)
    inv = torch.exp(-lcw)
    beta_til = beta * inv
    k_til = k * inv
    to_end = torch.exp(lcw_last - lcw)
    beta_end = beta * to_end
    k_end = k * to_end

    strict = torch.ones(CHUNK, CHUNK, dtype=torch.bool, device=r.device).tril(-1)
    incl = torch.ones(CHUNK, CHUNK, dtype=torch.bool, device=r.device).tril(0)
    Lb = (alpha_hat @ beta_til.transpose(-1, -2)).masked_fill(~strict, 0.0)
    Lk = (alpha_hat @ k_til.transpose(-1, -2)).masked_fill(~strict, 0.0)
    Qb = (r_hat @ beta_til.transpose(-1, -2)).masked_fill(~incl, 0.0)
    Qk = (r_hat @ k_til.transpose(-1, -2)).masked_fill(~incl, 0.0)

    eye = torch.eye(CHUNK, dtype=r.dtype, device=r.device)
    tinv = eye + Lb
    power = Lb
    p = 2
    while p < CHUNK:
        power = power @ power
        tinv = tinv + tinv @ power
        p *= 2

    P = tinv @ alpha_hat                     # sa rows = P M0 + U
    U = tinv @ (Lk @ v)
    G = r_hat + Qb @ P                       # y rows = G M0 + Yloc
    y_local = Qb @ U + Qk @ v
    beta_end_t = beta_end.transpose(-1, -2)
    E = torch.diag_embed(torch.exp(lcw_last.squeeze(3))) + beta_end_t @ P   # M_next = E M0 + F
    Fm = beta_end_t @ U + k_end.transpose(-1, -2) @ v

    M = torch.zeros(B, n_head, N, N, dtype=r.dtype, device=r.device) if state is None else state
    starts = []
    for c in range(nc):
        starts.append(M)
        M = torch.baddbmm(Fm[:, :, c].reshape(B * n_head, N, N),
                          E[:, :, c].reshape(B * n_head, N, N),
                          M.reshape(B * n_head, N, N)).view(B, n_head, N, N)
    Ms = torch.stack(starts, dim=2)
    Y = G @ Ms + y_local
    return Y.permute(0, 2, 3, 1, 4).reshape(B, T, C), M


# ----------------------------------------------------------------------------------------------
# Model


class TimeMix(nn.Module):
    def __init__(self, C, n_layer, layer_id):
        super().__init__()
        self.layer_id = layer_id
        self.n_head = C // HEAD_SIZE
        H, N = self.n_head, HEAD_SIZE
        r0to1 = layer_id / (n_layer - 1) if n_layer > 1 else 0.0
        r1to0 = 1.0 - layer_id / n_layer
        with torch.no_grad():
            ddd = (torch.arange(C, dtype=torch.float32) / C).view(1, 1, C)
            n = torch.arange(C, dtype=torch.float32)
            linear = n / (C - 1) - 0.5
            zigzag = ((n % N) - (N - 1) / 2) / ((N - 1) / 2)
            zigzag = zigzag * zigzag.abs()
            www = -6 + 6 * (n / (C - 1)) ** (1 + 1 * r0to1 ** 0.3)

            self.x_r = nn.Parameter(1.0 - ddd ** (0.2 * r1to0))
            self.x_w = nn.Parameter(1.0 - ddd ** (0.9 * r1to0))
            self.x_k = nn.Parameter(1.0 - ddd ** (0.7 * r1to0))
            self.x_v = nn.Parameter(1.0 - ddd ** (0.7 * r1to0))
            self.x_a = nn.Parameter(1.0 - ddd ** (0.9 * r1to0))
            self.x_g = nn.Parameter(1.0 - ddd ** (0.2 * r1to0))

            dw, da, dv, dg = (lora_rank(f, C) for f in (2.5, 2.5, 1.7, 5.0))
            self.w0 = nn.Parameter((www + 0.5 + zigzag * 2.5).view(1, 1, C))
            self.w1 = nn.Parameter(torch.zeros(C, dw))
            self.w2 = nn.Parameter(ortho_(torch.zeros(dw, C), 0.1))
            self.a0 = nn.Parameter((-0.19 + zigzag * 0.3 + linear * 0.4).view(1, 1, C))
            self.a1 = nn.Parameter(torch.zeros(C, da))
            self.a2 = nn.Parameter(ortho_(torch.zeros(da, C), 0.1))
            if layer_id > 0:
                self.v0 = nn.Parameter((0.73 - linear * 0.4).view(1, 1, C))
                self.v1 = nn.Parameter(torch.zeros(C, dv))
                self.v2 = nn.Parameter(ortho_(torch.zeros(dv, C), 0.1))
            self.g1 = nn.Parameter(torch.zeros(C, dg))
            self.g2 = nn.Parameter(ortho_(torch.zeros(dg, C), 0.1))
            self.k_k = nn.Parameter((0.71 - linear * 0.1).view(1, 1, C))
            self.k_a = nn.Parameter(torch.full((1, 1, C), 1.02))
            self.r_k = nn.Parameter(torch.full((H, N), -0.04))

            self.receptance = nn.Linear(C, C, bias=False)
            self.key = nn.Linear(C, C, bias=False)
            self.value = nn.Linear(C, C, bias=False)
            self.output = nn.Linear(C, C, bias=False)
            self.ln_x = nn.GroupNorm(H, C, eps=64e-5)
            nn.init.orthogonal_(self.receptance.weight, gain=1.0)
            nn.init.orthogonal_(self.key.weight, gain=0.1)
            nn.init.orthogonal_(self.value.weight, gain=1.0)
            nn.init.zeros_(self.output.weight)
            self.ln_x.weight.fill_(((1 + layer_id) / n_layer) ** 0.7)

    def forward(self, x, v_first):
        B, T, C = x.shape
        H, N = self.n_head, HEAD_SIZE
        xx = token_shift(x) - x
        xr = x + xx * self.x_r
        xw = x + xx * self.x_w
        xk = x + xx * self.x_k
        xv = x + xx * self.x_v
        xa = x + xx * self.x_a
        xg = x + xx * self.x_g

        r = self.receptance(xr)
        k = self.key(xk)
        v = self.value(xv)
        logw = -DECAY_SCALE * torch.sigmoid((self.w0 + torch.tanh(xw @ self.w1) @ self.w2).float())
        if self.layer_id == 0:
            v_first = v
        else:
            v = v + (v_first - v) * torch.sigmoid(self.v0 + (xv @ self.v1) @ self.v2)
        a = torch.sigmoid(self.a0 + (xa @ self.a1) @ self.a2)
        g = torch.sigmoid(xg @ self.g1) @ self.g2

        kk = F.normalize((k * self.k_k).float().view(B, T, H, N), dim=-1, p=2.0, eps=1e-12).view(B, T, C)
        k = k * (1 + (a - 1) * self.k_a)

        rf, kf, vf, af = r.float(), k.float(), v.float(), a.float()
        with torch.autocast(device_type=x.device.type, enabled=False):
            y, _ = wkv_chunked(rf, logw, kf, vf, -kk, kk * af, H)
            y = self.ln_x(y.reshape(B * T, C)).view(B, T, C)
            bonus = (rf.view(B, T, H, N) * kf.view(B, T, H, N) * self.r_k.float()).sum(dim=-1, keepdim=True)
            y = y + (bonus * vf.view(B, T, H, N)).view(B, T, C)
        return self.output(y * g), v_first


class ChannelMix(nn.Module):
    def __init__(self, C, n_layer, layer_id):
        super().__init__()
        r1to0 = 1.0 - layer_id / n_layer
        with torch.no_grad():
            ddd = (torch.arange(C, dtype=torch.float32) / C).view(1, 1, C)
            self.x_k = nn.Parameter(1.0 - ddd ** (r1to0 ** 4))
        self.key = nn.Linear(C, 4 * C, bias=False)
        self.value = nn.Linear(4 * C, C, bias=False)
        with torch.no_grad():
            nn.init.orthogonal_(self.key.weight, gain=1.0)
            nn.init.zeros_(self.value.weight)

    def forward(self, x):
        k = x + (token_shift(x) - x) * self.x_k
        return self.value(torch.relu(self.key(k)) ** 2)


class Block(nn.Module):
    def __init__(self, C, n_layer, layer_id, dropout=0.0):
        super().__init__()
        self.layer_id = layer_id
        self.dropout = dropout  # on the residual branches, training only (as RWKV-LM's --dropout)
        self.ln1 = nn.LayerNorm(C)
        self.ln2 = nn.LayerNorm(C)
        if layer_id == 0:
            self.ln0 = nn.LayerNorm(C)
        self.att = TimeMix(C, n_layer, layer_id)
        self.ffn = ChannelMix(C, n_layer, layer_id)

    def forward(self, x, v_first):
        if self.layer_id == 0:
            x = self.ln0(x)
        dx, v_first = self.att(self.ln1(x), v_first)
        x = x + F.dropout(dx, self.dropout, self.training)
        x = x + F.dropout(self.ffn(self.ln2(x)), self.dropout, self.training)
        return x, v_first


class RWKV7(nn.Module):
    def __init__(self, vocab, C, n_layer, dropout=0.0):
        super().__init__()
        if C % HEAD_SIZE:
            raise ValueError(f"n_embd {C} is not a multiple of the head size {HEAD_SIZE}")
        self.vocab, self.n_embd, self.n_layer = vocab, C, n_layer
        self.emb = nn.Embedding(vocab, C)
        self.blocks = nn.ModuleList([Block(C, n_layer, i, dropout) for i in range(n_layer)])
        self.ln_out = nn.LayerNorm(C)
        self.head = nn.Linear(C, vocab, bias=False)
        with torch.no_grad():
            nn.init.uniform_(self.emb.weight, a=-1e-4, b=1e-4)
            gain = 0.5 * math.sqrt(vocab / C) if vocab > C else 0.5
            nn.init.orthogonal_(self.head.weight, gain=gain)

    def forward(self, idx):
        x = self.emb(idx)
        v_first = None
        for block in self.blocks:
            x, v_first = block(x, v_first)
        return self.head(self.ln_out(x))


def official_keys(n_layer):
    """Key order of the published RWKV-7 .pth files (see fixtures README / manifest)."""
    keys = ["emb.weight"]
    for i in range(n_layer):
        p = f"blocks.{i}."
        keys += [p + "ln1.weight", p + "ln1.bias", p + "ln2.weight", p + "ln2.bias"]
        if i == 0:
            keys += [p + "ln0.weight", p + "ln0.bias"]
        a = p + "att."
        keys += [a + s for s in ("x_r", "x_w", "x_k", "x_v", "x_a", "x_g", "w0", "r_k",
                                 "w1", "w2", "a1", "a2", "a0", "g1", "g2")]
        if i > 0:
            keys += [a + "v2", a + "v1", a + "v0"]
        keys += [a + s for s in ("k_k", "k_a", "receptance.weight", "key.weight", "value.weight",
                                 "output.weight", "ln_x.weight", "ln_x.bias")]
        keys += [p + "ffn.x_k", p + "ffn.key.weight", p + "ffn.value.weight"]
    keys += ["ln_out.weight", "ln_out.bias", "head.weight"]
    return keys


def bf16_checkpoint(model):
    sd = model.state_dict()
    keys = official_keys(model.n_layer)
    if set(keys) != set(sd.keys()):
        raise RuntimeError(f"state dict keys differ from the official layout: "
                           f"{sorted(set(keys) ^ set(sd.keys()))}")
    return collections.OrderedDict((k, sd[k].detach().to("cpu", torch.bfloat16).contiguous()) for k in keys)


# ----------------------------------------------------------------------------------------------
# Literal RNN mode (the equations of runtime/doc.go), fp32, one token at a time. Independent of the model code.


def rnn_logits(ckpt, tokens, n_layer):
    w = {k: v.float() for k, v in ckpt.items()}
    C = w["emb.weight"].shape[1]
    H, N = C // HEAD_SIZE, HEAD_SIZE

    def ln(x, name, eps=1e-5):
        return F.layer_norm(x, (C,), w[name + ".weight"], w[name + ".bias"], eps)

    att_x = [torch.zeros(C) for _ in range(n_layer)]
    ffn_x = [torch.zeros(C) for _ in range(n_layer)]
    S = [torch.zeros(H, N, N) for _ in range(n_layer)]   # [head][value i][key j]
    out = []
    for tok in tokens:
        x = ln(w["emb.weight"][tok], "blocks.0.ln0")
        v_first = None
        for i in range(n_layer):
            p = f"blocks.{i}.att."
            xx = ln(x, f"blocks.{i}.ln1")
            d = att_x[i] - xx
            att_x[i] = xx
            mix = {s: xx + d * w[p + "x_" + s].view(C) for s in "rwkvag"}
            r = w[p + "receptance.weight"] @ mix["r"]
            k = w[p + "key.weight"] @ mix["k"]
            v = w[p + "value.weight"] @ mix["v"]
            decay = torch.exp(-DECAY_SCALE * torch.sigmoid(
                w[p + "w0"].view(C) + torch.tanh(mix["w"] @ w[p + "w1"]) @ w[p + "w2"]))
            a = torch.sigmoid(w[p + "a0"].view(C) + (mix["a"] @ w[p + "a1"]) @ w[p + "a2"])
            g = torch.sigmoid(mix["g"] @ w[p + "g1"]) @ w[p + "g2"]
            if i == 0:
                v_first = v
            else:
                v = v + (v_first - v) * torch.sigmoid(
                    w[p + "v0"].view(C) + (mix["v"] @ w[p + "v1"]) @ w[p + "v2"])
            kk = (k * w[p + "k_k"].view(C)).view(H, N)
            kk = kk / torch.clamp(kk.norm(dim=-1, keepdim=True), min=1e-12)
            kk = kk.view(C)
            k = k * (1 + (a - 1) * w[p + "k_a"].view(C))
            y = torch.zeros(C)
            for h in range(H):
                sl = slice(h * N, (h + 1) * N)
                Sh = S[i][h]
                sa = Sh @ (-kk[sl])
                Sh = Sh * decay[sl].view(1, N) + sa.view(N, 1) * (kk[sl] * a[sl]).view(1, N) \
                    + v[sl].view(N, 1) * k[sl].view(1, N)
                S[i][h] = Sh
                yh = Sh @ r[sl]
                mean = yh.mean()
                var = ((yh - mean) ** 2).mean()
                yh = (yh - mean) / torch.sqrt(var + 64e-5) * w[p + "ln_x.weight"][sl] + w[p + "ln_x.bias"][sl]
                yh = yh + (r[sl] * k[sl] * w[p + "r_k"][h]).sum() * v[sl]
                y[sl] = yh
            x = x + w[p + "output.weight"] @ (y * g)
            f = f"blocks.{i}.ffn."
            xx = ln(x, f"blocks.{i}.ln2")
            d = ffn_x[i] - xx
            ffn_x[i] = xx
            kx = xx + d * w[f + "x_k"].view(C)
            x = x + w[f + "value.weight"] @ (torch.relu(w[f + "key.weight"] @ kx) ** 2)
        out.append(w["head.weight"] @ ln(x, "ln_out"))
    return torch.stack(out)


# ----------------------------------------------------------------------------------------------
# Training


def load_tokens(path):
    return torch.from_numpy(np.fromfile(path, dtype="<u2").astype(np.int64))


def make_optimizer(model, lr, wd, device):
    decay, plain, double = [], [], []
    for name, p in model.named_parameters():
        if "att.w0" in name:
            double.append(p)
        elif p.squeeze().dim() >= 2 and name.endswith(".weight") and wd > 0:
            decay.append(p)
        else:
            plain.append(p)
    groups = [{"params": plain, "weight_decay": 0.0, "lr_scale": 1.0},
              {"params": double, "weight_decay": 0.0, "lr_scale": 2.0},
              {"params": decay, "weight_decay": wd, "lr_scale": 1.0}]
    kw = {"fused": True} if device.type == "cuda" else {}
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99), eps=1e-8, **kw)


def heldout_loss(model, data, ctx, batch, device, autocast):
    """Mean next-token loss over non-overlapping windows of the held-out stream."""
    model.eval()
    n = (data.numel() - 1) // ctx
    total, count = 0.0, 0
    with torch.no_grad():
        for s in range(0, n, batch):
            rows = torch.arange(s, min(n, s + batch)) * ctx
            idx = torch.stack([data[r:r + ctx + 1] for r in rows.tolist()]).to(device)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=autocast):
                logits = model(idx[:, :-1])
            loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), idx[:, 1:].reshape(-1),
                                   reduction="sum")
            total += loss.item()
            count += idx[:, 1:].numel()
    model.train()
    return total / count


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def bench(configs, args, device, train):
    for spec in configs.split(","):
        C, L = (int(x) for x in spec.split("x"))
        torch.manual_seed(args.seed)
        model = RWKV7(args.vocab, C, L).to(device)
        opt = make_optimizer(model, args.lr, args.wd, device)
        torch.cuda.reset_peak_memory_stats()
        times = []
        for step in range(8):
            starts = torch.randint(0, train.numel() - args.ctx - 1, (args.batch,))
            idx = torch.stack([train[s:s + args.ctx + 1] for s in starts.tolist()]).to(device)
            torch.cuda.synchronize()
            t0 = time.time()
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                logits = model(idx[:, :-1])
            loss = F.cross_entropy(logits.float().view(-1, args.vocab), idx[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            torch.cuda.synchronize()
            times.append(time.time() - t0)
        dt = sum(times[3:]) / len(times[3:])
        print(f"bench C={C} L={L} params={param_count(model)/1e6:.2f}M step={dt*1000:.0f}ms "
              f"tok/s={args.batch*args.ctx/dt:.0f} peak_mem={torch.cuda.max_memory_allocated()/2**30:.1f}GiB "
              f"loss={loss.item():.3f}", flush=True)
        del model, opt


def generate(model, prompt_ids, n_new, device, temperature=1.0, top_p=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = list(prompt_ids)
    model.eval()
    with torch.no_grad():
        for _ in range(n_new):
            T = len(ids)
            Tp = (T + CHUNK - 1) // CHUNK * CHUNK
            x = torch.tensor([ids + [0] * (Tp - T)], device=device)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
                logits = model(x)[0, T - 1].float().cpu()
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, si = torch.sort(probs, descending=True)
            cut = torch.cumsum(sp, 0) - sp > top_p
            sp[cut] = 0
            nxt = si[torch.multinomial(sp / sp.sum(), 1, generator=g)].item()
            if nxt == 0:
                break
            ids.append(nxt)
    model.train()
    return ids[len(prompt_ids):]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=".carry/train")
    ap.add_argument("--out", default="out/train")
    ap.add_argument("--vocab-file", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "vocab_demo.txt"))
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--n-embd", type=int, default=320)
    ap.add_argument("--n-layer", type=int, default=6)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--lr-final", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--time-budget", type=float, default=440.0, help="seconds of training before eval+save")
    ap.add_argument("--max-steps", type=int, default=10 ** 9)
    ap.add_argument("--eval-every", type=float, default=20.0, help="seconds between held-out evaluations")
    ap.add_argument("--passage", type=int, default=128)
    ap.add_argument("--seed", type=int, default=20250611)
    ap.add_argument("--bench", default="", help="e.g. 384x3,320x6: time a few steps of each and exit")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()

    t_start = time.time()
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False   # the fp32 parts (state recurrence, checks) stay fp32
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    train = load_tokens(os.path.join(args.data, "train.bin"))
    held = load_tokens(os.path.join(args.data, "heldout.bin"))
    if int(train.max()) >= args.vocab or int(held.max()) >= args.vocab:
        raise ValueError("token id beyond the vocabulary")
    print(f"data: train {train.numel()} tokens, held-out {held.numel()} tokens; device {device}"
          + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""), flush=True)
    if args.bench:
        bench(args.bench, args, device, train)
        return

    os.makedirs(args.out, exist_ok=True)
    model = RWKV7(args.vocab, args.n_embd, args.n_layer, args.dropout).to(device)
    n_params = param_count(model)
    ranks = {f: lora_rank(x, args.n_embd) for f, x in zip("wavg", (2.5, 2.5, 1.7, 5.0))}
    print(f"model: L={args.n_layer} D={args.n_embd} heads={args.n_embd // HEAD_SIZE} ffn={4 * args.n_embd} "
          f"vocab={args.vocab} lora={ranks} params={n_params}", flush=True)
    opt = make_optimizer(model, args.lr, args.wd, device)
    gen = torch.Generator(device="cpu").manual_seed(args.seed)
    train_dev = train.to(device)
    offsets = torch.arange(args.ctx + 1, device=device)

    log_path = os.path.join(args.out, "train_log.csv")
    log_f = open(log_path, "w", newline="")
    log = csv.writer(log_f)
    log.writerow(["step", "tokens", "train_loss", "heldout_loss", "seconds"])
    best = (float("inf"), None, 0)
    step, tokens = 0, 0
    loss_acc = torch.zeros((), device=device)
    loss_n = 0
    t_train = time.time()
    next_eval = t_train + args.eval_every
    done = False
    while not done:
        elapsed = time.time() - t_train
        done = elapsed >= args.time_budget or step + 1 >= args.max_steps
        frac = min(1.0, elapsed / args.time_budget)
        lr = args.lr_final + (args.lr - args.lr_final) * 0.5 * (1 + math.cos(math.pi * frac))
        if step < args.warmup:
            lr *= 0.1 + 0.9 * step / args.warmup
        for gr in opt.param_groups:
            gr["lr"] = lr * gr["lr_scale"]
        starts = torch.randint(0, train.numel() - args.ctx - 1, (args.batch,), generator=gen).to(device)
        idx = train_dev[starts[:, None] + offsets]
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(idx[:, :-1])
        loss = F.cross_entropy(logits.float().view(-1, args.vocab), idx[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        step += 1
        tokens += idx[:, 1:].numel()
        loss_acc += loss.detach()
        loss_n += 1
        if time.time() >= next_eval or done:
            tl = (loss_acc / loss_n).item()
            hl = heldout_loss(model, held, args.ctx, 64, device, device.type == "cuda")
            secs = time.time() - t_train
            log.writerow([step, tokens, f"{tl:.5f}", f"{hl:.5f}", f"{secs:.1f}"])
            log_f.flush()
            mark = ""
            if hl < best[0]:
                best = (hl, {k: v.detach().clone() for k, v in model.state_dict().items()}, step)
                mark = " *"
            print(f"step {step} tokens {tokens} lr {lr:.2e} train {tl:.4f} heldout {hl:.4f} "
                  f"{secs:.0f}s {tokens / secs:.0f} tok/s{mark}", flush=True)
            loss_acc.zero_()
            loss_n = 0
            next_eval = time.time() + args.eval_every
    train_secs = time.time() - t_train
    log_f.close()

    # Final model: the best held-out checkpoint, rounded to bf16 as shipped.
    model.load_state_dict(best[1])
    ckpt = bf16_checkpoint(model)
    torch.save(ckpt, os.path.join(args.out, "model.pth"))
    model.load_state_dict({k: v.float() for k, v in ckpt.items()})
    final = heldout_loss(model, held, args.ctx, 16, device, autocast=False)
    print(f"final (best step {best[2]}, bf16 weights, fp32 eval): held-out loss {final:.4f} "
          f"perplexity {math.exp(final):.2f}", flush=True)

    # RNN-mode logits over a held-out passage (fp32, zero state), checked against the parallel forward.
    passage = held[1:1 + args.passage].tolist()
    t0 = time.time()
    rnn = rnn_logits(ckpt, passage, args.n_layer)
    cpu_model = RWKV7(args.vocab, args.n_embd, args.n_layer)
    cpu_model.load_state_dict({k: v.float() for k, v in ckpt.items()})
    cpu_model.eval()
    with torch.no_grad():
        par = cpu_model(torch.tensor([passage]))[0]
    delta = (rnn - par).abs().max().item()
    print(f"RNN vs parallel forward (fp32, CPU, {len(passage)} tokens): max |delta| = {delta:.3e}, "
          f"logit std {rnn.std().item():.3f}, top-1 agreement "
          f"{(rnn.argmax(-1) == par.argmax(-1)).float().mean().item():.3f} ({time.time() - t0:.1f}s)", flush=True)
    rnn.numpy().astype("<f4").tofile(os.path.join(args.out, "heldout_logits.bin"))
    with open(os.path.join(args.out, "heldout_tokens.json"), "w") as f:
        json.dump(passage, f)

    # A glance at the text it produces.
    samples = {}
    try:
        import sys
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import world_vocab
        voc = world_vocab.Vocab(args.vocab_file)
        for i, prompt in enumerate(["User: What does hacker mean?\n\nAssistant:",
                                    "User: What does John 3:16 say in the King James Version?\n\nAssistant:",
                                    "In the beginning"]):
            out = generate(model, voc.encode(prompt.encode()), 80, device, seed=i)
            text = voc.decode(out).decode("utf-8", "replace")
            samples[prompt] = text
            print(f"--- sample {i}: {prompt!r}\n{text}", flush=True)
    except Exception as e:  # samples are a courtesy; never lose the checkpoint over them
        print(f"samples failed: {e}", flush=True)

    result = {"n_layer": args.n_layer, "n_embd": args.n_embd, "head_size": HEAD_SIZE, "dim_ffn": 4 * args.n_embd,
              "vocab": args.vocab, "lora": ranks, "params": n_params, "seed": args.seed, "ctx": args.ctx,
              "batch": args.batch, "lr": args.lr, "lr_final": args.lr_final, "wd": args.wd,
              "dropout": args.dropout, "time_budget": args.time_budget,
              "steps": step, "tokens": tokens, "best_step": best[2], "train_seconds": round(train_secs, 1),
              "total_seconds": round(time.time() - t_start, 1),
              "heldout_loss_fp32_bf16weights": final, "heldout_perplexity": math.exp(final),
              "rnn_vs_parallel_max_abs_delta": delta, "passage_tokens": len(passage),
              "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
              "torch": torch.__version__, "samples": samples}
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}), flush=True)


if __name__ == "__main__":
    main()
