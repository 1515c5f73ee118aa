"""Profiler: how much each block's output changes from one denoising step to the next.

This is the paper's "structure vs texture" analysis for any model: blocks are found from the traced
graph (the same pass as the backend), their outputs are recorded eagerly at every step with forward
hooks, and the change between consecutive steps is drawn as a blocks x steps heatmap.  From it we
recommend ``boundary`` / ``warmup`` / ``stop``: the schedule that saves the most block evaluations
while the cached value (the output of block ``boundary - 1``) changes by at most ``threshold``
(relative L2) between the steps it stands in for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from .passes import find_block_regions
from .schedules import StaticSchedule, block_evaluations

__all__ = ["discover_blocks", "BlockProfile", "profile_blocks", "recommend"]


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

        fig, ax = plt.subplots(figsize=(max(6, self.rel_change.shape[1] * 0.3), max(4, len(self.blocks) * 0.25)))
        im = ax.imshow(self.rel_change[:, 1:].numpy(), aspect="auto", cmap="magma_r", origin="upper",
                       extent=(0.5, self.rel_change.shape[1] - 0.5, len(self.blocks) - 0.5, -0.5))
        ax.set_xlabel("denoising step")
        ax.set_ylabel("block (execution order)")
        ax.set_title(title or "relative change of each block's output vs the previous step")
        fig.colorbar(im, ax=ax, label="||y_s - y_(s-1)|| / ||y_(s-1)||")
        rec = self.meta.get("recommendation")
        if rec:
            b, w, e = rec["boundary"], rec["window"][0], rec["window"][1]
            ax.add_patch(plt.Rectangle((w - 0.5, -0.5), e - w, b, fill=False, ec="cyan", lw=2, ls="--"))
            ax.text(w, b - 0.2, f"reuse region (boundary {b})", color="cyan", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path


def profile_blocks(model: torch.nn.Module, generate: Callable[[torch.nn.Module], object],
                   blocks: list[str] | None = None) -> BlockProfile:
    """Run ``generate(model)`` (one denoising loop, one model call per step) and record every block's
    output at every step."""
    blocks = blocks or discover_blocks(model, generate)
    records: dict[str, list] = {b: [] for b in blocks}
    handles = [model.get_submodule(b).register_forward_hook(lambda m, a, o, b=b: records[b].append(_flat(o)))
               for b in blocks]
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


def recommend(profile: BlockProfile, threshold: float = 0.1, interval: int = 2, stop: float = 0.95) -> dict:
    """The (boundary, warmup) that saves the most block evaluations such that, inside the reuse
    window, the cached value (output of block boundary-1) drifts by at most ``threshold`` (per-step change
    times the N-1 steps a cache stands in for)."""
    nb, steps = profile.rel_change.shape
    best = None
    for b in range(1, nb):
        change = profile.rel_change[b - 1]
        for w in range(1, steps):
            sched = StaticSchedule(warmup=w / steps, stop=stop, interval=interval)
            start, end = sched.window(steps)
            if end - start < interval or float(change[max(start, 1):end].max()) * (interval - 1) > threshold:
                continue
            saved = steps * nb - block_evaluations(sched.plan(steps), nb, b)
            if best is None or saved > best["saved_block_evaluations"]:
                best = {"boundary": b, "warmup": round(w / steps, 4), "stop": stop, "interval": interval,
                        "window": (start, end), "saved_block_evaluations": saved,
                        "theoretical_speedup": steps * nb / (steps * nb - saved), "threshold": threshold}
            break  # the earliest warmup that satisfies the threshold saves the most for this boundary
    profile.meta["recommendation"] = best
    return best or {"boundary": None, "threshold": threshold,
                    "note": f"no block's output changes by <= {threshold} per step over a window; raise the threshold"}
