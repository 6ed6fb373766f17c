#!/usr/bin/env python3
"""Compare two raw logits files (float32 little-endian, one row of VOCAB values per token),
e.g. `gosling logits --out A` and `dump_logits ... B` (see README.md here).

usage: compare_logits.py A B VOCAB
prints: tokens, max |Δlogit| (and where), mean |Δlogit|, top-1 agreement, max |Δ| of the
log-softmax and KL(A‖B) of the next-token distributions in nats (as `gosling eval` computes it) (logits are defined up to a constant per row; llama.cpp and gosling both return raw
logits, so the first figure is the one to read).
"""
import sys

import numpy as np


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    a = np.fromfile(sys.argv[1], dtype="<f4")
    b = np.fromfile(sys.argv[2], dtype="<f4")
    v = int(sys.argv[3])
    if a.size != b.size or a.size % v:
        sys.exit(f"sizes differ or are not rows of {v}: {a.size} and {b.size} values")
    a, b = a.reshape(-1, v).astype(np.float64), b.reshape(-1, v).astype(np.float64)
    d = np.abs(a - b)
    t, i = np.unravel_index(np.argmax(d), d.shape)
    la = a - np.log(np.exp(a - a.max(1, keepdims=True)).sum(1, keepdims=True)) - a.max(1, keepdims=True)
    lb = b - np.log(np.exp(b - b.max(1, keepdims=True)).sum(1, keepdims=True)) - b.max(1, keepdims=True)
    agree = (a.argmax(1) == b.argmax(1)).sum()
    kl = (np.exp(la) * (la - lb)).sum(1)
    print(f"tokens {a.shape[0]}  max|Δlogit| {d.max():.3g} (token {t}, id {i})  mean|Δlogit| {d.mean():.3g}  "
          f"top-1 {agree}/{a.shape[0]} = {100 * agree / a.shape[0]:.1f} %  max|Δlogprob| {np.abs(la - lb).max():.3g}  "
          f"KL(A‖B) mean {kl.mean():.3g} max {kl.max():.3g}")


if __name__ == "__main__":
    main()
