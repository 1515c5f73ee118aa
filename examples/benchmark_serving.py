"""Throughput and latency of the served embedded digits model: BlockDance caching server vs the same
server without caching, at 1, 4 and 16 concurrent clients.

    python examples/benchmark_serving.py                         # exports the digits model to a temp dir
    python examples/benchmark_serving.py --schedules paper n3 --export-root out/bench --rounds 2

Modes:
  generate  one request = one image from the whole-generation ``digits`` model (20 DDIM steps with CFG in
            the server; requests of concurrent clients batched into one generation by Triton's dynamic batcher)
  denoise   one image = 20 requests of one Triton sequence to the per-step ``denoise`` model (the scheduler
            on the client; steps of concurrent sequences batched by the sequence batcher's Oldest strategy)

The uncached server is the paper-schedule repository with ``caching: off`` (every step runs the full
variant); the cached servers serve exports with the schedules named by --schedules. All servers are up
at once and the measurements alternate server by server at every (mode, clients) point, for --rounds
passes (the order flips every pass); each point runs ``--seconds`` after a ``--warmup``; every client
sends its next request when its last one returns.
Latency = one request (generate) or one whole image (denoise). Server CPU = user + system CPU seconds of the
server's process group (tritonserver + model stubs) over the window, per image: on a shared machine it
moves less than wall-clock throughput. Needs the serving venv (.ci/serving_venv.sh).
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


def server_cpu_s(pgid) -> float:
    """CPU seconds (user + system) used so far by the server's process group (tritonserver + its model stubs)."""
    import os

    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure_generate(url: str, clients: int, seconds: float, warmup: float, pgid=None):
    import tritonclient.http as http

    lat, stop, go = [], threading.Event(), threading.Event()

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

    return _drive(client, clients, seconds, warmup, lat, stop, go, pgid)


def measure_denoise(url: str, clients: int, seconds: float, warmup: float, pgid=None):
    from bdcompile.serving.client import DenoiseClient, DigitsGeneration

    lat, stop, go, shared = [], threading.Event(), threading.Event(), []

    def client(k):
        c = DenoiseClient(url, timeout=600)
        i = 0
        while not stop.is_set():
            t = time.perf_counter()
            g = DigitsGeneration(c, seq_id=1 + k * 1_000_000 + i, label=(k + i) % 10, seed=k * 100000 + i)
            g.run()
            if go.is_set() and not stop.is_set():
                lat.append(time.perf_counter() - t)
                shared.extend(g.batched)
            i += 1
        c.close()

    out = _drive(client, clients, seconds, warmup, lat, stop, go, pgid)
    out["mean_sequences_per_run"] = statistics.mean(shared) if shared else None  # requests sharing a variant run
    return out


def _drive(client, clients, seconds, warmup, lat, stop, go, pgid):
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    go.set()
    t0 = time.perf_counter()
    cpu0 = server_cpu_s(pgid) if pgid else None
    time.sleep(seconds)
    n = len(lat)  # images completed inside the window
    elapsed = time.perf_counter() - t0
    cpu = server_cpu_s(pgid) - cpu0 if pgid else None
    stop.set()
    for t in threads:
        t.join(timeout=600)
    done = sorted(lat[:n])
    return {"images": n, "seconds": elapsed, "images_per_s": n / elapsed,
            "server_cpu_ms_per_image": 1e3 * cpu / n if cpu is not None and n else None,
            "p50_ms": 1e3 * statistics.median(done) if done else None,
            "p99_ms": 1e3 * done[min(len(done) - 1, int(0.99 * len(done)))] if done else None}


SCHEDULES = {  # name: export options (boundary 9 of 12 blocks, warmup 0.4, stop 0.95 unless given)
    "paper": dict(interval=2),   # BlockDance's N=2: 5 of 20 steps reuse (theoretical 1.23x)
    "n3": dict(interval=3),      # N=3: 7 of 20 steps reuse (theoretical 1.36x; lower quality, see BENCHMARKS.md)
}


def export_digits(root: Path, name: str, steps: int) -> Path:
    out = root / f"digits-{name}-{steps}"
    if (out / "manifest.json").exists():
        return out
    from bdcompile.export import export_variants
    from bdcompile.export.inputs import example_inputs_for
    from bdcompile.zoo import digits as zoo

    model = zoo.load_transformer()
    export_variants(model, example_inputs_for(model, batch=2), out, formats=("onnx",), num_steps=steps,
                    **SCHEDULES[name])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--export-root", default=None, help="where the digits exports are kept (default: a temp dir)")
    ap.add_argument("--schedules", nargs="+", default=["paper"], choices=sorted(SCHEDULES),
                    help="cached servers to run next to the uncached one")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--mode", nargs="+", default=["generate", "denoise"], choices=["generate", "denoise"])
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=2, help="passes over every (mode, clients, server); medians")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads per model instance")
    ap.add_argument("--python", default=None, help="serving interpreter (default: ~/.cache/bdcompile/serving-venv)")
    ap.add_argument("--out", default="docs/serving_digits", help="prefix of the .json and .png written")
    args = ap.parse_args()

    import torch

    from bdcompile.serving import TritonServer, write_repository

    torch.set_num_threads(1)
    root = Path(args.export_root or tempfile.mkdtemp(prefix="bdcompile-digits-"))
    exports = {name: export_digits(root, name, args.steps) for name in dict.fromkeys(["paper"] + args.schedules)}
    tmp = Path(tempfile.mkdtemp(prefix="bdcompile-bench-"))
    repos = {"uncached": write_repository(exports["paper"], tmp / "uncached", caching=False, threads=args.threads,
                                          idle_timeout_s=60)}
    for name in args.schedules:
        repos[f"blockdance-{name}"] = write_repository(exports[name], tmp / name, threads=args.threads, idle_timeout_s=60)
    servers = {name: TritonServer(repo, python=args.python, threads=args.threads) for name, repo in repos.items()}
    results = {}  # (mode, server, clients) -> [measurements]
    try:
        for srv in servers.values():  # all up at once (idle ones cost memory only); measurements alternate
            srv.start(timeout=300)
        for rnd in range(args.rounds):
            for mode in args.mode:
                for n in args.clients:
                    order = list(servers.items())
                    for name, srv in (order if rnd % 2 == 0 else order[::-1]):
                        fn = measure_generate if mode == "generate" else measure_denoise
                        r = fn(srv.http_address, n, args.seconds, args.warmup, pgid=srv.proc.pid)
                        results.setdefault((mode, name, n), []).append(r)
                        print(f"round {rnd} {mode:8s} {name:17s} {n:2d} clients: {r['images_per_s']:.1f} images/s "
                              f"p50 {r['p50_ms']:.0f} ms p99 {r['p99_ms']:.0f} ms ({r['images']} images), server CPU "
                              f"{r['server_cpu_ms_per_image']:.1f} ms/image", flush=True)
    finally:
        for srv in servers.values():
            srv.close()
    table = []
    for mode in args.mode:
        for n in args.clients:
            for name in servers:
                rs = results[(mode, name, n)]
                row = {"mode": mode, "clients": n, "server": name}
                for k in ("images_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_image"):
                    row[k] = statistics.median(r[k] for r in rs)
                base = results[(mode, "uncached", n)]
                row["vs_uncached"] = row["images_per_s"] / statistics.median(r["images_per_s"] for r in base)
                row["cpu_vs_uncached"] = statistics.median(r["server_cpu_ms_per_image"] for r in base) / row[
                    "server_cpu_ms_per_image"]
                table.append(row)
    print("\n| mode | clients | server | images/s | vs uncached | p50 ms | p99 ms | server CPU ms / image | "
          "CPU: uncached / this |\n|---|---|---|---|---|---|---|---|---|")
    for r in table:
        print(f"| {r['mode']} | {r['clients']} | {r['server']} | {r['images_per_s']:.1f} | {r['vs_uncached']:.2f}x | "
              f"{r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['server_cpu_ms_per_image']:.1f} | {r['cpu_vs_uncached']:.2f}x |")
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

    modes = [m for m in args.mode if any(r["mode"] == m for r in table)]
    servers = list(dict.fromkeys(r["server"] for r in table))
    fig, axes = plt.subplots(2, len(modes), figsize=(5.5 * len(modes), 7.5), squeeze=False)
    for j, mode in enumerate(modes):
        for _k, name in enumerate(servers):
            rows = [r for r in table if r["mode"] == mode and r["server"] == name]
            xs = [r["clients"] for r in rows]
            style = "s--" if name == "uncached" else "o-"
            line, = axes[0][j].plot(xs, [r["images_per_s"] for r in rows], style, label=name)
            axes[1][j].plot(xs, [r["p50_ms"] for r in rows], style, color=line.get_color(), label=f"{name} p50")
            axes[1][j].plot(xs, [r["p99_ms"] for r in rows], ":", color=line.get_color(), label=f"{name} p99")
        for i in range(2):
            axes[i][j].set_xscale("log", base=2)
            axes[i][j].set_xticks(args.clients, [str(x) for x in args.clients])
            axes[i][j].set_xlabel("concurrent clients")
            axes[i][j].legend(fontsize=7)
            axes[i][j].grid(alpha=0.3)
        axes[0][j].set_ylabel("images / s")
        axes[1][j].set_ylabel("latency per image (ms)")
        axes[0][j].set_title(f"{mode}: digits DiT on Triton, {args.steps} steps", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
