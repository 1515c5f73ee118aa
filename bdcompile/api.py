"""The small public API around the backend: attach a pipeline, reset, explain."""
from __future__ import annotations

from typing import Any

import torch

from .schedules import block_evaluations, plan_string, theoretical_speedup
from .state import compile_options, find_state, state_for_parameters

__all__ = ["attach", "explain", "reset"]


def _transformer(obj):
    for name in ("transformer", "unet"):
        if hasattr(obj, name) and isinstance(getattr(obj, name), torch.nn.Module):
            return getattr(obj, name)
    if isinstance(obj, torch.nn.Module):
        return obj
    raise TypeError(f"blockdance: expected a diffusers pipeline or a (compiled) model, got {type(obj).__name__}")


def attach(pipe, model=None):
    """Follow ``pipe.scheduler``: every ``set_timesteps`` (the start of each generation in diffusers
    pipelines) starts a new generation and sets the number of steps, so schedule fractions are exact
    in step space, whatever the timestep values (shifted flow matching, ascending timesteps).

    Returns the pipeline.  Call it after ``pipe.transformer = torch.compile(...)``.
    """
    model = model if model is not None else _transformer(pipe)
    state = state_for_parameters(model, compile_options(model))
    scheduler = pipe.scheduler
    original = getattr(scheduler.set_timesteps, "_bd_original", scheduler.set_timesteps)

    def set_timesteps(*args, **kwargs):
        out = original(*args, **kwargs)
        state.reset(timesteps=[float(t) for t in scheduler.timesteps])
        return out

    set_timesteps._bd_original = original
    scheduler.set_timesteps = set_timesteps
    return pipe


def reset(model) -> None:
    """Start a new generation explicitly (drops every cache of the model)."""
    st = find_state(_transformer(model))
    if st is not None:
        st.reset()


class Explanation(dict):
    """What the backend did: a dict with a readable ``str()``."""

    def __str__(self) -> str:
        lines = []
        for i, g in enumerate(self.get("graphs", [])):
            lines.append(f"graph {i}: inputs {g['inputs']}, inner={g['inner']}")
            lines.append(f"  stacks found: {g['stacks']}  ({len(g['blocks'])} blocks in execution order)")
            lines.append(f"  boundary: {g['boundary']}  (reuse skips blocks {g['blocks'][0]} .. {g['blocks'][g['boundary'] - 1]})")
            lines.append(f"  cut: " + ", ".join(f"{c['node']}{list(c['shape']) if c['shape'] else ''}" for c in g["cut"]))
            lines.append(f"  nodes: " + ", ".join(f"{k}={v}" for k, v in g["nodes"].items()))
        if self.get("plan"):
            p = self["plan"]
            lines.append("plan: " + plan_string(p)
                         + f"  ({len(p)} steps, F=full r=reuse f=forecast)")
            if self.get("theoretical_speedup"):
                lines.append(f"block evaluations: {self['block_evaluations']} of {self['block_evaluations_full']}"
                             f"  -> theoretical speedup {self['theoretical_speedup']:.3f}x")
        lines.append(f"calls: {self.get('calls', 0)} ({self.get('calls_by_action', {})}), host reads: {self.get('host_reads', 0)}")
        return "\n".join(lines)


def explain(model, num_steps: int | None = None) -> Explanation:
    """Blocks found, cut, node counts per variant, the step plan and what ran so far."""
    st = find_state(_transformer(model))
    if st is None:
        raise ValueError("blockdance: this model has not been compiled with backend='blockdance' and run yet")
    graphs = [g().report for g in st.graphs if g() is not None]
    out = Explanation(graphs=graphs, generation=st.generation, host_reads=st.host_reads)
    n = num_steps or st.num_steps
    if n and st.settings is not None:
        sched = st.plan_override or st.settings.schedule()
        plan = sched.plan(n)
        out["plan"] = plan
        if graphs:
            nb, b = len(graphs[-1]["blocks"]), graphs[-1]["boundary"]
            out["block_evaluations"] = block_evaluations(plan, nb, b)
            out["block_evaluations_full"] = n * nb
            out["theoretical_speedup"] = theoretical_speedup(plan, nb, b)
    counts: dict[str, int] = {}
    for entry in st.log:
        counts[entry[3]] = counts.get(entry[3], 0) + 1
    out["calls"] = len(st.log)
    out["calls_by_action"] = counts
    out["log"] = list(st.log)
    return out
