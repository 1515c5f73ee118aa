"""Throughput and latency of the served embedded digits model: BlockDance caching server vs the same
server without caching, at 1, 4 and 16 concurrent clients.

    python examples/benchmark_serving.py                         # exports the digits model to a temp dir
    python examples/benchmark_serving.py --export out/digits --mode generate denoise --seconds 20

Modes:
  generate  one request = one image from the whole-generation ``digits`` model (20 DDIM steps with CFG in
            the server; requests of concurrent clients batched into one generation by Triton's dynamic batcher)
  denoise   one image = 20 requests of one Triton sequence to the per-step ``denoise`` model (the scheduler
            on the client; steps of concurrent sequences batched by the sequence batcher's Oldest strategy)

The two servers are the same repository, one with ``caching: off`` (every step runs the full variant).
They run one at a time, alternating (cached, uncached, cached, uncached ... with --rounds), each level
for ``--seconds`` after a warm-up; every client sends its next request when its last one returns.
Latency = one request (generate) or one whole image (denoise). Needs the serving venv (.ci/serving_venv.sh).
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def measure_generate(url: str, clients: int, seconds: float, warmup: float):
    import tritonclient.http as http

    lat, stop, go = [], threading.Event(), threading.Event()
    t_end = {}

    def client(k):
        c = http.InferenceServerClient(url, network_timeout=600, connection_timeout=600)
        i = 0
        while not stop.is_set():
            lab = http.InferInput("LABEL", [1, 1], "INT64")
            lab.set_data_from_numpy(np.array([[(k + i) % 10]], np.int64))
            seed = http.InferInput("SEED", [1, 1], "INT64")
            seed.set_data_from_numpy(np.array([[k * 100000 + i]], np.int64))
            t = time.perf_counter()
            c.infer("digits", [lab, seed])
            if go.is_set() and not stop.is_set():
                lat.append(time.perf_counter() - t)
            i += 1
        c.close()

    return _drive(client, clients, seconds, warmup, lat, stop, go, t_end)


def measure_denoise(url: str, clients: int, seconds: float, warmup: float):
    from bdcompile.serving.client import DenoiseClient, DigitsGeneration

    lat, stop, go = [], threading.Event(), threading.Event()

    def client(k):
        c = DenoiseClient(url, timeout=600)
        i = 0
        while not stop.is_set():
            t = time.perf_counter()
            DigitsGeneration(c, seq_id=1 + k * 1_000_000 + i, label=(k + i) % 10, seed=k * 100000 + i).run()
            if go.is_set() and not stop.is_set():
                lat.append(time.perf_counter() - t)
            i += 1
        c.close()

    return _drive(client, clients, seconds, warmup, lat, stop, go, {})


def _drive(client, clients, seconds, warmup, lat, stop, go, _):
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    go.set()
    t0 = time.perf_counter()
    time.sleep(seconds)
    n = len(lat)  # images completed inside the window
    elapsed = time.perf_counter() - t0
    stop.set()
    for t in threads:
        t.join(timeout=600)
    done = sorted(lat[:n])
    return {"images": n, "seconds": elapsed, "images_per_s": n / elapsed,
            "p50_ms": 1e3 * statistics.median(done) if done else None,
            "p99_ms": 1e3 * done[min(len(done) - 1, int(0.99 * len(done)))] if done else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--export", default=None, help="an ONNX export of the digits model (default: export to a temp dir)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--mode", nargs="+", default=["generate", "denoise"], choices=["generate", "denoise"])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=1, help="cached/uncached alternations; medians over rounds")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads per model instance")
    ap.add_argument("--python", default=None, help="serving interpreter (default: ~/.cache/bdcompile/serving-venv)")
    ap.add_argument("--out", default="docs/serving_digits", help="prefix of the .json and .png written")
    args = ap.parse_args()

    import torch

    from bdcompile.serving import TritonServer, write_repository

    torch.set_num_threads(1)
    export = Path(args.export) if args.export else None
    if export is None or not (export / "manifest.json").exists():
        from bdcompile.export import export_variants
        from bdcompile.export.inputs import example_inputs_for
        from bdcompile.zoo import digits as zoo

        export = export or Path(tempfile.mkdtemp(prefix="bdcompile-digits-"))
        model = zoo.load_transformer()
        export_variants(model, example_inputs_for(model, batch=2), export, formats=("onnx",), num_steps=args.steps)
    tmp = Path(tempfile.mkdtemp(prefix="bdcompile-bench-"))
    repos = {name: write_repository(export, tmp / name, caching=(name == "blockdance"), threads=args.threads,
                                    idle_timeout_s=60) for name in ("blockdance", "uncached")}
    results = {}  # (mode, server, clients) -> [measurements]
    for rnd in range(args.rounds):
        for name, repo in repos.items():
            with TritonServer(repo, python=args.python, threads=args.threads) as srv:
                for mode in args.mode:
                    for n in args.clients:
                        fn = measure_generate if mode == "generate" else measure_denoise
                        r = fn(srv.http_address, n, args.seconds, args.warmup)
                        results.setdefault((mode, name, n), []).append(r)
                        print(f"round {rnd} {mode:8s} {name:10s} {n:2d} clients: {r['images_per_s']:.1f} images/s "
                              f"p50 {r['p50_ms']:.0f} ms p99 {r['p99_ms']:.0f} ms ({r['images']} images)", flush=True)
    table = []
    for mode in args.mode:
        for n in args.clients:
            row = {"mode": mode, "clients": n}
            for name in repos:
                rs = results[(mode, name, n)]
                for k in ("images_per_s", "p50_ms", "p99_ms"):
                    row[f"{name}_{k}"] = statistics.median(r[k] for r in rs)
            row["speedup"] = row["blockdance_images_per_s"] / row["uncached_images_per_s"]
            table.append(row)
    print("\n| mode | clients | blockdance images/s | uncached images/s | throughput ratio | blockdance p50 / p99 ms | "
          "uncached p50 / p99 ms |\n|---|---|---|---|---|---|---|")
    for r in table:
        print(f"| {r['mode']} | {r['clients']} | {r['blockdance_images_per_s']:.1f} | {r['uncached_images_per_s']:.1f} | "
              f"**{r['speedup']:.2f}x** | {r['blockdance_p50_ms']:.0f} / {r['blockdance_p99_ms']:.0f} | "
              f"{r['uncached_p50_ms']:.0f} / {r['uncached_p99_ms']:.0f} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}.json").write_text(json.dumps({"args": vars(args), "rows": table, "runs": {
        f"{m}/{s}/{n}": v for (m, s, n), v in results.items()}}, indent=2) + "\n")
    plot(table, args, f"{out}.png")
    print(f"wrote {out}.json, {out}.png")


def plot(table, args, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = sorted({r["mode"] for r in table}, key=args.mode.index)
    fig, axes = plt.subplots(2, len(modes), figsize=(5 * len(modes), 7), squeeze=False)
    for j, mode in enumerate(modes):
        rows = [r for r in table if r["mode"] == mode]
        xs = [r["clients"] for r in rows]
        for name, style in (("blockdance", "o-"), ("uncached", "s--")):
            axes[0][j].plot(xs, [r[f"{name}_images_per_s"] for r in rows], style, label=name)
            axes[1][j].plot(xs, [r[f"{name}_p50_ms"] for r in rows], style, label=f"{name} p50")
            axes[1][j].plot(xs, [r[f"{name}_p99_ms"] for r in rows], style, alpha=0.4, label=f"{name} p99")
        for i in range(2):
            axes[i][j].set_xscale("log", base=2)
            axes[i][j].set_xticks(xs, [str(x) for x in xs])
            axes[i][j].set_xlabel("concurrent clients")
            axes[i][j].legend(fontsize=8)
            axes[i][j].grid(alpha=0.3)
        axes[0][j].set_ylabel("images / s")
        axes[1][j].set_ylabel("latency per image (ms)")
        axes[0][j].set_title(f"{mode}: digits DiT on Triton ({args.steps} steps)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
