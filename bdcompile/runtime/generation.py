"""Generations and generation scopes.

A *generation* is one denoising run of one model instance: the caches of every compiled
configuration of that instance during the run (one :class:`~bdcompile.runtime.step.Track` each).
Caches never outlive their generation and are never seen by another one.

``with bdcompile.generation(model):`` opens an explicit generation (a *scope*). Scopes live in a
``contextvars.ContextVar``: a scope opened in one thread or asyncio task is invisible to the others,
so concurrent requests on one compiled model never see each other's caches. ``bdcompile.attach(pipe)``
opens one around every ``pipe.__call__``. Calls outside any scope share the instance's *ambient*
generation, whose start is detected by heuristics (see the README's "Never a stale cache").
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
from typing import Optional

__all__ = ["Generation", "GenerationScope", "generation", "current", "active_for"]

_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("bdcompile_generations", default=None)


class Generation:
    """The caches of one generation of one instance, one track per compiled configuration.

    ``scheduler_steps`` counts the attached scheduler's ``step`` calls in this generation: with
    ``attach``, that count is the step (no timestep read, exact for any scheduler, Heun included).
    """

    __slots__ = ("instance", "num_steps", "tracks", "scheduler_steps", "scoped", "closed", "__weakref__")

    def __init__(self, instance, num_steps: Optional[int] = None, scoped: bool = False):
        self.instance = instance
        self.num_steps = num_steps
        self.tracks: dict = {}
        self.scheduler_steps = 0
        self.scoped = scoped
        self.closed = False

    def track(self, config):
        tr = self.tracks.get(config.key)
        if tr is None:
            from .step import Track

            tr = self.tracks[config.key] = Track(self, config)
        return tr

    def restart(self) -> None:
        """A new generation from here on: drop every cache and the step count."""
        self.tracks.clear()
        self.scheduler_steps = 0

    def close(self) -> None:
        self.restart()
        self.closed = True

    @property
    def clocked(self) -> bool:
        """Steps come from an attached scheduler's ``step`` calls."""
        return bool(self.instance.schedulers)

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("scoped" if self.scoped else "ambient")
        return f"Generation({self.instance!r}, {state}, tracks={len(self.tracks)})"


def current(instance) -> Generation:
    """The generation a call on ``instance`` belongs to in this context."""
    active = _ACTIVE.get()
    if active:
        gen = active.get(instance)
        if gen is not None:
            return gen
    return instance.ambient


def active_for(instance) -> Optional[Generation]:
    """The scoped generation of ``instance`` in this context, or None."""
    active = _ACTIVE.get()
    return active.get(instance) if active else None


def _models_of(obj) -> list:
    """The denoisers a scope covers: a pipeline's transformer(s), or the object itself."""
    import torch

    from .instances import unwrap

    if isinstance(obj, (list, tuple)):
        return [m for o in obj for m in _models_of(o)]
    if isinstance(unwrap(obj), torch.nn.Module) or hasattr(obj, "__bdcompile_instance__"):
        return [obj]
    components = getattr(obj, "components", None)  # a diffusers pipeline (or anything with a transformer)
    get = components.get if isinstance(components, dict) else (lambda name: getattr(obj, name, None))
    found = [m for m in (get(name) for name in _DENOISERS) if m is not None]
    if found:
        return found
    raise TypeError(
        f"blockdance: expected a diffusers pipeline, a (compiled) model or an exported runner; got "
        f"{type(obj).__name__}, which has no transformer"
    )


_DENOISERS = ("transformer", "transformer_2", "unet", "prior", "decoder")


class GenerationScope:
    """An explicit generation of one or more models (see :func:`generation`)."""

    def __init__(self, *models, num_steps: Optional[int] = None):
        if num_steps is not None and (not isinstance(num_steps, int) or isinstance(num_steps, bool) or num_steps < 1):
            raise ValueError(f"blockdance: generation(num_steps=...) must be a positive integer; got {num_steps!r}")
        if not models:
            raise TypeError("blockdance: generation(model) needs the model (or pipeline, or exported runner)")
        self._models = models
        self.num_steps = num_steps
        self._gens: Optional[dict] = None
        self._tokens: list = []
        self.closed = False

    def _open(self) -> dict:
        if self.closed:
            raise RuntimeError(
                "blockdance: this generation is closed (its caches are freed); open a new one with "
                "bdcompile.generation(model)"
            )
        if self._gens is None:
            from .eager_blocks import prepare_regional
            from .instances import instance_of

            gens = {}
            for m in _models_of(list(self._models)):
                prepare_regional(m)
                inst = instance_of(m)
                gens[inst] = Generation(inst, self.num_steps, scoped=True)
            self._gens = gens
        return self._gens

    @property
    def generations(self) -> list:
        return list(self._open().values())

    def __enter__(self) -> "GenerationScope":
        gens = self._open()
        self._tokens.append(_ACTIVE.set({**(_ACTIVE.get() or {}), **gens}))
        return self

    def __exit__(self, *exc) -> None:
        _ACTIVE.reset(self._tokens.pop())
        if not self._tokens:
            if exc[0] is None:
                self._note_uncached()
            self.close()

    def _note_uncached(self) -> None:
        """A model none of whose calls in this generation reached the backend: because its class's forward reached
        dynamo's recompile limit (dynamo runs it eagerly and never calls the backend again for it), or because it
        was never compiled with backend="blockdance" although its attached pipeline ran steps (``torch.compile``
        without the backend, or no ``torch.compile`` at all). Warn once per instance; the first is recorded for
        ``explain``."""
        if self._gens is None:
            return
        import warnings

        from ..frames import limit_fallback
        from .instances import find_instance, unwrap
        from .step import user_stacklevel

        for m in _models_of(list(self._models)):
            inst = find_instance(m)
            gen = self._gens.get(inst) if inst is not None else None
            if gen is None or gen.tracks:
                continue  # it ran through the backend in this generation
            fb = limit_fallback(m)
            if fb is None and not inst.configs and gen.scheduler_steps:
                if not inst.warned_uncompiled:
                    inst.warned_uncompiled = True
                    warnings.warn(
                        f"blockdance: the attached pipeline ran {gen.scheduler_steps} steps but no call of its "
                        f"{type(unwrap(m)).__name__} ran through backend='blockdance' (compiled with another backend "
                        "or not at all, or the backend fell back), so nothing was cached: compile it with "
                        "pipe.transformer = torch.compile(pipe.transformer, backend='blockdance') before "
                        "bdcompile.attach(pipe)",
                        stacklevel=user_stacklevel(),
                    )
                continue
            if fb is None or any(f.get("kind") == fb["kind"] for f in inst.fallbacks):
                continue
            inst.fallbacks.append(fb)
            warnings.warn(fb["why"], stacklevel=user_stacklevel())

    @contextlib.contextmanager
    def resume(self):
        """Make this generation current again without closing it at the end (a server runs the
        steps of one generation as separate requests): ``with gen.resume(): model(...)``."""
        gens = self._open()
        token = _ACTIVE.set({**(_ACTIVE.get() or {}), **gens})
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    def close(self) -> None:
        """Free the caches; the generation cannot be resumed afterwards."""
        if self._gens is not None:
            for g in self._gens.values():
                g.close()
        self.closed = True

    def __call__(self, fn):
        """As a decorator: every call of ``fn`` runs in a new generation of the same models."""
        models, num_steps = self._models, self.num_steps

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args, **kwargs):
                with GenerationScope(*models, num_steps=num_steps):
                    return await fn(*args, **kwargs)

            return run_async

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with GenerationScope(*models, num_steps=num_steps):
                return fn(*args, **kwargs)

        return run

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self._gens is not None else "new")
        return f"bdcompile.generation({', '.join(type(m).__name__ for m in self._models)}, {state})"


def generation(*models, num_steps: Optional[int] = None) -> GenerationScope:
    """One generation of ``models`` (a compiled model, a pipeline, an exported runner).

        with bdcompile.generation(pipe.transformer):      # caches belong to this block and die with it
            for t in timesteps: ...
        @bdcompile.generation(model)                       # every call of run() is a new generation
        def run(...): ...
        gen = bdcompile.generation(runner)                 # a server: one generation over many requests
        with gen.resume(): runner(...)
        gen.close()

    Scopes are per thread / asyncio task (``contextvars``): concurrent generations on one model are
    isolated. ``num_steps`` fixes the number of steps of this generation (else: the attached
    scheduler, then the ``num_steps`` option).
    """
    return GenerationScope(*models, num_steps=num_steps)
