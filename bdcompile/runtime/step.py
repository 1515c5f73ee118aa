"""The one step decision: for a call in a generation, which step and slot it is, which variant runs,
and which cache (if any) it reads.

A :class:`Track` is one generation of one compiled configuration of one instance. Its clock turns
calls into (step, slot): a *step* is one denoising step, a *slot* the position of a call within it
(0 for a single call, 0/1 for classifier-free guidance run as two calls). Each slot keeps the cut
values of its last full step (:class:`SlotCache`). :meth:`Track.begin` makes the decision and
returns a :class:`Call`; after running the variant, a full step hands its cut values to
:meth:`Call.keep`. The backend's dispatcher, the exported runners and the Ada training environment
all decide through this code.

The clock, in order of precedence:

* an attached scheduler (``bdcompile.attach``): the step is the number of ``scheduler.step`` calls
  so far in the generation; a call between two of them is the next slot. No timestep read.
* ``step_source="counter"``: calls are counted, ``calls_per_step`` per step; after ``num_steps``
  steps a new generation starts.
* ``step_source="timestep"``: a call whose timestep differs from the previous one is the next step,
  an equal timestep the next slot; after ``num_steps`` steps, or when the timestep moves against the
  generation's direction, a new generation starts. More than ``MAX_SLOTS`` calls at one timestep
  (one-step generations at a constant timestep) also start a new one.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, Optional

from ..schedules import FULL

__all__ = ["Track", "SlotCache", "Call", "lagrange_coefficients", "MAX_SLOTS"]

MAX_SLOTS = 16


def lagrange_coefficients(target: int, steps: list[int]) -> list[float]:
    """Weights ``c`` such that ``sum_j c[j] * f(steps[j])`` extrapolates a polynomial through the
    points to ``target`` (finite-difference Taylor expansion, TaylorSeer-style)."""
    out = []
    for j, sj in enumerate(steps):
        c = 1.0
        for m, sm in enumerate(steps):
            if m != j:
                c *= (target - sm) / (sj - sm)
        out.append(c)
    return out


def timestep_value(t, config) -> float:
    """A call's timestep as a number (a tensor's first element: one host read, counted on ``config``)."""
    import torch

    if isinstance(t, torch.Tensor):
        config.host_reads += 1
        return float(t.reshape(-1)[0].item())
    return float(t)


def user_stacklevel() -> int:
    """The ``stacklevel`` of a warning that points at the code calling the compiled model: the frame
    above the outermost frame of torch or bdcompile (the model's own forward runs inside them)."""
    import os
    import sys

    import torch

    inside = (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(__file__)))
    frame, level, outermost = sys._getframe(1), 1, 1
    while frame is not None:
        if frame.f_code.co_filename.startswith(inside):
            outermost = level
        frame, level = frame.f_back, level + 1
    return outermost + 1


class SlotCache:
    """What one slot's last full step left for later steps, and what it is valid for.

    ``groups``: name -> values (``"v@b"`` cut values at boundary ``b``, ``"r@b"`` their residuals,
    ``"h"`` / ``"t"`` an adaptive step's probe and tail residuals); ``history``: name -> ``[(step,
    values)]``, newest first, for the groups a forecast extrapolates from."""

    __slots__ = ("key", "step", "groups", "history")

    def __init__(self, key, step: int, groups: dict, history: dict):
        self.key = key
        self.step = step
        self.groups = groups
        self.history = history


def _detached(values: list) -> list:
    # a cache never holds an autograd graph: a per-step backward in training mode must not reach
    # into the previous step's graph (gradients do not flow into skipped blocks on reuse steps)
    return [v.detach() if getattr(v, "requires_grad", False) else v for v in values]


class Call:
    """The decision for one call: ``action`` runs; ``cache`` feeds it when it is not full."""

    __slots__ = ("track", "generation", "step", "slot", "action", "wanted", "cache", "key")

    def __init__(self, track, generation, step, slot, action, wanted, cache, key):
        self.track = track
        self.generation = generation
        self.step = step
        self.slot = slot
        self.action = action
        self.wanted = wanted
        self.cache = cache
        self.key = key

    def values(self, group: str) -> list:
        return self.cache.groups[group]

    def keep(self, groups: dict, history: Optional[dict] = None, merge: bool = False) -> None:
        """After a step that computed cache values: they become the slot's cache. ``history``: group ->
        how many older values a forecast needs (kept newest first); ``merge``: keep the slot's other
        groups (an adaptive step refreshes only its own)."""
        tr = self.track
        if tr.gen_id != self.generation:
            return  # the generation was restarted (or closed) while this call ran
        old = self.cache if self.cache is not None and self.cache.key == self.key else None
        new_groups = dict(old.groups) if merge and old is not None else {}
        new_history = dict(old.history) if merge and old is not None else {}
        for name, values in groups.items():
            new_groups[name] = _detached(list(values))
        for name, order in (history or {}).items():
            if name in groups:
                before = old.history.get(name, []) if old is not None else []
                new_history[name] = ([(self.step, new_groups[name])] + before)[: order + 1]
        tr.caches[self.slot] = SlotCache(self.key, self.step, new_groups, new_history)

    def forecast_inputs(self, group: str, order: int, make_coeffs: Callable):
        """(coefficients, history values flattened cut-value-major, newest first) for the forecast
        variant: ``order + 1`` points, the newest repeated where fewer full steps exist yet."""
        k = order + 1
        hist = self.cache.history[group][:k]
        coeffs = lagrange_coefficients(self.step, [h[0] for h in hist]) + [0.0] * (k - len(hist))
        hist = hist + [hist[0]] * (k - len(hist))
        n = len(self.cache.groups[group])
        return make_coeffs(coeffs), [h[1][i] for i in range(n) for h in hist]


class Track:
    """One generation of one compiled configuration: the step clock and the slot caches."""

    __slots__ = (
        "generation",
        "config",
        "gen_id",
        "num_steps",
        "plan",
        "policy_asked",
        "step",
        "slot",
        "calls",
        "last_t",
        "first_t",
        "direction",
        "window_open_step",
        "caches",
    )

    def __init__(self, generation, config):
        self.generation = generation
        self.config = config
        self._start()

    # ------------------------------------------------------------------ generations
    def _start(self) -> None:
        self.gen_id = self.config.next_generation()
        self.step = -1
        self.slot = 0
        self.calls = 0
        self.last_t: Optional[float] = None
        self.first_t: Optional[float] = None
        self.direction = 0
        self.window_open_step: Optional[int] = None
        self.caches: dict = {}
        self.policy_asked = False
        self.num_steps = self._resolve_num_steps()
        self.plan = self.config.schedule.plan(self.num_steps) if self.num_steps is not None else None
        if self.num_steps is not None:
            self.config.last_num_steps = self.num_steps
            self.config.last_plan = self.plan

    def _resolve_num_steps(self) -> Optional[int]:
        gen = self.generation
        if gen.num_steps is not None:
            return gen.num_steps
        sched = gen.instance.scheduler()
        if sched is not None:
            ts = getattr(sched, "timesteps", None)
            if ts is not None and len(ts):
                begin = getattr(sched, "_begin_index", None) or 0
                return max(1, len(ts) - begin)
        settings = self.config.settings
        if settings.num_steps is None and settings.plan is not None:
            return len(settings.plan)  # an explicit plan is one generation
        return settings.num_steps

    def restart(self) -> None:
        self._start()

    # ------------------------------------------------------------------ clock
    def _advance(self, read_t) -> None:
        gen = self.generation
        if gen.instance.schedulers:
            s = gen.scheduler_steps
            if s == self.step:
                self.slot += 1
            else:
                if s < self.step:  # the scheduler restarted without set_timesteps: a new generation
                    self._start()
                self.step, self.slot = s, 0
        elif self.config.settings.step_source == "counter" or read_t is None:
            n = self.num_steps
            if n is None:
                why = "step_source='counter'" if read_t is not None else "a graph without a timestep input"
                raise ValueError(
                    f"blockdance: {why} counts calls, which needs the number of steps: "
                    "options={'num_steps': ...}, bdcompile.generation(model, num_steps=...) or "
                    "bdcompile.attach(pipe)"
                )
            cps = self.config.settings.calls_per_step
            if self.calls >= n * cps:
                self._start()
            self.step, self.slot = divmod(self.calls, cps)
            self.calls += 1
            return
        else:
            t = read_t()
            if self.slot + 1 >= MAX_SLOTS and t == self.last_t:  # many calls at one timestep: one-step
                self._start()  # generations, not slots of one step
            if self.last_t is None:
                self._first_step(t)
            elif t == self.last_t:
                self.slot += 1
            else:
                new_dir = 1 if t > self.last_t else -1
                n = self.num_steps
                if (n is not None and self.step + 1 >= n) or (self.direction != 0 and new_dir != self.direction):
                    self._start()
                    self._first_step(t)
                else:
                    self.direction = new_dir
                    self.step += 1
                    self.slot = 0
                    self.last_t = t
            return
        if self.slot >= MAX_SLOTS:  # a scheduler that is not stepped: start over rather than grow
            self._start()
            self.step, self.slot = gen.scheduler_steps, 0

    def _first_step(self, t: float) -> None:
        self.step, self.slot = 0, 0
        self.last_t = self.first_t = t

    # ------------------------------------------------------------------ schedule
    def wanted(self) -> str:
        if self.plan is not None:
            return self.plan[self.step] if 0 <= self.step < len(self.plan) else FULL
        sched = self.config.schedule
        if not hasattr(sched, "action_in_window"):
            return sched.action(self.step, None)
        # no step count known: map the fractions onto the timestep range, assuming the timestep runs
        # from its first value down to 0 (diffusers' convention)
        if not self.first_t or self.last_t is None:
            return FULL
        progress = 1.0 - self.last_t / self.first_t
        if progress < sched.warmup or progress >= sched.stop:
            return FULL
        if self.window_open_step is None:
            self.window_open_step = self.step
        return sched.action_in_window(self.step - self.window_open_step)

    def set_plan(self, plan) -> None:
        """A per-generation plan (BlockDance-Ada): replaces the schedule for the rest of this generation."""
        from ..schedules import PlanSchedule

        self.plan = PlanSchedule(tuple(plan)).plan(max(len(plan), self.num_steps or 0))
        self.config.last_plan = self.plan

    # ------------------------------------------------------------------ the decision
    _CLOCK = (
        "step",
        "slot",
        "calls",
        "last_t",
        "first_t",
        "direction",
        "window_open_step",
        "gen_id",
        "num_steps",
        "plan",
        "policy_asked",
        "caches",
    )

    def snapshot(self) -> tuple:
        """The clock as it is (to undo a call a server refuses after deciding it)."""
        return tuple(getattr(self, k) for k in self._CLOCK)

    def restore(self, snap: tuple) -> None:
        for k, v in zip(self._CLOCK, snap):
            setattr(self, k, v)

    def begin(self, key, read_t=None, needs=None, policy_inputs=None, force=None) -> Call:
        """Advance the clock for one call and decide what runs.

        key            what a cache must have been made for: (graph, input shapes/dtypes/devices)
        read_t         ``() -> float``: the call's timestep (only read in timestep mode); None when the
                       caller has no timestep input (then calls are counted)
        needs          action -> the cache groups it reads, for every action this caller can run
                       (an action it cannot run, or whose groups the slot lacks, runs in full)
        policy_inputs  ``() -> dict`` of the call's inputs by name, for a ``policy`` option
        force          an action the caller asks for instead of the schedule's (a server's client may);
                       a reuse is still only granted with a valid cache
        """
        self._advance(read_t)
        cfg = self.config
        settings = cfg.settings
        if settings.policy is not None and not self.policy_asked and self.slot == 0:
            self._ask_policy(policy_inputs)
        wanted = force or self.wanted()
        cache = self.caches.get(self.slot)
        action = wanted
        if wanted != FULL:
            groups = needs.get(wanted) if needs is not None else None
            if groups is None or cache is None or cache.key != key or any(g not in cache.groups for g in groups):
                action = FULL  # never reuse values made for other inputs, another graph or generation
            elif not self.generation.scoped and self.num_steps is None and not self.generation.instance.schedulers:
                self._warn_unscoped()
        cfg.log.append((self.gen_id, self.step, self.slot, action, wanted))
        return Call(self, self.gen_id, self.step, self.slot, action, wanted, cache, key)

    def _ask_policy(self, policy_inputs) -> None:
        n = self.num_steps
        if n is None:
            raise ValueError(
                "blockdance: a policy needs the number of steps: options={'num_steps': ...}, "
                "bdcompile.generation(model, num_steps=...) or bdcompile.attach(pipe)"
            )
        start = math.ceil(self.config.settings.policy_start * n - 1e-9)
        if self.step >= start:
            self.policy_asked = True
            plan = list(self.config.settings.policy(policy_inputs() if policy_inputs else {}, start, n))
            self.set_plan([FULL] * start + (plan[start:] if len(plan) == n else plan))

    def _warn_unscoped(self) -> None:
        cfg = self.config
        if "unscoped" in cfg.warned:
            return
        cfg.warned.add("unscoped")
        warnings.warn(
            "blockdance: reusing cached features outside any generation scope, with no attached scheduler and no "
            "num_steps: a new generation is only recognised when the timestep moves back against its direction, so a "
            "cancelled generation followed by one that starts lower, or two interleaved requests, would share caches. "
            "Wrap each generation in `with bdcompile.generation(model):`, or call bdcompile.attach(pipe).",
            stacklevel=user_stacklevel(),
        )
