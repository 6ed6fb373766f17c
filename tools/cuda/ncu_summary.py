"""Summarises an Nsight Compute CSV (ncu --csv --metrics gpu__time_duration.sum,...)
of one decode token: the kernels in launch order, grouped by their place in the
layer (embed, then att/lora/tmix/out/ffnk/ffnv per layer, then the head).

Usage: python3 ncu_summary.py NCU.csv LAYERS
Only the lines that start with '"' are read (the program's own output may be
mixed in).
"""
import csv
import sys
from collections import OrderedDict


def main():
    path, layers = sys.argv[1], int(sys.argv[2])
    rows = [l for l in open(path, errors="replace") if l.startswith('"')]
    launches = OrderedDict()  # ID -> {name, grid, metrics}
    for r in csv.DictReader(rows):
        if "ID" not in r or r.get("ID") == "ID":
            continue
        k = launches.setdefault(r["ID"], {"name": r.get("Kernel Name", "?"), "grid": r.get("Grid Size", "?"), "m": {}})
        try:
            v = float(r["Metric Value"].replace(",", ""))
        except (KeyError, ValueError):
            continue
        unit = r.get("Metric Unit", "")
        name = r.get("Metric Name", "")
        if name == "gpu__time_duration.sum":
            v = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3}.get(unit, 1.0) * v  # µs
        elif name == "dram__bytes_read.sum":
            v = {"byte": 1, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9}.get(unit, 1) * v
        k["m"][name] = v
    ks = list(launches.values())
    if not ks:
        print("no kernels in", path)
        return
    per = (len(ks) - 2) // max(layers, 1)
    names = {5: ["att", "tmix", "out", "ffnk", "ffnv"], 6: ["att", "lora", "tmix", "out", "ffnk", "ffnv"]}.get(per)
    groups = OrderedDict()

    def add(label, k):
        g = groups.setdefault(label, {"n": 0, "us": 0.0, "bytes": 0.0, "grid": k["grid"], "kernel": k["name"]})
        g["n"] += 1
        g["us"] += k["m"].get("gpu__time_duration.sum", 0.0)
        g["bytes"] += k["m"].get("dram__bytes_read.sum", 0.0)

    for i, k in enumerate(ks):
        if i == 0:
            label = "embed"
        elif i == len(ks) - 1:
            label = "head"
        elif names:
            label = names[(i - 1) % per]
        else:
            label = k["name"]
        add(label, k)
    total = sum(g["us"] for g in groups.values())
    print(f"{len(ks)} kernels, {per} a layer; sum of kernel times {total:.1f} µs")
    print("stage | kernel | grid | launches | µs each | µs total | share | DRAM GB/s")
    for label, g in groups.items():
        each = g["us"] / g["n"]
        bw = g["bytes"] / (g["us"] * 1e-6) / 1e9 if g["us"] else 0
        print(f"{label} | {g['kernel']} | {g['grid']} | {g['n']} | {each:.1f} | {g['us']:.0f} | {100 * g['us'] / total:.0f}% | {bw:.0f}")


if __name__ == "__main__":
    main()
