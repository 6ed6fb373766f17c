#!/usr/bin/env python3
"""Plot mean KL against bits per weight from quality's JSON lines.

    python3 tools/quality/plot.py OUT.png k512.jsonl

Needs matplotlib (Debian: python3-matplotlib). Files whose name ends in -im
were quantized with an importance matrix and are drawn as triangles; the
gosling preset (Q4_G) is drawn in red.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    for path in paths:
        for line in open(path):
            r = json.loads(line)
            name = r["file"].removesuffix(".gguf")
            im = name.endswith("-im")
            gosling = name.startswith("Q4_G")
            if r["mean_kl"] <= 0:
                continue
            ax.scatter(r["bpw"], r["mean_kl"], marker="^" if im else "o",
                       color="red" if gosling else ("tab:blue" if im else "tab:gray"), zorder=3)
            if not im:  # the imatrix twin sits just below; one label for both
                ax.annotate(name, (r["bpw"], r["mean_kl"]), fontsize=7, xytext=(4, 2), textcoords="offset points",
                            color="red" if gosling else "black")
    ax.set_yscale("log")
    ax.set_xlabel("bits per weight over the products (embedding excluded)")
    ax.set_ylabel("mean KL vs F32 (nats)")
    ax.axhline(0.005, color="green", lw=0.8, ls="--")
    ax.axvline(5.0, color="green", lw=0.8, ls="--")
    ax.grid(True, which="both", lw=0.3)
    ax.set_title("RWKV-7 k512 (L6 D512), held-out text: o = no imatrix, ^ = imatrix")
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main()
