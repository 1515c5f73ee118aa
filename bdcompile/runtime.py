"""The dispatcher: picks the variant for each call of a compiled graph.

The only host-side work per call is choosing which compiled variant to launch.  With
``step_source="timestep"`` that costs one device-to-host read of the timestep per call (free on the
CPU, a sync on a GPU); with ``step_source="counter"`` the step comes from counting calls and there is
no read at all, which is what CUDA graphs need.
"""
from __future__ import annotations

import itertools
import logging
import weakref

import torch

from .inner import LazyVariant, signature
import math

from .schedules import FORECAST, FULL, REUSE, PlanSchedule
from .state import ModelState, SlotCache

log = logging.getLogger(__name__)

__all__ = ["Dispatcher", "lagrange_coefficients"]

_uid = itertools.count()
_clock = itertools.count(1)


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


class Dispatcher:
    """The callable the backend hands back to dynamo for one traced graph."""

    def __init__(self, state: ModelState, variants: dict[str, LazyVariant], num_outputs: int,
                 timestep_index: int | None, input_positions: list[int], report: dict, input_names: list[str] = ()):
        self.uid = next(_uid)
        self.state = state
        self.variants = variants
        self.num_outputs = num_outputs
        self.timestep_index = timestep_index
        self.input_positions = input_positions  # positions of the user's (non-parameter) inputs
        self.report = report
        self.input_names = list(input_names)  # names of the user's inputs, aligned with input_positions
        state.graphs.append(weakref.ref(self))

    # ------------------------------------------------------------------ helpers
    def _read_timestep(self, args) -> float:
        t = args[self.timestep_index]
        if isinstance(t, torch.Tensor):
            self.state.host_reads += 1
            return float(t.reshape(-1)[0].item())
        return float(t)

    def _key(self, args):
        return (self.uid, signature([args[i] for i in self.input_positions]))

    # ------------------------------------------------------------------ call
    def __call__(self, *args):
        st = self.state
        st.last_used = next(_clock)
        if st.settings.step_source == "counter":
            st.advance_counter()
        else:
            st.advance_timestep(self._read_timestep(args))
        if st.settings.policy is not None and st.plan_override is None and st.slot == 0:
            self._ask_policy(args)
        wanted = st.action()
        cache = st.caches.get(st.slot)
        key = self._key(args)
        action = wanted
        if wanted != FULL:
            if cache is None or cache.key != key or cache.generation != st.generation:
                action = FULL  # never reuse values computed for other inputs or another generation
            elif wanted == FORECAST and "forecast" not in self.variants:
                action = REUSE
        st.log.append((st.generation, st.step, st.slot, action, wanted))
        if action == FULL:
            out = self.variants["full"](*args)
            values = list(out[self.num_outputs:])
            history = []
            if cache is not None and cache.key == key and cache.generation == st.generation:
                history = cache.history
            order = st.settings.order if "forecast" in self.variants else 0
            history = ([(st.step, values)] + history)[: order + 1]
            st.caches[st.slot] = SlotCache(key=key, generation=st.generation, step=st.step, values=values, history=history)
            return tuple(out[: self.num_outputs])
        if action == REUSE:
            return tuple(self.variants["reuse"](*args, *cache.values))
        return tuple(self._forecast(args, cache))

    def _ask_policy(self, args) -> None:
        st = self.state
        n = st.num_steps
        if n is None:
            raise ValueError("blockdance: a policy needs the number of steps: options={'num_steps': ...} or bdcompile.attach(pipe)")
        start = math.ceil(st.settings.policy_start * n - 1e-9)
        if st.step >= start:
            inputs = {name: args[i] for name, i in zip(self.input_names, self.input_positions)}
            plan = list(st.settings.policy(inputs, start, n))
            st.plan_override = PlanSchedule(tuple([FULL] * start + plan[start:] if len(plan) == n else [FULL] * start + plan))

    def _forecast(self, args, cache: SlotCache):
        k = st_order = self.state.settings.order + 1
        hist = cache.history[:st_order]
        steps = [h[0] for h in hist]
        coeffs = lagrange_coefficients(self.state.step, steps) + [0.0] * (k - len(hist))
        hist = hist + [hist[0]] * (k - len(hist))
        ref = cache.values[0]
        c = torch.tensor(coeffs, dtype=torch.float32).to(ref.device, non_blocking=True)
        flat = [h[1][i] for i in range(len(cache.values)) for h in hist]
        return self.variants["forecast"](*args, c, *flat)
