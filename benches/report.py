#!/usr/bin/env python3
"""Prints BENCHMARKS.md's tables from criterion's results of one run.

Usage: python3 benches/report.py [target/criterion]

Reads every `*/new/benchmark.json` and `*/new/estimates.json` under the criterion
directory and prints the median of each benchmark and the ratios that BENCHMARKS.md
reports. Only the latest run of each benchmark is read, so run the benches you want
compared in one `cargo bench` invocation.
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
results = {}  # group -> function -> (median ns, throughput dict)
for dirpath, _dirs, files in os.walk(root):
    if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
        continue
    with open(os.path.join(dirpath, "benchmark.json")) as f:
        meta = json.load(f)
    with open(os.path.join(dirpath, "estimates.json")) as f:
        est = json.load(f)
    fid = meta["function_id"] or ""
    if meta.get("value_str"):
        fid = f"{fid}/{meta['value_str']}" if fid else meta["value_str"]
    results.setdefault(meta["group_id"], {})[fid] = (
        est["median"]["point_estimate"],
        meta.get("throughput"),
    )


def fmt(ns):
    if ns >= 1e9:
        return f"{ns / 1e9:.3g} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def rate(ns, tp):
    if not tp or "Bytes" not in tp:
        return ""
    gbs = tp["Bytes"] / ns  # bytes per ns = GB/s
    return f"{gbs:.2f} GB/s" if gbs >= 0.1 else f"{gbs * 1000:.0f} MB/s"


SIZES = ["64B", "256B", "1KiB", "16KiB", "1MiB", "16MiB"]
RECORD_COLS = ["strongroom", "strongroom_into", "floor", "naive", "bare_gcm", "ring_gcm"]


def records_table(op):
    groups = [(s, results.get(f"{op}/{s}")) for s in SIZES]
    groups = [(s, g) for s, g in groups if g]
    if not groups:
        return
    extra = sorted({f for _, g in groups for f in g} - set(RECORD_COLS))
    cols = [c for c in RECORD_COLS + extra if any(c in g for _, g in groups)]
    print(f"\n#### {op}\n")
    head = ["size"] + cols + ["sr/floor", "sr/bare_gcm", "sr/naive"]
    if "strongroom_into" in cols:
        head += ["into/floor", "into/bare_gcm"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for s, g in groups:
        row = [s] + [fmt(g[c][0]) if c in g else "" for c in cols]
        sr = g.get("strongroom", (None,))[0]
        into = g.get("strongroom_into", (None,))[0]
        for base in ["floor", "bare_gcm", "naive"]:
            row.append(f"{sr / g[base][0]:.2f}" if sr and base in g else "")
        if "strongroom_into" in cols:
            for base in ["floor", "bare_gcm"]:
                row.append(f"{into / g[base][0]:.2f}" if into and base in g else "")
        print("| " + " | ".join(row) + " |")
    # Throughput of the largest size, for orientation.
    s, g = groups[-1]
    print(
        f"\nThroughput at {s}: "
        + ", ".join(f"{c} {rate(g[c][0], g[c][1])}" for c in cols if c in g)
    )


BASELINE = {
    "unlock/": "bare_kdf",
    "decode_": "copy",
    "encode_": "copy",
    "peers/": "strongroom",
    "parallel_seal/": "threads/1",
}


def other_tables():
    for group in sorted(results):
        if any(group.startswith(op + "/") for op in ["seal", "open", "seal_open"]):
            continue
        g = results[group]
        base = next((b for p, b in BASELINE.items() if group.startswith(p)), None)
        print(f"\n#### {group}\n")
        if group.startswith("parallel_seal/"):
            print("| threads | median per batch | records/s | speed-up |")
            print("|---|---|---|---|")
            one = g.get("threads/1", (None,))[0]
            for f in sorted(g):
                ns, tp = g[f]
                per_s = tp["Elements"] / ns * 1e9
                print(f"| {f.split('/')[-1]} | {fmt(ns)} | {per_s:,.0f} | {one / ns:.2f} |")
            continue
        label = f"÷ {base}" if base and base in g else ""
        print(f"| bench | median | {label or 'rate'} |")
        print("|---|---|---|")
        for f, (ns, tp) in sorted(g.items(), key=lambda kv: kv[1][0]):
            if label:
                extra = f"{ns / g[base][0]:.2f}"
            else:
                extra = rate(ns, tp)
            print(f"| {f} | {fmt(ns)} | {extra} |")


for op in ["seal", "open", "seal_open"]:
    records_table(op)
other_tables()
