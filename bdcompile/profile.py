"""Profiler: how much each block's output changes from one denoising step to the next.

This is the paper's "structure vs texture" analysis for any model: blocks are found from the traced
graph (the same pass as the backend), their outputs are recorded eagerly at every step with forward
hooks, and the change between consecutive steps is drawn as a blocks x steps heatmap.  From it we
recommend ``boundary`` / ``warmup`` / ``stop``: the schedule that saves the most block evaluations
while the cached value (the output of block ``boundary - 1``) changes by at most ``threshold``
(relative L2) between the steps it stands in for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch

from .passes import find_block_regions
from .schedules import StaticSchedule, block_evaluations

__all__ = ["discover_blocks", "BlockProfile", "profile_blocks", "recommend", "summary"]


def discover_blocks(model: torch.nn.Module, call: Callable[[torch.nn.Module], object]) -> list[str]:
    """Names of the blocks (module paths) in execution order, found in the traced graph."""
    found = {}

    def probe(gm, example_inputs, **kw):
        found["blocks"] = [b.name for b in find_block_regions(gm).blocks]
        return gm.forward

    torch._dynamo.reset()
    with torch.no_grad():
        call(torch.compile(model, backend=probe, fullgraph=True))
    torch._dynamo.reset()
    return found["blocks"]


def _flat(out) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out.detach().float().reshape(-1)
    if isinstance(out, (tuple, list)):
        parts = [_flat(o) for o in out if isinstance(o, (torch.Tensor, tuple, list))]
        return torch.cat(parts) if parts else torch.zeros(0)
    return torch.zeros(0)


@dataclass
class BlockProfile:
    blocks: list[str]
    rel_change: torch.Tensor  # [blocks, steps]: ||y_s - y_{s-1}|| / ||y_{s-1}||, step 0 = nan
    cosine: torch.Tensor  # [blocks, steps]: cos(y_s, y_{s-1})
    meta: dict = field(default_factory=dict)

    def plot(self, path: str, title: str = "") -> str:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.colors import LogNorm

        data = self.rel_change[:, 1:]
        finite = data[torch.isfinite(data) & (data > 0)]
        # log scale between the 2nd and 98th percentiles: one violent step (often the last) no longer
        # washes out the rest; values outside are drawn in the end colours
        lo, hi = torch.quantile(finite, torch.tensor([0.02, 0.98])).tolist() if finite.numel() else (1e-3, 1.0)
        hi = max(hi, lo * 1.01)
        fig, ax = plt.subplots(figsize=(max(6, data.shape[1] * 0.3), max(4, len(self.blocks) * 0.25)))
        im = ax.imshow(
            data.clamp_min(lo).numpy(),
            aspect="auto",
            cmap="magma_r",
            origin="upper",
            norm=LogNorm(vmin=lo, vmax=hi),
            extent=(0.5, self.rel_change.shape[1] - 0.5, len(self.blocks) - 0.5, -0.5),
        )
        ax.set_xlabel("denoising step")
        ax.set_ylabel("block (execution order)")
        ax.set_title(title or "relative change of each block's output vs the previous step")
        fig.colorbar(im, ax=ax, extend="both", label="||y_s - y_(s-1)|| / ||y_(s-1)|| (log; 2-98th percentile)")
        rec = self.meta.get("recommendation")
        if rec:
            b, w, e = rec["boundary"], rec["window"][0], rec["window"][1]
            ax.add_patch(plt.Rectangle((w - 0.5, -0.5), e - w, b, fill=False, ec="cyan", lw=2, ls="--"))
            ax.text(w, b - 0.2, f"reuse region (boundary {b})", color="cyan", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path


def profile_blocks(
    model: torch.nn.Module, generate: Callable[[torch.nn.Module], object], blocks: list[str] | None = None
) -> BlockProfile:
    """Run ``generate(model)`` (one denoising loop, one model call per step) and record every block's
    output at every step."""
    blocks = blocks or discover_blocks(model, generate)
    records: dict[str, list] = {b: [] for b in blocks}
    handles = [
        model.get_submodule(b).register_forward_hook(lambda m, a, o, b=b: records[b].append(_flat(o))) for b in blocks
    ]
    try:
        with torch.no_grad():
            generate(model)
    finally:
        for h in handles:
            h.remove()
    steps = len(records[blocks[0]])
    rel = torch.full((len(blocks), steps), float("nan"))
    cos = torch.full((len(blocks), steps), float("nan"))
    for i, b in enumerate(blocks):
        ys = records[b]
        for s in range(1, steps):
            rel[i, s] = ((ys[s] - ys[s - 1]).norm() / ys[s - 1].norm().clamp_min(1e-12)).item()
            cos[i, s] = torch.nn.functional.cosine_similarity(ys[s], ys[s - 1], dim=0).item()
    return BlockProfile(blocks=blocks, rel_change=rel, cosine=cos, meta={"steps": steps})


STOPS = (0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6)


def _drift(change: torch.Tensor, plan: list) -> float:
    """Largest drift of the cached value at a reuse step of ``plan``: the per-step changes summed from
    the full step that filled the cache to the reuse step."""
    worst, acc = 0.0, 0.0
    for s, a in enumerate(plan):
        if a == "full":
            acc = 0.0
        else:
            acc += float(change[s])
            worst = max(worst, acc)
    return worst


def recommend(
    profile: BlockProfile,
    threshold: float = 0.1,
    interval: int = 2,
    stop: float | None = None,
    min_warmup: float = 0.2,
    stops=STOPS,
) -> dict:
    """The (boundary, warmup, stop) that saves the most block evaluations such that, at every reuse step,
    the cached value (output of block boundary-1) has drifted by at most ``threshold`` (relative L2,
    summed over the steps since the full step that cached it).

    ``stop`` fixes the window's end; by default the search tries ``stops`` too, since late steps of a
    sampler often change far more than the rest. Warm-ups start at ``min_warmup``: the first steps
    shape the image, and skipping blocks there costs quality that step-to-step change does not show.
    Ties go to the later warm-up and the later stop."""
    nb, steps = profile.rel_change.shape
    best = None
    for b in range(1, nb):
        change = profile.rel_change[b - 1].nan_to_num(nan=float("inf"))
        for e in (stop,) if stop is not None else stops:
            for w in range(max(1, math.ceil(min_warmup * steps - 1e-9)), steps):
                if w / steps > e:
                    break
                sched = StaticSchedule(warmup=w / steps, stop=e, interval=interval)
                start, end = sched.window(steps)
                plan = sched.plan(steps)
                if end - start < interval or _drift(change, plan) > threshold:
                    continue
                saved = steps * nb - block_evaluations(plan, nb, b)
                key = (saved, w, e)
                if best is None or key > best["_key"]:
                    best = {
                        "boundary": b,
                        "warmup": round(w / steps, 4),
                        "stop": e,
                        "interval": interval,
                        "window": (start, end),
                        "saved_block_evaluations": saved,
                        "theoretical_speedup": steps * nb / (steps * nb - saved),
                        "threshold": threshold,
                        "drift": _drift(change, plan),
                        "_key": key,
                    }
    if best is not None:
        del best["_key"]
    profile.meta["recommendation"] = best
    return best or {
        "boundary": None,
        "threshold": threshold,
        "note": f"no block's output stays within a drift of {threshold} over a reuse window of "
        f"N={interval} (warm-up >= {min_warmup}); raise --threshold (the heatmap shows the "
        "changes)",
    }


def summary(profile: BlockProfile, name: str = "model") -> str:
    """Mean change per step over the last 60% of steps, by thirds of the blocks, and a row per block."""
    nb, steps = profile.rel_change.shape
    late = profile.rel_change[:, int(0.4 * steps) :]
    thirds = [late[i * nb // 3 : (i + 1) * nb // 3].nanmean().item() for i in range(3)]
    lines = [
        f"{name}: {nb} blocks, {steps} steps; mean relative change per step over the last 60% of steps:",
        f"  shallow third {thirds[0]:.4f}   middle third {thirds[1]:.4f}   deep third {thirds[2]:.4f}",
        f"  change per block (rows) at steps 1, 1 + k, 1 + 2k, ... (k = {max(1, (steps - 1) // 12)}):",
    ]
    for i, b in enumerate(profile.blocks):
        row = profile.rel_change[i, 1:]
        lines.append(f"  {b:<28} " + " ".join(f"{v:5.3f}" for v in row[:: max(1, len(row) // 12)].tolist()))
    return "\n".join(lines)
