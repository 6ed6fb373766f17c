#!/usr/bin/python3
"""Plot the demo model's loss curve (tools/train/loss.png) from train.py's CSV logs.

Usage: /usr/bin/python3 plot_loss.py SHIPPED_CSV [EARLIER_RUN_CSV] [--out loss.png]
(needs python3-matplotlib)
"""
import argparse
import csv
import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    rows = list(csv.DictReader(open(path)))
    return ([int(r["tokens"]) / 1e6 for r in rows], [float(r["train_loss"]) for r in rows],
            [float(r["heldout_loss"]) for r in rows])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shipped")
    ap.add_argument("earlier", nargs="?")
    ap.add_argument("--result", help="result.json of the shipped run, for the final-loss line")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss.png"))
    args = ap.parse_args()
    fig, ax = plt.subplots(figsize=(8, 5))
    t, tr, ho = read(args.shipped)
    ax.plot(t, tr, "-o", ms=3, color="C0", label="shipped run: train (dropout 0.1, 150 s)")
    ax.plot(t, ho, "-s", ms=3, color="C1", label="shipped run: held-out")
    if args.earlier:
        t, tr, ho = read(args.earlier)
        ax.plot(t, tr, ":", color="C0", alpha=0.6, label="first run: train (no dropout, 440 s)")
        ax.plot(t, ho, ":", color="C1", alpha=0.6, label="first run: held-out (overfits after ~7M tokens)")
    if args.result:
        res = json.load(open(args.result))
        final = res["heldout_loss_fp32_bf16weights"]
        ax.axhline(final, color="gray", lw=0.8, ls="--")
        ax.text(30, final + 0.04, f"final held-out {final:.3f} (ppl {math.exp(final):.1f}), fp32 eval of bf16 weights",
                fontsize=8, color="gray")
    ax.set_xlabel("training tokens (millions); corpus = 3.40 M tokens/epoch")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title("gosling demo model: RWKV-7 L6 D320, vocab 8192, 13.37 M params, 1x H100")
    ax.set_ylim(0, 6)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)


if __name__ == "__main__":
    main()
