"""MagCache-style calibration: static residual plans derived ahead of time from an error budget.

    from bdcompile import calibrate as C
    cal = C.calibrate(pipe, num_steps=20, call_kwargs=dict(...))    # one eager generation, no skipping
    plan = C.plan_from_calibration(cal, threshold=0.1, max_skips=3, retention=0.2)   # "FFFFR12R12F..."
    pipe.transformer = torch.compile(pipe.transformer, backend="blockdance", options={"plan": plan})

**Calibration.** One uncached generation records, at every model call, the *residual* of the block
range ``[0, boundary)`` (by default the whole stack): the image stream leaving block ``boundary - 1``
minus the image stream entering block 0. Its per-step *magnitude ratio* is MagCache's
``mean over tokens of ||r_t|| / ||r_{t-1}||`` (L2 norm over the channel dimension; 1.0 at the first
step), next to the standard deviation of those per-token ratios. With CFG as two calls per step
(``calls_per_step=2``) the ratio of a step is the mean over its calls.

**Plan.** :func:`plan_from_calibration` replays diffusers' MagCache decision (``diffusers/hooks/mag_cache.py``,
``MagCacheBlockHook.new_forward``) on the recorded ratios instead of at run time: from step
``int(retention * S + 0.5)`` on, ``acc_ratio *= ratio[i]``, ``acc_steps += 1``,
``acc_err += |1 - acc_ratio|``; the step is skipped (a residual step ``R<boundary>``: the current input
plus the residual of the last computed step) when ``acc_err <= threshold`` and ``acc_steps <= max_skips``,
otherwise it computes (``F``) and the three accumulators reset. The result is a plan string the backend
runs as it is (``options={"plan": ...}``): the dispatcher reads no tensor to decide, every variant is one
compiled graph, and the plan is in an export's manifest. MagCache's own rule reads nothing but the
calibrated table either (its accumulators see the ratios, never the run's tensors), so for the same ratios
and budget the plan skips exactly the steps MagCache skips; what differs is that the blocks run compiled.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import torch

__all__ = [
    "Calibration",
    "calibrate",
    "plan_from_calibration",
    "magcache_decisions",
    "shipped",
    "SHIPPED_STEPS",
    "block_stacks",
]

SHIPPED_STEPS = (20, 28)


@dataclass
class Calibration:
    """Per-step magnitude ratios of the residual of blocks ``[0, boundary)`` over one generation."""

    num_steps: int
    num_blocks: int
    boundary: int
    ratios: list  # ratios[i]: mean ||r_i|| / ||r_{i-1}|| (ratios[0] = 1.0)
    std: list  # std of the per-token ratios at step i (0.0 at step 0)
    norms: list = field(default_factory=list)  # mean ||r_i|| per step (the magnitude itself)
    model: str = ""
    description: str = ""
    calls_per_step: int = 1

    def to_json(self) -> dict:
        return {"format": "bdcompile-calibration/1", **asdict(self)}

    def save(self, path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n")

    @classmethod
    def from_json(cls, data: dict) -> "Calibration":
        if data.get("format") != "bdcompile-calibration/1":
            raise ValueError(
                f"not a bdcompile calibration (format {data.get('format')!r}); write one with `bdcompile calibrate`"
            )
        data = {k: v for k, v in data.items() if k != "format"}
        return cls(**data)

    @classmethod
    def load(cls, path) -> "Calibration":
        return cls.from_json(json.loads(Path(path).read_text()))


def block_stacks(module: torch.nn.Module, stacks: Optional[Sequence[str]] = None) -> list:
    """The module's blocks in execution order: every direct ``ModuleList`` child (or the named ``stacks``)."""
    if stacks is None:
        stacks = [n for n, m in module.named_children() if isinstance(m, torch.nn.ModuleList) and len(m) > 0]
    if not stacks:
        raise ValueError(
            f"calibrate: {type(module).__name__} has no block list (a ModuleList child); pass stacks=[...]"
        )
    out = []
    for name in stacks:
        out += list(getattr(module, name))
    return out


def _stream_in(args, kwargs):
    h = kwargs.get("hidden_states", args[0] if args else None)
    if not isinstance(h, torch.Tensor):
        raise ValueError("calibrate: block 0 received no hidden_states tensor (first argument or hidden_states=)")
    return h


def _stream_out(out, like: torch.Tensor):
    items = out if isinstance(out, (tuple, list)) else (out,)
    for o in reversed(items):  # diffusers' joint blocks return (encoder_hidden_states, hidden_states)
        if isinstance(o, torch.Tensor) and o.shape == like.shape:
            return o
    raise ValueError(
        f"calibrate: the last block of the range returned no tensor of the image stream's shape "
        f"{tuple(like.shape)}; choose another boundary"
    )


def calibrate(
    pipe_or_model,
    run: Optional[Callable[[Any], Any]] = None,
    *,
    num_steps: int,
    boundary: Optional[int] = None,
    calls_per_step: int = 1,
    stacks: Optional[Sequence[str]] = None,
    call_kwargs: Optional[dict] = None,
    model_name: str = "",
    description: str = "",
) -> Calibration:
    """One generation of ``pipe_or_model`` without skipping, recording the residual ratios.

    ``pipe_or_model``: a diffusers pipeline (its ``transformer`` is hooked; ``run`` defaults to
    ``pipe(num_inference_steps=num_steps, **call_kwargs)``) or the transformer itself (then ``run(model)``
    performs one generation of ``num_steps * calls_per_step`` model calls). A ``torch.compile``d transformer
    is calibrated through its original module (the ratios are the model's, not the compiler's)."""
    if not isinstance(num_steps, int) or num_steps < 2:
        raise ValueError(f"calibrate: num_steps={num_steps!r}: a generation of at least 2 steps is needed")
    is_pipe = hasattr(pipe_or_model, "transformer") and not isinstance(pipe_or_model, torch.nn.Module)
    model = pipe_or_model.transformer if is_pipe else pipe_or_model
    model = getattr(model, "_orig_mod", model)
    if run is None:
        if not is_pipe:
            raise ValueError(
                "calibrate: pass run=callable(model) that performs one generation when calibrating a model"
            )
        kw = dict(call_kwargs or {})

        def run(p):
            return p(num_inference_steps=num_steps, **kw)

    blocks = block_stacks(model, stacks)
    b = len(blocks) if boundary is None else boundary
    if not isinstance(b, int) or not 1 <= b <= len(blocks):
        raise ValueError(
            f"calibrate: boundary={boundary!r}: must be in 1..{len(blocks)} (blocks [0, boundary) form the range)"
        )
    residuals: list = []
    entry: dict = {}

    def pre(m, args, kwargs):
        entry["h"] = _stream_in(args, kwargs).detach()

    def post(m, args, kwargs, out):
        h = entry.pop("h", None)
        if h is None:
            raise RuntimeError("calibrate: block 0 did not run before the last block of the range")
        residuals.append((_stream_out(out, h).detach() - h).float())

    handles = [
        blocks[0].register_forward_pre_hook(pre, with_kwargs=True),
        blocks[b - 1].register_forward_hook(post, with_kwargs=True),
    ]
    try:
        with torch.no_grad():
            run(pipe_or_model)
    finally:
        for hd in handles:
            hd.remove()
    want = num_steps * calls_per_step
    if len(residuals) != want:
        raise RuntimeError(
            f"calibrate: the generation made {len(residuals)} model calls, expected num_steps x "
            f"calls_per_step = {num_steps} x {calls_per_step}; pass the step count the run uses "
            "(and calls_per_step=2 when CFG runs as two calls per step)"
        )
    ratios, stds, norms = [], [], []
    prev = None
    for i in range(num_steps):
        calls = residuals[i * calls_per_step : (i + 1) * calls_per_step]
        norms.append(float(sum(torch.linalg.norm(r, dim=-1).mean() for r in calls) / len(calls)))
        if prev is None:
            ratios.append(1.0)
            stds.append(0.0)
        else:
            per = [torch.linalg.norm(r, dim=-1) / (torch.linalg.norm(p, dim=-1) + 1e-8) for r, p in zip(calls, prev)]
            ratios.append(float(sum(x.mean() for x in per) / len(per)))
            stds.append(float(torch.cat([x.flatten() for x in per]).std()))
        prev = calls
    return Calibration(
        num_steps, len(blocks), b, ratios, stds, norms, model_name or type(model).__name__, description, calls_per_step
    )


def magcache_decisions(ratios: Sequence[float], threshold: float, max_skips: int, retention: float) -> list[bool]:
    """Per step, whether diffusers' MagCache rule skips it, given the calibrated ratios (True = skip)."""
    S = len(ratios)
    retention_step = int(retention * S + 0.5)
    acc_ratio, acc_steps, acc_err = 1.0, 0, 0.0
    out = []
    for i in range(S):
        skip = False
        if i >= retention_step:
            acc_ratio *= ratios[i]
            acc_steps += 1
            acc_err += abs(1.0 - acc_ratio)
            if i > 0 and acc_err <= threshold and acc_steps <= max_skips:  # i > 0: a residual is cached
                skip = True
            else:
                acc_ratio, acc_steps, acc_err = 1.0, 0, 0.0
        out.append(skip)
    return out


def plan_from_calibration(
    cal: Calibration,
    threshold: float,
    max_skips: int = 3,
    retention: float = 0.2,
    num_steps: Optional[int] = None,
    boundary: Optional[int] = None,
) -> str:
    """The static plan string of MagCache's rule on ``cal`` (see the module docstring): ``F`` computed
    steps, ``R<boundary>`` residual steps. ``num_steps``: the generation the plan is for (must be the
    calibration's). ``boundary``: defaults to the calibration's range."""
    if (
        not isinstance(threshold, (int, float))
        or isinstance(threshold, bool)
        or not threshold > 0
        or math.isinf(threshold)
    ):
        raise ValueError(
            f"plan_from_calibration: threshold={threshold!r}: the error budget must be a finite number > 0 "
            "(MagCache's accumulated-error threshold, e.g. 0.06)"
        )
    if not isinstance(max_skips, int) or isinstance(max_skips, bool) or max_skips < 1:
        raise ValueError(
            f"plan_from_calibration: max_skips={max_skips!r}: an integer >= 1 (K, consecutive skipped steps)"
        )
    if not isinstance(retention, (int, float)) or not 0.0 <= retention < 1.0:
        raise ValueError(
            f"plan_from_calibration: retention={retention!r}: a fraction of the steps in [0, 1) that always compute"
        )
    if num_steps is not None and num_steps != cal.num_steps:
        raise ValueError(
            f"plan_from_calibration: the calibration is for {cal.num_steps} steps, the plan for {num_steps}: "
            f"calibrate at {num_steps} steps (`bdcompile calibrate --steps {num_steps}`, or "
            f"bdcompile.calibrate.calibrate(..., num_steps={num_steps}))"
        )
    if len(cal.ratios) != cal.num_steps:
        raise ValueError(
            f"plan_from_calibration: the calibration holds {len(cal.ratios)} ratios for {cal.num_steps} steps"
        )
    b = cal.boundary if boundary is None else boundary
    if not isinstance(b, int) or not 1 <= b <= cal.num_blocks:
        raise ValueError(f"plan_from_calibration: boundary={boundary!r}: must be in 1..{cal.num_blocks}")
    skips = magcache_decisions(cal.ratios, threshold, max_skips, retention)
    return "".join(f"R{b}" if s else "F" for s in skips)


def shipped(num_steps: int) -> Calibration:
    """The calibration committed for the embedded MMDiT (``bdcompile/zoo/mnist_mmdit_calibration_<S>.json``)."""
    path = Path(__file__).parent / "zoo" / f"mnist_mmdit_calibration_{num_steps}.json"
    if not path.exists():
        raise FileNotFoundError(
            f"no shipped calibration for {num_steps} steps (shipped: {list(SHIPPED_STEPS)}); "
            f"write one with `bdcompile calibrate --steps {num_steps} --out FILE.json`"
        )
    return Calibration.load(path)
