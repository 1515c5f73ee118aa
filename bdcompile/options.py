"""The backend's options: the public contract of ``torch.compile(..., backend="blockdance", options=...)``."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable, Optional, Sequence, Union

from .schedules import FORECAST, REUSE, PlanSchedule, StaticSchedule

__all__ = ["Settings", "INNER_BACKENDS", "default_boundary"]

INNER_BACKENDS = ("inductor", "eager", "tensorrt")
STEP_SOURCES = ("timestep", "counter")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_real(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parse_plan(plan) -> tuple:
    """A plan as a tuple of action names, from action names or a string of plan letters
    (``"FFFrFr"``: F full, r reuse, f forecast)."""
    from .schedules import ACTIONS, LETTERS

    if isinstance(plan, str):
        inverse = {v: k for k, v in LETTERS.items()}
        bad = sorted({c for c in plan if c not in inverse})
        if bad:
            raise ValueError(f"blockdance: option plan={plan!r} holds letters {bad}: a plan string uses F (full), "
                             "r (reuse) and f (forecast), one letter per step")
        return tuple(inverse[c] for c in plan)
    if not isinstance(plan, (list, tuple)) or not plan:
        raise ValueError(f"blockdance: option plan={plan!r} is not allowed: plan must be a non-empty list of "
                         f"{list(ACTIONS)} per step, or a string of letters F/r/f")
    wrong = [a for a in plan if a not in ACTIONS]
    if wrong:
        raise ValueError(f"blockdance: option plan holds {wrong[:3]}: each step is one of {list(ACTIONS)}")
    return tuple(plan)


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
        """Types and ranges of every option; a ``ValueError`` naming the option and what it allows."""
        def bad(name, allowed):
            v = getattr(self, name)
            raise ValueError(f"blockdance: option {name}={v!r} ({type(v).__name__}) is not allowed: {name} must be {allowed}")

        if self.inner not in INNER_BACKENDS and not callable(self.inner):
            raise ValueError(f"blockdance: unknown inner backend {self.inner!r}; allowed: {list(INNER_BACKENDS)} or a "
                             "callable (gm, example_inputs) -> callable")
        for name in ("warmup", "stop", "policy_start"):
            if not _is_real(getattr(self, name)):
                bad(name, "a number (a fraction of the steps in [0, 1])")
            if not 0.0 <= getattr(self, name) <= 1.0:
                bad(name, "a fraction of the steps in [0, 1]")
        if not _is_int(self.interval) or self.interval < 1:
            bad("interval", "an integer >= 1 (N: 1 = never reuse, 2 = every other step)")
        if self.boundary is not None and (not _is_int(self.boundary) or self.boundary < 1):
            bad("boundary", "an integer >= 1 (reuse steps skip blocks [0, boundary)) or None for the default")
        if self.num_steps is not None and (not _is_int(self.num_steps) or self.num_steps < 1):
            bad("num_steps", "a positive integer or None")
        if self.reuse not in ("cache", "forecast"):
            bad("reuse", "'cache' or 'forecast'")
        if not _is_int(self.order) or not 1 <= self.order <= 3:
            bad("order", "1, 2 or 3 (the forecast order)")
        if self.step_source not in STEP_SOURCES:
            bad("step_source", f"one of {list(STEP_SOURCES)}")
        if not _is_int(self.calls_per_step) or self.calls_per_step < 1:
            bad("calls_per_step", "an integer >= 1")
        if self.stacks is not None and (isinstance(self.stacks, str) or not isinstance(self.stacks, (list, tuple))
                                        or not all(isinstance(x, str) for x in self.stacks) or not self.stacks):
            bad("stacks", "a non-empty list of module-list names, e.g. ['transformer_blocks'] (not a single string)")
        if not isinstance(self.timestep_arg, str) or not self.timestep_arg:
            bad("timestep_arg", "the name (a string) of the forward argument carrying the timestep")
        if not isinstance(self.fallback, bool):
            bad("fallback", "True or False")
        if self.policy is not None and not callable(self.policy):
            bad("policy", "a callable (inputs, start, num_steps) -> list of actions; see bdcompile.ada.dispatch_policy")
        if self.plan is not None:
            self.plan = parse_plan(self.plan)
        self.schedule()  # validates warmup <= stop and the plan's first step

    def key(self) -> tuple:
        """What identifies this configuration: equal options give equal keys (dynamo shares one compiled
        graph between models compiled with equal options); callables count by identity."""
        out = []
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (list, tuple)):
                v = tuple(v)
            elif callable(v):
                v = ("callable", id(v))
            out.append(v)
        return tuple(out)

    def schedule(self):
        if self.plan is not None:
            return PlanSchedule(tuple(self.plan))
        return StaticSchedule(self.warmup, self.stop, self.interval, FORECAST if self.reuse == "forecast" else REUSE)
