"""Which model instance a call is for, found at call time.

Dynamo hands one compiled graph to every instance of a model class whose compile options are
equal (the parameters are graph inputs and the guards pass), so nothing may bind state to a graph.
A dispatcher instead looks at the parameter tensors it receives: each parameter maps to the
:class:`Instance` of the model that owns it.  An exported runner is its own instance.

An instance is found from its owner (a module, a ``torch.compile`` wrapper, a pipeline's
transformer, a runner) by :func:`instance_of`, and from a parameter tensor by :func:`for_tensor`.
Parameters replaced after compiling (``load_state_dict(assign=True)``) are re-linked to their
module's instance the first time a call brings them, if the module is known (it was passed to
``explain``, ``reset``, ``attach`` or ``generation``); otherwise they start a new instance.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from typing import Optional

import torch

__all__ = ["Instance", "Config", "instance_of", "for_tensor", "find_instance", "unwrap"]

_LOCK = threading.RLock()  # re-entrant: a weakref callback can run from GC inside a locked section
_BY_PARAM: dict[int, tuple] = {}  # id(parameter) -> (weakref to it, Instance)
_BY_OWNER: "weakref.WeakKeyDictionary[object, Instance]" = weakref.WeakKeyDictionary()
_ids = itertools.count(1)


class Config:
    """One compiled configuration (options) of one instance: its settings, schedule and telemetry.

    ``log`` holds ``(generation, step, slot, action, wanted)`` for every call, newest last.
    """

    __slots__ = (
        "instance",
        "settings",
        "schedule",
        "key",
        "log",
        "host_reads",
        "reports",
        "warned",
        "_generations",
        "last_num_steps",
        "last_plan",
        "pieces",
        "fragments",
        "skip_flags",
        "dispatchers",
        "eager_blocks",
        "__weakref__",
    )

    def __init__(self, instance, key, settings):
        import collections

        self.instance = instance
        self.key = key
        self.settings = settings
        self.schedule = settings.schedule()
        self.log = collections.deque(maxlen=100_000)
        self.host_reads = 0
        self.reports: dict = {}  # graph uid -> report (the graphs that served this instance)
        self.warned: set = set()
        self._generations = itertools.count()
        self.last_num_steps = settings.num_steps
        self.last_plan = None  # the newest generation's plan (a learned plan differs per generation)
        self.pieces: list = []  # graph-broken forward: pieces compiled plainly (no blocks, or a split stack)
        self.fragments: list = []  # block frames compiled on their own (recompile limit, breaks)
        self.skip_flags = collections.deque(maxlen=10_000)  # adaptive steps: skipped? (bools or 0-d device tensors)
        self.dispatchers = weakref.WeakSet()  # the compiled graphs that served this configuration
        self.eager_blocks = None  # block-level reuse when dynamo runs the forward eagerly (runtime/eager_blocks.py)

    def next_generation(self) -> int:
        return next(self._generations)

    @property
    def generation(self) -> int:
        """The number of the newest generation (-1 before the first call)."""
        return self.log[-1][0] if self.log else -1


class Instance:
    """One model instance (or exported runner): its configurations, its unscoped generation and
    the schedulers it follows (``attach``)."""

    def __init__(self, owner=None, name: str = "model"):
        from .generation import Generation

        self.uid = next(_ids)
        self.name = name
        self._owner = weakref.ref(owner) if owner is not None else None
        self.configs: dict = {}
        self.last_config: Optional[Config] = None
        self.ambient = Generation(self)  # calls outside any generation scope
        self.schedulers: "weakref.WeakSet" = weakref.WeakSet()
        self.fallbacks: list = []  # why calls ran uncached without reaching the backend (dynamo's recompile limit)
        self.warned_uncompiled = False  # warned: an attached pipeline ran it without backend="blockdance"

    @property
    def owner(self):
        return self._owner() if self._owner is not None else None

    def config(self, key, settings) -> Config:
        cfg = self.configs.get(key)
        if cfg is None:
            with _LOCK:
                cfg = self.configs.setdefault(key, Config(self, key, settings))
        return cfg

    def find_config(self, key=None) -> Optional[Config]:
        """The configuration for ``key`` (options content); without one, the one used last."""
        if key is not None and key in self.configs:
            return self.configs[key]
        return self.last_config

    def scheduler(self):
        """The attached scheduler, if any (the first one still alive)."""
        for s in self.schedulers:
            return s
        return None

    def __repr__(self) -> str:
        return f"Instance({self.name}#{self.uid}, configs={len(self.configs)})"


def unwrap(obj):
    """The module behind a ``torch.compile`` wrapper (``OptimizedModule._orig_mod``)."""
    while isinstance(obj, torch.nn.Module) and hasattr(obj, "_orig_mod"):
        obj = obj._orig_mod
    return obj


def _params(module) -> list:
    return list(module.parameters()) if isinstance(module, torch.nn.Module) else []


def _drop(key: int, ref) -> None:
    with _LOCK:
        entry = _BY_PARAM.get(key)
        if entry is not None and entry[0] is ref:
            del _BY_PARAM[key]


def _register(inst: Instance, params) -> None:
    for p in params:
        key = id(p)
        entry = _BY_PARAM.get(key)
        if entry is not None and entry[0]() is p:
            if entry[1] is inst:
                continue
        ref = weakref.ref(p, lambda r, k=key: _drop(k, r))
        _BY_PARAM[key] = (ref, inst)


def _by_param(t) -> Optional[Instance]:
    entry = _BY_PARAM.get(id(t))
    if entry is not None and entry[0]() is t:
        return entry[1]
    return None


def find_instance(obj) -> Optional[Instance]:
    """The instance of a module / compiled wrapper / runner, or None if it never ran nor was registered."""
    obj = unwrap(obj)
    with _LOCK:
        inst = _BY_OWNER.get(obj) if _weakrefable(obj) else None
        if inst is not None:
            _register(inst, _params(obj))  # parameters replaced since (load_state_dict(assign=True))
            return inst
        for p in _params(obj):
            inst = _by_param(p)
            if inst is not None:
                _adopt(inst, obj)
                return inst
    return None


def instance_of(obj) -> Instance:
    """The instance of a module / compiled wrapper / runner; made (and its parameters registered) if new."""
    inst = find_instance(obj)
    if inst is not None:
        return inst
    obj = unwrap(obj)
    with _LOCK:
        inst = Instance(owner=obj, name=type(obj).__name__)
        if _weakrefable(obj):
            _BY_OWNER[obj] = inst
        _register(inst, _params(obj))
    return inst


def _adopt(inst: Instance, obj) -> None:
    if inst.owner is None:
        inst._owner = weakref.ref(obj)
        inst.name = type(obj).__name__
    if _weakrefable(obj) and _BY_OWNER.get(obj) is None:
        _BY_OWNER[obj] = inst


def _weakrefable(obj) -> bool:
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


def for_tensor(t, params) -> Instance:
    """The instance owning parameter ``t`` (the dispatcher's call-time lookup). ``params``: every
    parameter the call received, registered together when the instance is new."""
    inst = _by_param(t)
    if inst is not None:
        return inst
    with _LOCK:
        inst = _by_param(t)
        if inst is not None:
            return inst
        for owner, known in list(_BY_OWNER.items()):  # a known module whose parameters were replaced
            if isinstance(owner, torch.nn.Module) and any(p is t for p in owner.parameters()):
                _register(known, _params(owner))
                return known
        inst = Instance(name="model")
        _register(inst, params)
    return inst
