"""Throughput and latency of a served embedded model: BlockDance caching servers vs the same server
without caching, at 1, 4 and 16 concurrent clients, and the quality of the served images (PSNR against
the uncached server's images of the same labels and seeds).

    python examples/benchmark_serving.py                         # the MNIST MMDiT, exported to a temp dir
    python examples/benchmark_serving.py --schedules paper res2 --export-root out/bench --rounds 2
    python examples/benchmark_serving.py --model digits --schedules paper n3 --mode generate denoise

Modes:
  generate  one request = one image from the whole-generation model (``mnist``: 20 flow-matching Euler steps
            with CFG in the server; ``digits``: 20 DDIM steps with CFG; requests of concurrent clients batched
            into one generation by Triton's dynamic batcher)
  denoise   (digits only) one image = 20 requests of one Triton sequence to the per-step ``denoise`` model (the
            scheduler on the client; steps of concurrent sequences batched by the sequence batcher's Oldest strategy)

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


def measure_generate(url: str, clients: int, seconds: float, warmup: float, pgid=None, model: str = "mnist"):
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
            c.infer(model, [lab, seed])
            if go.is_set() and not stop.is_set():
                lat.append(time.perf_counter() - t)
            i += 1
        c.close()

    return _drive(client, clients, seconds, warmup, lat, stop, go, pgid)


def measure_denoise(url: str, clients: int, seconds: float, warmup: float, pgid=None, model: str = "digits"):
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
    return {
        "images": n,
        "seconds": elapsed,
        "images_per_s": n / elapsed,
        "server_cpu_ms_per_image": 1e3 * cpu / n if cpu is not None and n else None,
        "p50_ms": 1e3 * statistics.median(done) if done else None,
        "p99_ms": 1e3 * done[min(len(done) - 1, int(0.99 * len(done)))] if done else None,
    }


SCHEDULES = {  # name: export options (boundary 9 of 12 blocks, warmup 0.4, stop 0.95 unless given)
    "paper": dict(interval=2),  # BlockDance's N=2: 5 of 20 steps reuse (theoretical 1.23x)
    "n3": dict(interval=3),  # N=3: 7 of 20 steps reuse (theoretical 1.36x; lower quality, see BENCHMARKS.md)
    "res2": dict(interval=2, reuse="residual"),  # N=2, skipped blocks replaced by input + their last residual
    "res3": dict(interval=3, reuse="residual"),  # N=3 residual
}


def export_model(root: Path, model: str, name: str, steps: int) -> Path:
    out = root / f"{model}-{name}-{steps}"
    if (out / "manifest.json").exists():
        return out
    from bdcompile.export import export_variants
    from bdcompile.export.inputs import example_inputs_for
    from bdcompile.zoo import embedded

    zoo = embedded(model)
    transformer = zoo.load_transformer()
    kwargs = example_inputs_for(transformer, batch=2, text_len=getattr(zoo, "PROMPT_TOKENS", 8))
    export_variants(transformer, kwargs, out, formats=("onnx",), num_steps=steps, **SCHEDULES[name])
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) of images in [0, 1] over the whole set (one MSE)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def quality(servers: dict, model: str, n: int) -> dict:
    """Served images of ``n`` fixed (label, seed) pairs from every server; PSNR against the uncached server's."""
    from bdcompile.serving.client import generate_images

    labels, seeds = [k % 10 for k in range(n)], [10_000 + k for k in range(n)]
    images = {}
    for name, srv in servers.items():
        images[name] = np.concatenate(
            [
                generate_images(srv.http_address, labels[i : i + 10], seeds[i : i + 10], model=model)
                for i in range(0, n, 10)
            ]
        )
    ref = images["uncached"]
    per = {name: [psnr(img[k], ref[k]) for k in range(n)] for name, img in images.items()}
    return {
        name: {
            "psnr_db": psnr(img, ref),
            "psnr_db_min_image": min(per[name]),
            "max_abs": float(np.abs(img - ref).max()),
            "images": n,
        }
        for name, img in images.items()
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="mnist", choices=["mnist", "digits"], help="embedded model served")
    ap.add_argument("--export-root", default=None, help="where the exports are kept (default: a temp dir)")
    ap.add_argument(
        "--schedules",
        nargs="+",
        default=["paper"],
        choices=sorted(SCHEDULES),
        help="cached servers to run next to the uncached one",
    )
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument(
        "--mode",
        nargs="+",
        default=["generate"],
        choices=["generate", "denoise"],
        help="denoise: digits only (its step-by-step client)",
    )
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=2, help="passes over every (mode, clients, server); medians")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads per model instance")
    ap.add_argument("--python", default=None, help="serving interpreter (default: ~/.cache/bdcompile/serving-venv)")
    ap.add_argument("--quality-images", type=int, default=40, help="images per server for the PSNR vs uncached")
    ap.add_argument("--out", default=None, help="prefix of the .json and .png written (default: docs/serving_MODEL)")
    args = ap.parse_args()
    if "denoise" in args.mode and args.model != "digits":
        ap.error("--mode denoise has a step-by-step client for --model digits only")
    args.out = args.out or f"docs/serving_{args.model}"

    import torch

    from bdcompile.serving import TritonServer, write_repository

    torch.set_num_threads(1)
    root = Path(args.export_root or tempfile.mkdtemp(prefix=f"bdcompile-{args.model}-"))
    exports = {
        name: export_model(root, args.model, name, args.steps) for name in dict.fromkeys(["paper"] + args.schedules)
    }
    tmp = Path(tempfile.mkdtemp(prefix="bdcompile-bench-"))
    common = dict(threads=args.threads, idle_timeout_s=60, pipeline=args.model)
    repos = {"uncached": write_repository(exports["paper"], tmp / "uncached", caching=False, **common)}
    for name in args.schedules:
        repos[f"blockdance-{name}"] = write_repository(exports[name], tmp / name, **common)
    servers = {name: TritonServer(repo, python=args.python, threads=args.threads) for name, repo in repos.items()}
    results = {}  # (mode, server, clients) -> [measurements]
    try:
        for srv in servers.values():  # all up at once (idle ones cost memory only); measurements alternate
            srv.start(timeout=300)
        qual = quality(servers, args.model, args.quality_images) if args.quality_images else {}
        for name, q in qual.items():
            print(
                f"quality {name:17s}: PSNR {q['psnr_db']:.1f} dB vs uncached over {q['images']} images "
                f"(worst image {q['psnr_db_min_image']:.1f} dB, max |diff| {q['max_abs']:.3g})",
                flush=True,
            )
        for rnd in range(args.rounds):
            for mode in args.mode:
                for n in args.clients:
                    order = list(servers.items())
                    for name, srv in order if rnd % 2 == 0 else order[::-1]:
                        fn = measure_generate if mode == "generate" else measure_denoise
                        r = fn(srv.http_address, n, args.seconds, args.warmup, pgid=srv.proc.pid, model=args.model)
                        results.setdefault((mode, name, n), []).append(r)
                        print(
                            f"round {rnd} {mode:8s} {name:17s} {n:2d} clients: {r['images_per_s']:.1f} images/s "
                            f"p50 {r['p50_ms']:.0f} ms p99 {r['p99_ms']:.0f} ms ({r['images']} images), server CPU "
                            f"{r['server_cpu_ms_per_image']:.1f} ms/image",
                            flush=True,
                        )
    finally:
        for srv in servers.values():
            srv.close()
    table = []
    for mode in args.mode:
        for n in args.clients:
            for name in servers:
                rs = results[(mode, name, n)]
                row = {"mode": mode, "clients": n, "server": name, "psnr_db": qual.get(name, {}).get("psnr_db")}
                for k in ("images_per_s", "p50_ms", "p99_ms", "server_cpu_ms_per_image"):
                    row[k] = statistics.median(r[k] for r in rs)
                base = results[(mode, "uncached", n)]
                row["vs_uncached"] = row["images_per_s"] / statistics.median(r["images_per_s"] for r in base)
                row["cpu_vs_uncached"] = (
                    statistics.median(r["server_cpu_ms_per_image"] for r in base) / row["server_cpu_ms_per_image"]
                )
                table.append(row)
    print(
        "\n| mode | clients | server | images/s | vs uncached | p50 ms | p99 ms | server CPU ms / image | "
        "CPU: uncached / this | PSNR vs uncached |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    for r in table:
        q = "-" if r["psnr_db"] is None else ("exact" if r["psnr_db"] == float("inf") else f"{r['psnr_db']:.1f} dB")
        print(
            f"| {r['mode']} | {r['clients']} | {r['server']} | {r['images_per_s']:.1f} | {r['vs_uncached']:.2f}x | "
            f"{r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['server_cpu_ms_per_image']:.1f} | "
            f"{r['cpu_vs_uncached']:.2f}x | {q} |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "rows": table,
                "quality": qual,
                "runs": {f"{m}/{s}/{n}": v for (m, s, n), v in results.items()},
            },
            indent=2,
        )
        + "\n"
    )
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
        for name in servers:
            rows = [r for r in table if r["mode"] == mode and r["server"] == name]
            xs = [r["clients"] for r in rows]
            style = "s--" if name == "uncached" else "o-"
            q = rows[0].get("psnr_db") if rows else None
            label = name if q is None or name == "uncached" else f"{name} ({q:.1f} dB vs uncached)"
            (line,) = axes[0][j].plot(xs, [r["images_per_s"] for r in rows], style, label=label)
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
        what = {"mnist": "MNIST MMDiT (SD3), flow matching", "digits": "digits DiT, DDIM"}[args.model]
        axes[0][j].set_title(f"{mode}: {what}, {args.steps} steps, on Triton", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
