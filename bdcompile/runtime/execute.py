"""Running a decided call: which variant, fed with which cache values, and what to keep afterwards.

Shared by the backend's dispatcher (variants are compiled graphs called with the traced graph's
flat inputs) and the exported runners (variants are ONNX / AOTInductor / TensorRT artifacts): both
give :func:`execute` a ``run(name, extra) -> outputs`` that runs variant ``name`` on the call's
inputs followed by ``extra``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from ..schedules import FORECAST, FULL, RESIDUAL, REUSE, parse_action

__all__ = ["VariantSet", "execute"]


@dataclass
class VariantSet:
    """How a configuration's variants are fed (the backend's ``Built``, or an export's manifest)."""

    num_outputs: int
    layout: list  # full variant's outputs after the model's: [(cache group, count)]
    needs: dict  # action -> cache groups it reads
    variant: dict  # action -> variant name
    history: dict  # cache group -> older values kept for forecasting
    order: int = 1
    adaptive: Optional[dict] = None  # {"h", "t", "v", "threshold", "decide"}

    def __post_init__(self):
        self.kind = {a: parse_action(a)[0] for a in self.needs}

    def groups(self, values) -> dict:
        out, i = {}, 0
        for name, n in self.layout:
            out[name] = list(values[i : i + n])
            i += n
        return out


def execute(call, vs: VariantSet, run: Callable, make_coeffs: Callable, config) -> list:
    """Run ``call``'s action: returns the model's outputs (a list) and keeps what later steps need."""
    n = vs.num_outputs
    if call.action == FULL:
        out = list(run("full", []))
        call.keep(vs.groups(out[n:]), vs.history)
        return out[:n]
    kind = vs.kind[call.action]
    name = vs.variant[call.action]
    if kind in (REUSE, RESIDUAL):
        return list(run(name, call.values(vs.needs[call.action][0])))[:n]
    if kind == FORECAST:
        group = vs.needs[call.action][0]
        c, hist = call.forecast_inputs(group, vs.order, make_coeffs)
        return list(run(name, [c] + hist))[:n]
    return _adaptive(call, vs, run, config)


def _adaptive(call, vs: VariantSet, run, config) -> list:
    a, n = vs.adaptive, vs.num_outputs
    h_prev, t_prev = call.values("h"), call.values("t")
    if a["decide"] == "graph":
        out = list(run("adaptive", h_prev + t_prev))
        h_new, t_new = out[n : n + a["h"]], out[n + a["h"] : n + a["h"] + a["t"]]
        config.skip_flags.append(out[-1])  # a device tensor: read only when explain() asks
    else:
        probe = list(run("adaptive_probe", h_prev))
        vf, hs, change = probe[: a["v"]], probe[a["v"] : a["v"] + a["h"]], probe[-1]
        config.host_reads += 1
        skipped = _scalar(change) < a["threshold"]
        out = list(run("adaptive_skip" if skipped else "adaptive_compute", vf + t_prev))
        h_new, t_new = (h_prev if skipped else hs), out[n : n + a["t"]]
        config.skip_flags.append(skipped)
    call.keep({"h": h_new, "t": t_new}, merge=True)
    return out[:n]


def _scalar(x) -> float:
    """One number read on the host: a tensor, or an onnxruntime ``OrtValue``."""
    return float(x.numpy()) if hasattr(x, "numpy") and not hasattr(x, "item") else float(x)
