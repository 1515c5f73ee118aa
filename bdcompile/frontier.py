"""The speed/quality frontier: every caching strategy on one workload, side by side, in one run.

    from bdcompile import frontier, peers
    result = frontier.run_frontier(frontier.mnist_mmdit_workload(), peers.default_strategies(), rounds=3)
    frontier.write_outputs(result, "out/frontier")     # .csv, .json, .png (Pareto plot)

Each strategy lives in a **process of its own**, forked from this one before anything is compiled there
(``torch._dynamo.reset()`` first): dynamo's state is per process, and one peer's graph break inside the
block loop makes dynamo skip ``SD3Transformer2DModel.forward`` *for every later instance* (a per-code-object
flag), which silently turned later compiled strategies into uncompiled fragments when they shared a
process. Isolation also makes each strategy's graph, break and recompile counts its own, under dynamo's
default ``recompile_limit`` as a user would see them. Linux (fork) only.

Per strategy, with the same seeds and steps:

- **seconds per image**: wall time of one pipeline call divided by its images; one warm-up call (the
  compile), then ``rounds`` timed calls, strategies alternated round by round (A B C A B C ...), torch
  threads pinned (``threads``, default 1). The median is reported with the spread ((max - min) / median)
  and the per-round ratio to Inductor; a warning is printed when the spread is large or the machine's
  load average exceeds its cores;
- **quality** of the first timed call's images against the uncached eager output: PSNR, SSIM
  (``bdcompile.metrics``), and the class accuracy of the workload's classifier;
- **compilation**: graphs compiled, graph breaks, frames compiled, recompiles (``torch._dynamo.utils.counters``
  and dynamo's compilation metrics), frames compiled during the timed calls (should be 0), and whether
  dynamo hit its recompile limit;
- what the strategy says about itself: compiled or eager and why, blockdance's plan, cache-dit's cached
  steps, MagCache's calibrated ratios.
"""

from __future__ import annotations

import copy
import csv
import json
import logging
import math
import multiprocessing as mp
import os
import statistics
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import torch

from . import peers as P

__all__ = [
    "Workload",
    "mnist_mmdit_workload",
    "tiny_sd3_workload",
    "run_frontier",
    "write_outputs",
    "pareto_envelope",
    "print_table",
    "FrontierResult",
]

SPREAD_WARN = 0.10  # (max - min) / median above this: the speed figures of that strategy are shaky


# ---------------------------------------------------------------------------------------------- workloads
@dataclass
class Workload:
    """What every strategy runs: a fresh pipeline per strategy and one pipeline call (same seeds each time).

    ``make_pipe()``: a new pipeline with a transformer no other strategy shares. ``call(pipe)``: one
    generation, returning images [B, C, H, W] in [0, 1]. ``labels`` and ``classifier()`` (optional): the
    class accuracy. ``images``: images per call."""

    name: str
    make_pipe: Callable[[], Any]
    call: Callable[[Any], torch.Tensor]
    num_steps: int
    images: int
    labels: Optional[torch.Tensor] = None
    classifier: Optional[Callable[[], Any]] = None
    description: str = ""


def mnist_mmdit_workload(
    num_steps: int = 20, per_class: int = 2, seed: int = 0, guidance_scale: float | None = None
) -> Workload:
    """The embedded MMDiT (``bdcompile/zoo/mnist_mmdit.py``): ``per_class`` digits of each class per call,
    sampled by the stock ``StableDiffusion3Pipeline`` (CFG as one doubled batch), noise from ``seed``."""
    from .zoo import mnist_mmdit as M

    guidance = M.DEFAULT_GUIDANCE if guidance_scale is None else guidance_scale
    labels = torch.arange(M.NUM_CLASSES).repeat(per_class)
    base = M.load_transformer()
    encoder = M.load_label_encoder()

    def make_pipe():
        return M.load_pipeline(copy.deepcopy(base))

    def call(pipe):
        kw = M.pipeline_kwargs(
            labels, num_steps, guidance, generator=torch.Generator().manual_seed(seed), encoder=encoder
        )
        return pipe(**kw).images.float().clamp(0, 1)

    return Workload(
        "mnist-mmdit",
        make_pipe,
        call,
        num_steps,
        len(labels),
        labels,
        M.load_classifier,
        f"embedded MMDiT (SD3Transformer2DModel, {base.config.num_layers} joint blocks), {len(labels)} digits "
        f"({per_class} per class), {num_steps} steps, CFG {guidance:g}, seed {seed}",
    )


def tiny_sd3_workload(num_steps: int = 6, num_layers: int = 4, batch: int = 2, seed: int = 0) -> Workload:
    """A tiny random-weight SD3 pipeline (the embedded model's pipeline and label table, a 4-block
    transformer): for tests. No classifier."""
    from diffusers import SD3Transformer2DModel

    from .zoo import mnist_mmdit as M

    torch.manual_seed(seed)
    cfg = dict(
        M.MMDIT_CONFIG, num_layers=num_layers, attention_head_dim=8, num_attention_heads=2, caption_projection_dim=16
    )
    base = SD3Transformer2DModel(**cfg).eval()
    encoder = M.LabelEncoder().eval()
    labels = torch.arange(batch) % M.NUM_CLASSES

    def make_pipe():
        return M.load_pipeline(copy.deepcopy(base))

    def call(pipe):
        kw = M.pipeline_kwargs(labels, num_steps, generator=torch.Generator().manual_seed(seed), encoder=encoder)
        return pipe(**kw).images.float().clamp(0, 1)

    return Workload(
        "tiny-sd3",
        make_pipe,
        call,
        num_steps,
        batch,
        None,
        None,
        f"tiny random SD3 ({num_layers} blocks), {batch} images, {num_steps} steps",
    )


WORKLOADS = {"mnist-mmdit": mnist_mmdit_workload, "tiny": tiny_sd3_workload}


# ---------------------------------------------------------------------------------------------- worker side
class _WarningLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage().splitlines()[0][:300])


def _dynamo_snapshot():
    from torch._dynamo.utils import counters, get_compilation_metrics

    ms = get_compilation_metrics()
    return {
        "graphs": int(counters["stats"]["unique_graphs"]),
        "graph_breaks": int(sum(counters["graph_break"].values())),
        "frames": len(ms),
        "recompiles": sum(1 for m in ms if m.recompile_reason),
        "break_reasons": sorted({k.splitlines()[0][:160] for k in counters["graph_break"]}),
    }


def _strategy_facts(strategy, pipe, num_steps: int) -> dict:
    """What a strategy can say about what it did (plan, cached steps, ``skipped``: the fraction of denoiser calls
    that skipped blocks), best effort: diffusers' hook-based peers say nothing."""
    out = {}
    if strategy.family == "blockdance":
        try:
            import bdcompile

            from .schedules import plan_string

            info = bdcompile.explain(pipe.transformer)
            out["plan"] = plan_string(info["plan"]) if info.get("plan") else ""
            out["theoretical"] = info.get("theoretical_speedup")
            out["host_reads"] = info.get("host_reads")
            out["calls_by_action"] = counts = info.get("calls_by_action") or {}
            out["fragments"] = len(info.get("fragments", []))
            calls = sum(counts.values())
            if calls:  # skipping calls: every skip action, and the adaptive calls whose flag said skip
                skips = sum(v for a, v in counts.items() if a not in ("full", "adaptive"))
                out["skipped"] = (skips + info.get("adaptive_skip_count", 0)) / calls
        except Exception as e:  # noqa: BLE001
            out["explain_error"] = f"{type(e).__name__}: {e}"[:200]
    if strategy.family == "cache-dit DBCache":
        t = P._raw(pipe)
        cached = getattr(t, "_cached_steps", None)
        if cached is not None:
            out["cached_steps"] = sorted({int(s) for s in cached})
            out["skipped"] = len(out["cached_steps"]) / num_steps
    return out


def _worker(conn, strategy, workload: Workload, threads: int):
    """One strategy in its own process: build, apply, warm up, then serve ``time`` / ``result`` commands."""
    log = _WarningLog()
    logging.getLogger("torch._dynamo").addHandler(log)
    caught: list[str] = []

    def showwarning(message, category, filename, lineno, file=None, line=None):
        caught.append(f"{category.__name__}: {str(message).splitlines()[0][:300]}")

    warnings.showwarning = showwarning
    try:
        import collections

        import torch._dynamo.utils as du
        from torch import _dynamo

        torch.set_num_threads(threads)
        _dynamo.reset()
        du.counters.clear()
        du._compilation_metrics = collections.deque(maxlen=100000)
        pipe = workload.make_pipe()
        ctx = P.PeerContext(workload.num_steps, calibrate=lambda p: workload.call(p))
        images = None
        with torch.no_grad():
            strategy.apply(pipe, ctx)
            t0 = time.perf_counter()
            warm = workload.call(pipe)
            first_s = time.perf_counter() - t0
        after_warm = _dynamo_snapshot()
        conn.send(
            {
                "ok": True,
                "compiled": strategy.compiled,
                "why": strategy.why,
                "params": strategy.params,
                "calibration": strategy.calibration,
                "first_s": first_s,
                "dynamo": after_warm,
            }
        )
        max_round_diff = 0.0
        while True:
            cmd = conn.recv()
            if cmd == "time":
                with torch.no_grad():
                    c0, t0 = time.process_time(), time.perf_counter()
                    out = workload.call(pipe)
                    dt, dc = time.perf_counter() - t0, time.process_time() - c0
                if images is None:
                    images = out
                else:
                    max_round_diff = max(max_round_diff, (out - images).abs().max().item())
                conn.send({"ok": True, "seconds": dt, "cpu_seconds": dc})
            elif cmd == "result":
                final = _dynamo_snapshot()
                conn.send(
                    {
                        "ok": True,
                        "images": images if images is not None else warm,
                        "warm_vs_timed": (warm - images).abs().max().item() if images is not None else 0.0,
                        "max_round_diff": max_round_diff,
                        "dynamo": final,
                        "frames_during_timing": final["frames"] - after_warm["frames"],
                        "recompile_limit_hit": any(
                            "recompile_limit" in m or "cache_size_limit" in m for m in log.messages
                        ),
                        "warnings": sorted(set(caught + [m for m in log.messages if "recompile" in m]))[:20],
                        "facts": _strategy_facts(strategy, pipe, workload.num_steps),
                    }
                )
            elif cmd == "quit":
                break
    except Exception as e:  # noqa: BLE001
        try:
            conn.send({"ok": False, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()[-3000:]})
        except Exception:  # noqa: BLE001
            pass
    finally:
        conn.close()


class _Handle:
    def __init__(self, strategy, workload, threads):
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, strategy, workload, threads), daemon=True)
        self.proc.start()
        child.close()

    def recv(self, timeout: float):
        if not self.conn.poll(timeout):
            raise TimeoutError(f"no answer within {timeout:.0f} s")
        try:
            msg = self.conn.recv()
        except EOFError:
            self.proc.join(5)
            raise RuntimeError(f"worker died (exit code {self.proc.exitcode})") from None
        if not msg.get("ok"):
            raise RuntimeError(msg.get("error", "worker failed") + "\n" + msg.get("traceback", ""))
        return msg

    def ask(self, cmd: str, timeout: float):
        self.conn.send(cmd)
        return self.recv(timeout)

    def close(self):
        try:
            self.conn.send("quit")
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


# ---------------------------------------------------------------------------------------------- harness
@dataclass
class FrontierResult:
    workload: str
    description: str
    num_steps: int
    images: int
    rounds: int
    threads: int
    rows: list = field(default_factory=list)  # one dict per strategy (see run_frontier)
    warnings: list = field(default_factory=list)
    load: list = field(default_factory=list)  # os.getloadavg() before, after
    cpus: int = 0
    seconds: float = 0.0
    command: str = ""


def _say(progress, msg):
    if progress:
        print(msg, flush=True)


def run_frontier(
    workload: Workload,
    strategies: list,
    rounds: int = 3,
    threads: int = 1,
    progress: bool = True,
    prepare_timeout: float = 1200.0,
    call_timeout: float = 600.0,
    fallback_eager: bool = True,
    references: bool = True,
) -> FrontierResult:
    """Measure ``strategies`` on ``workload`` side by side (see the module docstring). ``eager`` (the quality
    reference) and ``inductor`` (the speed reference) are added if missing (``references=False``: only if
    listed; without them there is no PSNR / speed ratio). A compiled peer that fails is retried eagerly
    (``fallback_eager``), with the error as its reason."""
    t_start = time.perf_counter()
    names = [s.name for s in strategies]
    strategies = list(strategies)
    if references and "eager" not in names:
        strategies.insert(0, P.eager())
    if references and "inductor" not in names:
        strategies.insert(1, P.inductor())
    if len({s.name for s in strategies}) != len(strategies):
        raise ValueError(f"strategy names must be unique: {[s.name for s in strategies]}")
    cpus = os.cpu_count() or 1
    res = FrontierResult(
        workload.name,
        workload.description,
        workload.num_steps,
        workload.images,
        rounds,
        threads,
        cpus=cpus,
        load=[list(os.getloadavg())],
    )
    _say(
        progress,
        f"frontier: {workload.description}; {len(strategies)} strategies, {rounds} timed rounds, "
        f"{threads} torch thread(s) each, one process per strategy; "
        f"load average {os.getloadavg()[0]:.1f} on {cpus} CPUs",
    )
    if os.getloadavg()[0] > cpus:
        msg = (
            f"the machine is loaded (load average {os.getloadavg()[0]:.1f} > {cpus} CPUs): "
            "timings are shared with other work; read the spreads"
        )
        res.warnings.append(msg)
        _say(progress, "WARNING: " + msg)

    rows: dict[str, dict] = {}
    handles: dict[str, _Handle] = {}
    try:
        for i, s in enumerate(strategies):
            row = rows[s.name] = {
                "strategy": s.name,
                "family": s.family,
                "params": dict(s.params),
                "times": [],
                "cpu_times": [],
            }
            _say(
                progress,
                f"[{i + 1}/{len(strategies)}] {s.name}: building, applying, warm-up call"
                f"{' (compiling)' if s.compile else ''} ...",
            )
            for attempt in ("as asked", "eager fallback"):
                h = _Handle(s, workload, threads)
                try:
                    msg = h.recv(prepare_timeout)
                except (RuntimeError, TimeoutError) as e:
                    h.close()
                    err = str(e).splitlines()[0][:300]
                    if (
                        attempt == "as asked"
                        and s.compile
                        and fallback_eager
                        and s.family not in ("reference", "blockdance")
                    ):
                        _say(progress, f"    failed compiled ({err}); retrying eagerly")
                        row["compile_error"] = err
                        s = copy.copy(s)
                        s.compile = False
                        continue
                    row["error"] = err
                    _say(progress, f"    FAILED: {err}")
                    break
                handles[s.name] = h
                row.update(
                    compiled=msg["compiled"],
                    why=msg["why"] or ("compile failed: " + row["compile_error"] if row.get("compile_error") else ""),
                    first_s=msg["first_s"],
                    params=msg["params"],
                    calibration=msg["calibration"],
                )
                row["dynamo_warm"] = msg["dynamo"]
                d = msg["dynamo"]
                _say(
                    progress,
                    f"    {'compiled' if msg['compiled'] else 'eager'}; first call {msg['first_s']:.1f} s; "
                    f"{d['graphs']} graphs, {d['graph_breaks']} breaks, {d['frames']} frames, "
                    f"{d['recompiles']} recompiles",
                )
                break
        live = [n for n in rows if n in handles]
        for r in range(rounds):
            line = []
            for n in live:
                try:
                    msg = handles[n].ask("time", call_timeout)
                except (RuntimeError, TimeoutError) as e:
                    rows[n]["error"] = str(e).splitlines()[0][:300]
                    continue
                dt = msg["seconds"]
                rows[n]["times"].append(dt)
                rows[n]["cpu_times"].append(msg["cpu_seconds"])
                line.append(f"{n} {dt:.2f}s")
            live = [n for n in live if "error" not in rows[n]]
            _say(progress, f"round {r + 1}/{rounds}: " + ", ".join(line))
        outputs = {}
        for n in live:
            msg = handles[n].ask("result", call_timeout)
            outputs[n] = msg.pop("images")
            rows[n].update({k: v for k, v in msg.items() if k != "ok"})
    finally:
        for h in handles.values():
            h.close()
    res.load.append(list(os.getloadavg()))
    _score(res, rows, outputs, workload, progress)
    res.rows = list(rows.values())
    res.seconds = time.perf_counter() - t_start
    return res


def _score(res: FrontierResult, rows: dict, outputs: dict, workload: Workload, progress: bool):
    from .metrics import class_accuracy, psnr, ssim

    ref = outputs.get("eager")
    clf = workload.classifier() if workload.classifier is not None else None
    ind = rows.get("inductor", {}).get("times") or []
    ind_cpu = rows.get("inductor", {}).get("cpu_times") or []
    for name, row in rows.items():
        t = row.get("times") or []
        if t:
            med = statistics.median(t)
            row["median_s"] = med
            row["s_per_image"] = med / workload.images
            row["spread"] = (max(t) - min(t)) / med if len(t) > 1 else 0.0
            c = row.get("cpu_times") or []
            row["cpu_s_per_image"] = statistics.median(c) / workload.images if c else None
            if ind:
                row["speed_vs_inductor"] = statistics.median(ind) / med
                ratios = [a / b for a, b in zip(ind, t)]
                row["ratio_min"], row["ratio_max"] = min(ratios), max(ratios)
            if ind_cpu and c:
                row["cpu_speed_vs_inductor"] = statistics.median(ind_cpu) / statistics.median(c)
            if row["spread"] > SPREAD_WARN:
                msg = (
                    f"{name}: timing spread {100 * row['spread']:.0f}% over {len(t)} rounds "
                    f"(min {min(t):.3g} s, max {max(t):.3g} s)"
                )
                res.warnings.append(msg)
        out = outputs.get(name)
        if out is not None and ref is not None:
            row["psnr_db"] = psnr(out, ref)
            row["ssim"] = ssim(out, ref)
            row["identical_to_eager"] = bool(torch.equal(out, ref))
        if out is not None and clf is not None and workload.labels is not None:
            row["accuracy"] = class_accuracy(clf, out, workload.labels)
        d = row.get("dynamo") or row.get("dynamo_warm") or {}
        row["graphs"], row["graph_breaks"] = d.get("graphs"), d.get("graph_breaks")
        row["frames"], row["recompiles"] = d.get("frames"), d.get("recompiles")
        row["break_reasons"] = d.get("break_reasons", [])
        row.pop("dynamo", None)
        row.pop("dynamo_warm", None)
        row["theoretical"] = (row.get("facts") or {}).get("theoretical")
        row["skipped"] = (row.get("facts") or {}).get("skipped")
        row["compile_s"] = (
            max(0.0, row["first_s"] - row["median_s"]) if "first_s" in row and "median_s" in row else None
        )
    for name, row in rows.items():
        if row.get("family") not in ("reference",) and row.get("identical_to_eager") and row.get("compiled") is False:
            res.warnings.append(f"{name}: output identical to eager: nothing was skipped (did it hook?)")
        if row.get("frames_during_timing"):
            res.warnings.append(
                f"{name}: dynamo compiled {row['frames_during_timing']} frame(s) during the timed calls"
            )
        if row.get("recompile_limit_hit"):
            res.warnings.append(f"{name}: dynamo hit its recompile limit; the frames past it run eagerly")
        if row.get("max_round_diff"):
            res.warnings.append(f"{name}: outputs differ between timed calls by up to {row['max_round_diff']:.2e}")
    load = max(avg[0] for avg in res.load)
    if load > res.cpus:
        res.warnings.append(f"load average up to {load:.1f} on {res.cpus} CPUs during the run: the machine was shared")
    res.warnings = list(dict.fromkeys(res.warnings))


# ---------------------------------------------------------------------------------------------- reporting
COLUMNS = [
    "strategy",
    "family",
    "compiled",
    "s_per_image",
    "speed_vs_inductor",
    "ratio_min",
    "ratio_max",
    "spread",
    "cpu_s_per_image",
    "cpu_speed_vs_inductor",
    "theoretical",
    "skipped",
    "psnr_db",
    "ssim",
    "accuracy",
    "graphs",
    "graph_breaks",
    "frames",
    "recompiles",
    "frames_during_timing",
    "compile_s",
    "why",
    "error",
]


def _cell(v, fmt="{:.3f}"):
    if v is None or v == "":
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "inf" if math.isinf(v) else fmt.format(v)
    return str(v)


def table_lines(res: FrontierResult, markdown: bool = False) -> list[str]:
    head = [
        "strategy",
        "run",
        "s/image",
        "vs Inductor (min-max)",
        "spread",
        "CPU-time vs Ind.",
        "skipped",
        "PSNR dB",
        "SSIM",
        "acc",
        "graphs/breaks/recompiles",
    ]
    body = []
    for r in res.rows:
        if r.get("error") and "median_s" not in r:
            body.append([r["strategy"], "FAILED", "-", "-", "-", "-", "-", "-", "-", "-", r["error"][:60]])
            continue
        vs = (
            "-"
            if r.get("speed_vs_inductor") is None
            else f"{r['speed_vs_inductor']:.2f}x ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})"
        )
        run = "compiled" if r.get("compiled") else "eager"
        body.append(
            [
                r["strategy"],
                run,
                _cell(r.get("s_per_image"), "{:.4f}"),
                vs,
                _cell(100 * r["spread"], "{:.0f}%") if r.get("spread") is not None else "-",
                "-" if r.get("cpu_speed_vs_inductor") is None else f"{r['cpu_speed_vs_inductor']:.2f}x",
                _cell(100 * r["skipped"], "{:.0f}%") if r.get("skipped") is not None else "-",
                _cell(r.get("psnr_db"), "{:.1f}"),
                _cell(r.get("ssim"), "{:.3f}"),
                _cell(100 * r["accuracy"], "{:.0f}%") if r.get("accuracy") is not None else "-",
                f"{_cell(r.get('graphs'))}/{_cell(r.get('graph_breaks'))}/{_cell(r.get('recompiles'))}",
            ]
        )
    if markdown:
        return ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"] + [
            "| " + " | ".join(row) + " |" for row in body
        ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = lambda row: "  ".join(str(x).ljust(w) for x, w in zip(row, widths))  # noqa: E731
    return [fmt(head), fmt(["-" * w for w in widths])] + [fmt(row) for row in body]


def print_table(res: FrontierResult) -> None:
    print(
        f"\n{res.description}; {res.rounds} timed rounds, {res.threads} thread(s), load average "
        f"{res.load[0][0]:.1f} -> {res.load[-1][0]:.1f} on {res.cpus} CPUs; {res.seconds / 60:.1f} min in all"
    )
    for line in table_lines(res):
        print(line)
    notes = [r for r in res.rows if r.get("why")]
    if notes:
        print("\nnotes:")
        for r in notes:
            print(f"  {r['strategy']}: {r['why']}")
    for w in res.warnings:
        print("WARNING: " + w)


def pareto_envelope(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The non-dominated points (higher speed and higher quality are better), sorted by speed."""
    pts = sorted(points, key=lambda p: (-p[0], -p[1]))
    env, best_q = [], -math.inf
    for x, y in pts:
        if y > best_q:
            env.append((x, y))
            best_q = y
    return sorted(env)


def plot(res: FrontierResult, path: str, psnr_cap: float = 60.0) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fams = list(dict.fromkeys(r["family"] for r in res.rows if r["family"] != "reference"))
    cmap = plt.get_cmap("tab10")
    markers = "osD^v<>Pp*hX"
    fig, ax = plt.subplots(figsize=(9, 6))
    for i, fam in enumerate(["reference"] + fams):
        pts = [
            (r["speed_vs_inductor"], min(r["psnr_db"], psnr_cap), r)
            for r in res.rows
            if r["family"] == fam and r.get("speed_vs_inductor") is not None and r.get("psnr_db") is not None
        ]
        if not pts:
            continue
        color = "black" if fam == "reference" else cmap(i % 10)
        for x, y, r in pts:
            ax.scatter(
                x,
                y,
                color=color,
                marker=markers[i % len(markers)],
                s=45,
                facecolors="none" if not r.get("compiled") else color,
                zorder=3,
            )
            ax.annotate(r["strategy"], (x, y), fontsize=6.5, xytext=(4, 3), textcoords="offset points", color=color)
        env = pareto_envelope([(x, y) for x, y, _ in pts])
        if fam != "reference" and len(env) > 0:
            xs, ys = zip(*env)
            # the best PSNR available at this speed or faster: a descending staircase through the envelope
            ax.step(xs, ys, where="pre", color=color, alpha=0.6, lw=1.2, label=fam)
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("speed over torch.compile(backend='inductor') (median of alternated rounds)")
    ax.set_ylabel(f"PSNR vs uncached eager output, dB (identical = {psnr_cap:g})")
    ax.set_title(
        f"{res.workload}: {res.images} images, {res.num_steps} steps (hollow marker = runs eagerly)", fontsize=10
    )
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="lower left")
    else:
        ax.text(0.5, 0.5, "no speed ratio: no inductor row", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _jsonable(v):
    if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
        return str(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, torch.Tensor):
        return v.tolist()
    return v


def write_outputs(res: FrontierResult, prefix: str) -> list[str]:
    """``prefix``.csv (one row per strategy), .json (everything, with the warnings), .png (Pareto plot)."""
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    with open(prefix + ".csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in res.rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in COLUMNS})
    data = {
        k: getattr(res, k)
        for k in (
            "workload",
            "description",
            "num_steps",
            "images",
            "rounds",
            "threads",
            "cpus",
            "load",
            "seconds",
            "command",
            "warnings",
        )
    }
    data["rows"] = res.rows
    with open(prefix + ".json", "w") as f:
        json.dump(_jsonable(data), f, indent=1)
    plot(res, prefix + ".png")
    return [prefix + ".csv", prefix + ".json", prefix + ".png"]
