"""Per-model step state: where in a generation each call falls, and the per-call-slot caches.

Dynamo calls the backend again whenever it retraces (a new batch size or resolution), so nothing that
must outlive one graph lives in the graph's dispatcher: the state is per model, found through the
model's parameters, and shared by every graph compiled for it.
"""
from __future__ import annotations

import collections
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Optional

from .schedules import FULL

__all__ = ["ModelState", "SlotCache", "state_for_parameters", "find_state"]

_REGISTRY: dict[int, list] = {}  # id(parameter) -> [(weakref to it, ModelState)], one per compile options
_LOCK = threading.RLock()  # re-entrant: a finalizer (_forget) may run from GC while the lock is held


@dataclass
class SlotCache:
    """Cut values computed by one full step of one call slot, and what they are valid for."""

    key: Any  # (graph uid, input signature)
    generation: int
    step: int
    values: list
    history: list = field(default_factory=list)  # [(step, values)] newest first, for forecasting


class ModelState:
    """Step tracking and caches of one compiled model.

    A *generation* is one denoising run; a *step* is one timestep of it; a *slot* is the position of
    a call within a step (0 for a single call, 0/1 for classifier-free guidance run as two calls).
    New generations start on ``reset()`` (called by ``attach``'s hook on ``scheduler.set_timesteps``),
    after ``num_steps`` steps, or when the timestep moves against the generation's direction.
    """

    def __init__(self):
        self.settings = None
        self.generation = 0
        self.step = -1
        self.slot = 0
        self.calls = 0
        self.last_t: Optional[float] = None
        self.first_t: Optional[float] = None
        self.direction = 0  # -1 descending, +1 ascending, 0 unknown
        self.window_open_step: Optional[int] = None
        self.timesteps: Optional[list] = None  # from an attached scheduler
        self.caches: dict[int, SlotCache] = {}
        self.graphs: list = []  # weakrefs to dispatchers
        self.log = collections.deque(maxlen=100_000)
        self.plan_override = None  # a per-generation plan (e.g. from the Ada policy)
        self.host_reads = 0
        self.options_id = None  # id of the torch.compile options dict this state serves (None: not yet known)
        self.last_used = 0.0

    # ---------------------------------------------------------------- generations and steps
    def reset(self, timesteps=None) -> None:
        """Start a new generation (drops every cache)."""
        self.generation += 1
        self.step = -1
        self.slot = 0
        self.calls = 0
        self.last_t = None
        self.first_t = None
        self.direction = 0
        self.window_open_step = None
        self.plan_override = None
        self.caches.clear()
        if timesteps is not None:
            self.timesteps = [float(t) for t in timesteps]

    @property
    def num_steps(self) -> Optional[int]:
        if self.timesteps is not None:
            return len(self.timesteps)
        return self.settings.num_steps if self.settings is not None else None

    def advance_counter(self) -> None:
        s = self.settings
        n = self.num_steps
        if n is None:
            raise ValueError("blockdance: step_source='counter' needs num_steps (options={'num_steps': ...}) or bdcompile.attach(pipe)")
        if self.calls >= n * s.calls_per_step:
            self.reset()
        self.step, self.slot = divmod(self.calls, s.calls_per_step)
        self.calls += 1

    def advance_timestep(self, t: float) -> None:
        n = self.num_steps
        if self.last_t is None:
            if self.step >= 0:  # a reset happened mid-way; keep counting from a clean generation
                pass
            self._start_step(t, first=True)
            return
        if t == self.last_t:
            self.slot += 1
            return
        new_dir = 1 if t > self.last_t else -1
        ended = n is not None and self.step + 1 >= n
        if ended or (self.direction != 0 and new_dir != self.direction):
            self.reset()
            self._start_step(t, first=True)
            return
        self.direction = new_dir
        self._start_step(t, first=False)

    def _start_step(self, t: float, first: bool) -> None:
        self.step = 0 if first else self.step + 1
        self.slot = 0
        self.last_t = t
        if first:
            self.first_t = t

    # ---------------------------------------------------------------- schedule
    def action(self) -> str:
        """What the schedule asks for at the current step."""
        sched = self.plan_override or self.settings.schedule()
        n = self.num_steps
        if n is not None or not hasattr(sched, "action_in_window"):
            return sched.action(self.step, n)
        # Neither num_steps nor an attached scheduler: map the fractions onto the timestep range,
        # assuming the timestep runs from its first value down to 0 (diffusers' convention).
        if not self.first_t:
            return FULL
        progress = 1.0 - self.last_t / self.first_t
        if progress < sched.warmup or progress >= sched.stop:
            return FULL
        if self.window_open_step is None:
            self.window_open_step = self.step
        return sched.action_in_window(self.step - self.window_open_step)


def _params(obj):
    import torch

    if isinstance(obj, torch.nn.Module):
        return list(getattr(obj, "_orig_mod", obj).parameters())
    return [p for p in obj if isinstance(p, torch.nn.Parameter)]


def compile_options(obj):
    """The ``options`` dict a ``torch.compile``-wrapped module was made with (None if not found)."""
    backend = getattr(getattr(getattr(obj, "dynamo_ctx", None), "callback", None), "_torchdynamo_orig_backend", None)
    for _ in range(6):
        if backend is None:
            return None
        kwargs = getattr(backend, "kwargs", None)
        if isinstance(kwargs, dict):
            return kwargs.get("options")
        backend = getattr(backend, "_torchdynamo_orig_backend", None) or getattr(backend, "compiler_fn", None)
    return None


def _forget(key: int, state_ref) -> None:
    with _LOCK:
        entries = [e for e in _REGISTRY.get(key, []) if e[1] is not state_ref()]
        if entries:
            _REGISTRY[key] = entries
        else:
            _REGISTRY.pop(key, None)


def _states(params) -> list:
    found = []
    for p in params:
        for ref, st in _REGISTRY.get(id(p), []):
            if ref() is p and st not in found:
                found.append(st)
        if found:
            break
    return found


def find_state(model_or_params, options=None) -> Optional[ModelState]:
    """The state of a compiled model: the one made for its ``options`` (read from a compiled wrapper),
    else the one used last."""
    if options is None and not isinstance(model_or_params, (list, tuple)):
        options = compile_options(model_or_params)
    with _LOCK:
        states = _states(_params(model_or_params))
    if not states:
        return None
    for st in states:
        if options is not None and st.options_id == id(options):
            return st
    return max(states, key=lambda st: st.last_used)


def state_for_parameters(model_or_params, options=None) -> ModelState:
    """The state of the model owning these parameters, compiled with these options; made on first use."""
    params = _params(model_or_params)
    if not params:
        raise ValueError("blockdance: the compiled graph has no parameters to identify its model by")
    with _LOCK:
        for st in _states(params):
            if st.options_id in (id(options), None):
                st.options_id = id(options)
                return st
        st = ModelState()
        st.options_id = id(options)
        for p in params:
            _REGISTRY.setdefault(id(p), []).append((weakref.ref(p), st))
            weakref.finalize(p, _forget, id(p), weakref.ref(st))
    return st
