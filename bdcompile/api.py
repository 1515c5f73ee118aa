"""The small public API around the backend: generation scopes, attach a pipeline, reset, explain."""

from __future__ import annotations

import functools
import types
import weakref

from .runtime.generation import GenerationScope, _models_of, current, generation
from .runtime.instances import find_instance, instance_of
from .schedules import block_evaluations, plan_string, theoretical_speedup

__all__ = ["attach", "explain", "reset", "generation"]


def compile_options(obj):
    """The ``options`` dict a ``torch.compile``-wrapped module (or one compiled in place) was made with (None if not
    found)."""
    from .frames import dynamo_context

    backend = getattr(getattr(dynamo_context(obj), "callback", None), "_torchdynamo_orig_backend", None)
    for _ in range(6):
        if backend is None:
            return None
        kwargs = getattr(backend, "kwargs", None)
        if isinstance(kwargs, dict):
            return kwargs.get("options")
        backend = getattr(backend, "_torchdynamo_orig_backend", None) or getattr(backend, "compiler_fn", None)
    return None


def _config_key(obj):
    from .options import Settings

    opts = compile_options(obj)
    if opts is None:
        return None
    try:
        return Settings.from_options(opts).key()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------- attach
_FOLLOWERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # scheduler -> WeakSet of instances
_HOOKS: dict = {}


def _scheduler_hooks(cls):
    """``(set_timesteps, step)`` for schedulers of class ``cls``: every ``step`` is one step of the current
    generation of each instance following the scheduler, ``set_timesteps`` starts a new one. They are bound
    to the scheduler object itself (instance attributes), never by changing its class: pipelines compare
    ``type(self.scheduler)`` with a scheduler class (BriaPipeline). Same signatures (diffusers'
    ``retrieve_timesteps`` inspects ``set_timesteps`` for ``sigmas`` / ``timesteps``); a deep copy of the
    scheduler (diffusion forcing steps one per frame) gets the hooks bound to the copy, which nothing follows."""
    hooks = _HOOKS.get(cls)
    if hooks is None:

        @functools.wraps(cls.set_timesteps)
        def set_timesteps(self, *args, **kwargs):
            own = self.__dict__.get("_bd_own_set_timesteps")
            out = own(*args, **kwargs) if own is not None else cls.set_timesteps(self, *args, **kwargs)
            for inst in list(_FOLLOWERS.get(self, ())):
                current(inst).restart()
            return out

        @functools.wraps(cls.step)
        def step(self, *args, **kwargs):
            own = self.__dict__.get("_bd_own_step")
            out = own(*args, **kwargs) if own is not None else cls.step(self, *args, **kwargs)
            for inst in list(_FOLLOWERS.get(self, ())):
                current(inst).scheduler_steps += 1
            return out

        hooks = _HOOKS[cls] = (set_timesteps, step)
    return hooks


def _hook_scheduler(scheduler, insts) -> None:
    if not scheduler.__dict__.get("_bd_hooked", False):  # once: a user's own wrapper of step (set later) stays
        for name, hook in zip(("set_timesteps", "step"), _scheduler_hooks(type(scheduler))):
            own = scheduler.__dict__.get(name)  # a wrapper the user set on the object before: the hook calls it
            if own is not None:
                setattr(scheduler, f"_bd_own_{name}", own)
            setattr(scheduler, name, types.MethodType(hook, scheduler))
        scheduler._bd_hooked = True
    followers = _FOLLOWERS.get(scheduler)
    if followers is None:
        followers = _FOLLOWERS[scheduler] = weakref.WeakSet()
    for inst in insts:
        for other in list(inst.schedulers):
            if other is not scheduler:  # the pipeline's scheduler was replaced: follow the new one only
                inst.schedulers.discard(other)
                _FOLLOWERS.get(other, set()).discard(inst)
        inst.schedulers.add(scheduler)
        followers.add(inst)


_ATTACHED_CLASSES: dict = {}


def _attached_class(cls):
    """A subclass of the pipeline class whose ``__call__`` runs in a generation scope of the
    pipeline's transformer(s); same name, signature and docstring."""
    sub = _ATTACHED_CLASSES.get(cls)
    if sub is None:
        base_call = cls.__call__

        @functools.wraps(base_call)
        def __call__(self, *args, **kwargs):
            models = _models_of(self)
            _hook_scheduler(self.scheduler, [instance_of(m) for m in models])
            with GenerationScope(*models):
                return base_call(self, *args, **kwargs)

        sub = type(
            cls.__name__,
            (cls,),
            {
                "__call__": __call__,
                "__module__": cls.__module__,
                "__qualname__": cls.__qualname__,
                "_bd_attached": True,
            },
        )
        _ATTACHED_CLASSES[cls] = sub
    return sub


def attach(pipe, model=None):
    """Follow a diffusers pipeline: every ``pipe(...)`` call runs in its own generation (a scope:
    concurrent calls in threads or asyncio tasks never share caches, a cancelled call's caches die
    with it), and the step is the number of ``pipe.scheduler.step`` calls so far, so schedule
    fractions are exact for any scheduler (shifted flow matching, ascending timesteps, Heun's two
    evaluations per step) and no timestep is read on the host.

    ``model``: the denoiser to follow (default: the pipeline's ``transformer`` / ``transformer_2`` /
    ``unet``). Returns the pipeline. Call it after ``pipe.transformer = torch.compile(...)``; calling
    it again (e.g. after replacing the scheduler) is harmless.
    """
    models = [model] if model is not None else _models_of(pipe)
    _hook_scheduler(pipe.scheduler, [instance_of(m) for m in models])
    if not getattr(type(pipe), "_bd_attached", False):
        pipe.__class__ = _attached_class(type(pipe))
    return pipe


# ---------------------------------------------------------------------------------------------- reset
def _instance(model, required: bool = True):
    models = _models_of(model)
    inst = find_instance(models[0])
    if inst is None and required:
        raise ValueError(
            f"blockdance: {type(models[0]).__name__} has not been compiled with backend='blockdance' and "
            "run yet (torch.compile(model, backend='blockdance', ...) then call it)"
        )
    return inst, models[0]


def reset(model) -> None:
    """Start a new generation explicitly (drops every cache of the model's current generation)."""
    for m in _models_of(model):
        inst = find_instance(m)
        if inst is not None:
            current(inst).restart()


# ---------------------------------------------------------------------------------------------- explain
class Explanation(dict):
    """What the backend did: a dict with a readable ``str()``."""

    def __str__(self) -> str:
        lines = []
        for i, g in enumerate(self.get("graphs", [])):
            lines.append(f"graph {i}: inputs {g['inputs']}, inner={g['inner']}")
            lines.append(f"  stacks found: {g['stacks']}  ({len(g['blocks'])} blocks in execution order)")
            lines.append(
                f"  boundary: {g['boundary']}  (reuse skips blocks {g['blocks'][0]} .. "
                f"{g['blocks'][g['boundary'] - 1]})"
            )
            lines.append(
                "  cut: " + ", ".join(f"{c['node']}{list(c['shape']) if c['shape'] else ''}" for c in g["cut"])
            )
            lines.append("  nodes: " + ", ".join(f"{k}={v}" for k, v in g["nodes"].items()))
        if self.get("plan"):
            p = self["plan"]
            lines.append("plan: " + plan_string(p) + f"  ({len(p)} steps, F=full r=reuse f=forecast)")
            if self.get("theoretical_speedup"):
                lines.append(
                    f"block evaluations: {self['block_evaluations']} of {self['block_evaluations_full']}"
                    f"  -> theoretical speedup {self['theoretical_speedup']:.3f}x"
                )
        if self.get("adaptive_skips"):
            lines.append(
                f"adaptive steps: {self['adaptive_skip_count']} of {len(self['adaptive_skips'])} skipped the "
                "rest of the stack"
            )
        for p in self.get("pieces", []):
            lines.append(f"uncached piece of a graph-broken forward: {p['frame']} ({p['why'][:160]})")
        eb = self.get("eager_blocks")
        if eb:
            how = "blocks compiled in place" if eb.get("regional") else "forward run eagerly by dynamo"
            lines.append(
                f"{how}: blocks cached at their calls ({eb['blocks']} blocks of "
                f"{', '.join(eb['lists'])}; boundaries {eb['boundaries']})"
            )
        for f in self.get("fragments", []):
            if f.get("cached"):
                lines.append(f"  a block's frame (the block is cached at its calls): {f['frame']} ({f['module']})")
            else:
                lines.append(f"uncached fragment: {f['frame']} ({f['module']}): {f['why'][:160]}")
        for f in self.get("fallbacks", []):
            if f.get("kind") == "recompile_limit":
                lines.append(
                    f"uncached (dynamo's recompile limit, {f['entries']} of {f['limit']} entries): "
                    "calls ran eagerly, the backend never saw them"
                )
        lines.append(
            f"calls: {self.get('calls', 0)} ({self.get('calls_by_action', {})}), "
            f"host reads: {self.get('host_reads', 0)}"
        )
        return "\n".join(lines)


def explain(model, num_steps: int | None = None) -> Explanation:
    """Blocks found, cut, node counts per variant, the step plan and what ran so far, for this
    model instance (a compiled model, its module, a pipeline or an exported runner)."""
    from .frames import limit_fallback

    inst, m = _instance(model, required=False)
    cfg = inst.find_config(_config_key(m)) if inst is not None else None
    fallbacks = list(inst.fallbacks) if inst is not None else []
    if cfg is None:
        live = limit_fallback(m)  # dynamo ran it eagerly from its first call on: the backend never saw it
        if live is not None and not fallbacks:
            fallbacks.append(live)
        if fallbacks:
            return Explanation(
                graphs=[],
                generation=-1,
                host_reads=0,
                pieces=[],
                fragments=[],
                fallbacks=fallbacks,
                adaptive_skips=[],
                calls=0,
                calls_by_action={},
                log=[],
            )
        _instance(model)  # raises: never compiled with backend='blockdance' and run
        raise ValueError(f"blockdance: {type(m).__name__} has not been run through backend='blockdance' yet")
    graphs = list(cfg.reports.values())
    # uncached because of dynamo's recompile limit: calls that never reached the backend, and block frames it
    # compiled one by one (fragments) because the model's forward hit the limit
    fallbacks += [dict(f, kind="recompile_limit_fragment") for f in cfg.fragments if f.get("recompile_limit")]
    out = Explanation(
        graphs=graphs,
        generation=cfg.generation,
        host_reads=cfg.host_reads,
        pieces=list(cfg.pieces),
        fragments=list(cfg.fragments),
        fallbacks=fallbacks,
    )
    if cfg.eager_blocks is not None:
        out["eager_blocks"] = cfg.eager_blocks.describe()
    n = num_steps or cfg.last_num_steps
    if n:
        plan = cfg.last_plan if cfg.last_plan is not None and len(cfg.last_plan) == n else cfg.schedule.plan(n)
        out["plan"] = plan
        if graphs or cfg.eager_blocks is not None and cfg.eager_blocks.needs is not None:
            eb = cfg.eager_blocks
            nb, b = (len(graphs[-1]["blocks"]), graphs[-1]["boundary"]) if graphs else (eb.num_blocks, eb.b0)
            out["block_evaluations"] = block_evaluations(plan, nb, b)
            out["block_evaluations_full"] = n * nb
            out["theoretical_speedup"] = theoretical_speedup(plan, nb, b)
    counts: dict[str, int] = {}
    for entry in cfg.log:
        counts[entry[3]] = counts.get(entry[3], 0) + 1
    if cfg.skip_flags:  # adaptive steps: read the devices' skip flags now, not on the hot path
        out["adaptive_skips"] = [bool(f) for f in cfg.skip_flags]
        out["adaptive_skip_count"] = sum(out["adaptive_skips"])
    else:
        out["adaptive_skips"] = []
    out["calls"] = len(cfg.log)
    out["calls_by_action"] = counts
    out["log"] = list(cfg.log)
    return out
