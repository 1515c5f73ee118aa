"""The backend's options: the public contract of ``torch.compile(..., backend="blockdance", options=...)``."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable, Optional, Sequence, Union

from .schedules import FORECAST, REUSE, PlanSchedule, StaticSchedule

__all__ = ["Settings", "INNER_BACKENDS", "default_boundary"]

INNER_BACKENDS = ("inductor", "eager", "tensorrt")
STEP_SOURCES = ("timestep", "counter")


def default_boundary(num_blocks: int) -> int:
    """The paper's 21 of 28 blocks (75% of the depth), scaled to the model's depth."""
    return min(max(1, round(0.75 * num_blocks)), num_blocks - 1)


@dataclass
class Settings:
    """Options of the ``blockdance`` backend.

    boundary   reuse steps skip blocks ``[0, boundary)`` (execution order across all stacks) and start
               at block ``boundary``; default ``round(0.75 * num_blocks)`` (21 for 28 blocks).
    warmup     fraction of the steps at the start that always run in full (0.4).
    stop       fraction of the steps at which the reuse window ends (0.95).
    interval   N: inside the window, groups of N steps, one full (cache) step then N-1 reuse steps (2).
    num_steps  steps per generation; optional when ``bdcompile.attach(pipe)`` was called.
    inner      compiler of each variant: "inductor" (default), "eager", "tensorrt", or a callable
               ``(gm, example_inputs) -> callable``.
    reuse      "cache" (feed cached values unchanged) or "forecast" (extrapolate them, TaylorSeer-style).
    order      forecast order k (1-3): extrapolation from the last k+1 full steps.
    plan       an explicit per-step plan (list of "full"/"reuse"/"forecast"); overrides the static schedule.
    step_source  "timestep": read the timestep input each call (one device-to-host read per call);
               "counter": count calls, no read at all (needs num_steps or attach; CUDA-graph friendly).
    calls_per_step  with step_source="counter": model calls per denoising step (2 for CFG as two calls).
    stacks     names of the block lists to use (default: detected).
    timestep_arg  name of the forward argument that carries the timestep ("timestep").
    fallback   if the graph cannot be cut, warn and run the plain inner backend instead of raising.
    policy     BlockDance-Ada: ``policy(inputs_by_name, start, num_steps) -> actions for steps
               [start, num_steps)``, called once per generation at step ``ceil(policy_start * num_steps)``
               (see ``bdcompile.ada.dispatch_policy``); needs num_steps or attach.
    """

    boundary: Optional[int] = None
    warmup: float = 0.4
    stop: float = 0.95
    interval: int = 2
    num_steps: Optional[int] = None
    inner: Union[str, Callable] = "inductor"
    reuse: str = "cache"
    order: int = 1
    plan: Optional[Sequence[str]] = None
    step_source: str = "timestep"
    calls_per_step: int = 1
    stacks: Optional[Sequence[str]] = None
    timestep_arg: str = "timestep"
    fallback: bool = False
    policy: Optional[Callable] = None
    policy_start: float = 0.4

    @classmethod
    def from_options(cls, options: dict | None) -> "Settings":
        options = dict(options or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"blockdance: unknown option(s) {unknown}; allowed options are {sorted(known)}")
        s = cls(**options)
        s.validate()
        return s

    def validate(self) -> None:
        if self.inner not in INNER_BACKENDS and not callable(self.inner):
            raise ValueError(f"blockdance: unknown inner backend {self.inner!r}; allowed: {list(INNER_BACKENDS)} or a callable (gm, example_inputs) -> callable")
        if self.reuse not in ("cache", "forecast"):
            raise ValueError(f"blockdance: reuse must be 'cache' or 'forecast'; got {self.reuse!r}")
        if not isinstance(self.order, int) or not 1 <= self.order <= 3:
            raise ValueError(f"blockdance: order (forecast order) must be 1, 2 or 3; got {self.order!r}")
        if self.boundary is not None and (not isinstance(self.boundary, int) or isinstance(self.boundary, bool) or self.boundary < 1):
            raise ValueError(f"blockdance: boundary must be an integer >= 1 (reuse skips blocks [0, boundary)); got {self.boundary!r}")
        if self.num_steps is not None and (not isinstance(self.num_steps, int) or self.num_steps < 1):
            raise ValueError(f"blockdance: num_steps must be a positive integer; got {self.num_steps!r}")
        if self.step_source not in STEP_SOURCES:
            raise ValueError(f"blockdance: step_source must be one of {list(STEP_SOURCES)}; got {self.step_source!r}")
        if not isinstance(self.calls_per_step, int) or self.calls_per_step < 1:
            raise ValueError(f"blockdance: calls_per_step must be an integer >= 1; got {self.calls_per_step!r}")
        if self.policy is not None and not callable(self.policy):
            raise ValueError("blockdance: policy must be a callable (inputs, start, num_steps) -> list of actions; see bdcompile.ada.dispatch_policy")
        if not 0.0 <= self.policy_start <= 1.0:
            raise ValueError(f"blockdance: policy_start is a fraction of the steps in [0, 1]; got {self.policy_start!r}")
        self.schedule()  # validates warmup / stop / interval / plan

    def schedule(self):
        if self.plan is not None:
            return PlanSchedule(tuple(self.plan))
        return StaticSchedule(self.warmup, self.stop, self.interval, FORECAST if self.reuse == "forecast" else REUSE)
