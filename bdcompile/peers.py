"""Caching strategies applied to a diffusers pipeline, side by side: the references, blockdance, and the peers.

Each constructor returns a :class:`Strategy`: ``name``, ``family``, ``apply(pipe, ctx)`` (mutates a *fresh*
pipeline whose transformer no other strategy shares, and returns it), ``remove(pipe)`` (best effort: hooks
off, the plain transformer back), and after ``apply`` ``compiled`` (whether the transformer runs under
``torch.compile``) with ``why`` (why not, or what the compile costs). The harness (``bdcompile.frontier``)
gives every strategy its own pipeline: hooks live on module instances and cache-dit patches the pipeline
*class*, so one shared pipeline with apply/remove between strategies would leak state between them.

References: ``eager()`` (uncached, the quality reference) and ``inductor()`` (``torch.compile(backend=
"inductor")``, the speed reference).

blockdance: ``blockdance(options)`` compiles the transformer with ``backend="blockdance"`` and the option
dict as it is (``bdcompile.attach(pipe)`` follows the scheduler). The option sets are data
(:data:`BLOCKDANCE_OPTIONS`); new variant kinds of the backend are new dicts, no code here.

Peers (diffusers 0.42 hooks and cache-dit), each compiled with Inductor after its hooks are installed,
unless it cannot be (see each constructor):

- ``first_block_cache(threshold)``: diffusers' FirstBlockCache. Its hooks keep their state per *cache
  context*; pipelines whose transformer has ``CacheMixin`` open ``transformer.cache_context("cond")`` per
  call, SD3's does not (SD3Transformer2DModel has no CacheMixin in diffusers 0.42.1), so the strategy
  wraps each pipeline call in one context ``"cond_uncond"`` (CFG runs as one doubled batch) and resets
  the hooks' state first, as ``maybe_free_model_hooks`` does for CacheMixin models.
- ``taylorseer(...)``: diffusers' TaylorSeerCache. Its default patterns (``^transformer_blocks.*attn``)
  match only the attention modules; ``target="blocks"`` hooks whole blocks (``transformer_blocks.<i>``)
  except the last one, whose ``context_pre_only`` output carries ``None`` that TaylorSeer cannot store.
- ``magcache(threshold)``: diffusers' MagCache, calibrated as documented: one run with
  ``MagCacheConfig(calibrate=True)`` prints the per-step magnitude ratios, which configure the cached run.
- ``pab(...)``: diffusers' PyramidAttentionBroadcast on the joint attentions (SD3's pipeline has no
  ``current_timestep``: the callback reads the pipeline's scheduler).
- ``dbcache(Fn, Bn, threshold)``: cache-dit's DBCache through its generic ``BlockAdapter`` (the blocks
  list and the forward pattern; SD3 blocks return ``(encoder_hidden_states, hidden_states)``:
  ``ForwardPattern.Pattern_1``, which is also what cache-dit's registered SD3 adapter uses).

:func:`default_strategies` is the default set of the frontier; :func:`from_spec` parses
``"kind:key=value,..."`` (``"fbc:threshold=0.1"``, ``"blockdance:interval=3,reuse=forecast"``).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import torch

__all__ = [
    "Strategy",
    "PeerContext",
    "eager",
    "inductor",
    "blockdance",
    "first_block_cache",
    "taylorseer",
    "magcache",
    "pab",
    "dbcache",
    "BLOCKDANCE_OPTIONS",
    "calibrated_plan",
    "default_strategies",
    "from_spec",
    "KINDS",
    "available",
]


@dataclass
class PeerContext:
    """What a strategy may need from the harness when it is applied.

    ``num_steps``: denoising steps of every generation. ``calibrate``: runs the pipeline once on the
    workload's inputs (MagCache's calibration pass)."""

    num_steps: int
    calibrate: Optional[Callable[[Any], Any]] = None


@dataclass
class Strategy:
    name: str
    family: str
    params: dict = field(default_factory=dict)
    compile: bool = True  # requested: torch.compile the transformer after the hooks
    compiled: Optional[bool] = None  # after apply: runs under torch.compile
    why: str = ""  # why it runs eagerly / what the compile costs
    calibration: Any = None  # MagCache: the ratios measured
    _apply: Optional[Callable] = field(default=None, repr=False)
    _remove: Optional[Callable] = field(default=None, repr=False)

    def apply(self, pipe, ctx: PeerContext):
        """Install the strategy on ``pipe`` (a fresh pipeline, not shared) and return it."""
        out = self._apply(self, pipe, ctx)
        return out if out is not None else pipe

    def remove(self, pipe) -> None:
        """Undo ``apply`` as far as the library allows (hooks off, the plain transformer back)."""
        if self._remove is not None:
            self._remove(self, pipe)
        _uncompile(pipe)
        self.compiled = None

    @property
    def label(self) -> str:
        return self.name + ("" if self.compiled is not False else " [eager]")


# ---------------------------------------------------------------------------------------------- helpers
def _raw(pipe):
    """The plain transformer module of ``pipe`` (through a ``torch.compile`` wrapper)."""
    t = pipe.transformer
    return getattr(t, "_orig_mod", t)


def _compile(pipe, strategy: Strategy, backend: str = "inductor", **kw) -> None:
    if strategy.compile:
        pipe.transformer = torch.compile(_raw(pipe), backend=backend, **kw)
        strategy.compiled = True
    else:
        strategy.compiled = False


def _uncompile(pipe) -> None:
    if hasattr(pipe.transformer, "_orig_mod"):
        pipe.transformer = pipe.transformer._orig_mod


def _subclass_pipeline(pipe, attrs: dict, tag: str):
    """Give ``pipe`` a class of its own (same name, signature and module) with ``attrs``: what a library
    patches on the class (cache-dit's ``__call__``) or what we wrap stays with this one instance."""
    cls = type(pipe)
    sub = type(
        cls.__name__,
        (cls,),
        {"__module__": cls.__module__, "__qualname__": cls.__qualname__, f"_peers_{tag}": True, **attrs},
    )
    pipe.__class__ = sub
    return pipe


def _restore_class(pipe, tag: str) -> None:
    cls = type(pipe)
    while getattr(cls, f"_peers_{tag}", False) and f"_peers_{tag}" in cls.__dict__:
        cls = cls.__mro__[1]
    pipe.__class__ = cls


def _diffusers_context(pipe, module, name: str = "cond_uncond"):
    """Each pipeline call: reset the stateful diffusers hooks of ``module`` and run in one cache context."""
    from diffusers.hooks import HookRegistry
    from diffusers.hooks.hooks import CacheContext, _set_cache_context

    HookRegistry.check_if_exists_or_initialize(module).invalidate_child_registries_cache()
    base_call = type(pipe).__call__

    @functools.wraps(base_call)
    def __call__(self, *args, **kwargs):
        registry = HookRegistry.check_if_exists_or_initialize(module)
        registry.reset_stateful_hooks(recurse=True)
        _set_cache_context(module, CacheContext(name, num_inference_steps=kwargs.get("num_inference_steps")))
        try:
            return base_call(self, *args, **kwargs)
        finally:
            _set_cache_context(module, None)

    return _subclass_pipeline(pipe, {"__call__": __call__}, "ctx")


def _remove_diffusers_hooks(names):
    def remove(strategy, pipe):
        from diffusers.hooks import HookRegistry

        module = _raw(pipe)
        registry = HookRegistry.check_if_exists_or_initialize(module)
        for n in names:
            registry.remove_hook(n, recurse=True)
        registry.invalidate_child_registries_cache()
        _restore_class(pipe, "ctx")

    return remove


def _block_lists(module):
    """Names of the module's top-level block lists (diffusers' identifiers)."""
    from diffusers.hooks._common import _ALL_TRANSFORMER_BLOCK_IDENTIFIERS

    return [
        n
        for n, m in module.named_children()
        if n in _ALL_TRANSFORMER_BLOCK_IDENTIFIERS and isinstance(m, torch.nn.ModuleList)
    ]


def _run_tag(compile: bool, default: bool) -> str:
    """Names say when a peer runs otherwise than its default (`` compiled`` / `` eager``)."""
    return "" if bool(compile) == default else (" compiled" if compile else " eager")


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


# ---------------------------------------------------------------------------------------------- references
def eager() -> Strategy:
    """The uncached transformer, uncompiled: the quality reference."""

    def apply(s, pipe, ctx):
        s.compiled = False
        s.why = "reference: uncompiled"

    return Strategy("eager", "reference", {}, compile=False, _apply=apply)


def inductor() -> Strategy:
    """``torch.compile(transformer, backend="inductor")``, uncached: the speed reference."""

    def apply(s, pipe, ctx):
        _compile(pipe, s)

    return Strategy("inductor", "reference", {}, _apply=apply)


# ---------------------------------------------------------------------------------------------- blockdance
# Option sets of the backend, as data: (name, options). The main line adds variant kinds as options
# (reuse="residual", plans, probes, several boundaries); a new entry here is all the harness needs.
BLOCKDANCE_OPTIONS: list[tuple[str, dict]] = [
    ("blockdance paper", {}),  # boundary 9 of 12, warm-up 0.4, stop 0.95, N=2
    ("blockdance N=3", {"interval": 3}),
    ("blockdance N=4 w=0.3", {"interval": 4, "warmup": 0.3}),
    ("blockdance forecast N=3", {"reuse": "forecast", "interval": 3}),
    # deeper boundaries (the embedded MMDiT has 12 blocks: reuse steps skip 11, only the last one runs)
    ("blockdance b=11 N=2", {"boundary": 11}),
    ("blockdance b=11 forecast N=3 w=0.3", {"boundary": 11, "reuse": "forecast", "interval": 3, "warmup": 0.3}),
    # residual reuse: the current input plus what the skipped blocks added at the last full step; a prefix
    # (blocks 0-8 / 0-10) and the whole stack (boundary 12 = every block: the step runs only the embedders)
    ("blockdance residual N=2", {"reuse": "residual"}),
    ("blockdance residual b=11 N=3 w=0.2", {"reuse": "residual", "boundary": 11, "interval": 3, "warmup": 0.2}),
    ("blockdance residual b=12 N=2 w=0.2", {"reuse": "residual", "boundary": 12, "warmup": 0.2, "stop": 1.0}),
    (
        "blockdance residual b=12 N=3 w=0.2",
        {"reuse": "residual", "boundary": 12, "interval": 3, "warmup": 0.2, "stop": 1.0},
    ),
    (
        "blockdance residual b=12 N=3 w=0.15",
        {"reuse": "residual", "boundary": 12, "interval": 3, "warmup": 0.15, "stop": 1.0},
    ),
    # adaptive (FirstBlockCache / DBCache Fn-Bn as one compiled graph, decided inside it with torch.cond):
    # probe blocks P, tail blocks B, threshold on the probe residual's relative change; window from 20% of the steps.
    # The threshold is a constant of the compiled graph: each threshold is one more Inductor compile
    ("blockdance adaptive P1 t=0.2", {"reuse": "adaptive", "threshold": 0.2, "warmup": 0.2, "stop": 1.0}),
    ("blockdance adaptive P1 t=0.5", {"reuse": "adaptive", "threshold": 0.5, "warmup": 0.2, "stop": 1.0}),
    (
        "blockdance adaptive P2 t=0.3",
        {"reuse": "adaptive", "threshold": 0.3, "probe_blocks": 2, "warmup": 0.2, "stop": 1.0},
    ),
    (
        "blockdance adaptive P1B1 t=0.3",
        {"reuse": "adaptive", "threshold": 0.3, "tail_blocks": 1, "warmup": 0.2, "stop": 1.0},
    ),
    # multi-boundary plans (20 steps): 4 full steps, then groups of a full step and skips at different depths
    ("blockdance plan F4(F R12 R12)", {"plan": "FFFF" + "FR12R12" * 5 + "F"}),
    ("blockdance plan F4(F r9 R12)", {"plan": "FFFF" + "Fr9R12" * 5 + "F"}),
    # calibrated static plans (MagCache's rule on the shipped calibration of the workload's step count,
    # bdcompile/zoo/mnist_mmdit_calibration_<steps>.json): residual steps of the whole stack
    ("blockdance calibrated 0.03 K3", {"calibrated": {"threshold": 0.03, "max_skips": 3}}),
    ("blockdance calibrated 0.06 K3", {"calibrated": {"threshold": 0.06, "max_skips": 3}}),
    ("blockdance calibrated 0.1 K2", {"calibrated": {"threshold": 0.1, "max_skips": 2}}),
    ("blockdance calibrated 0.1 K3", {"calibrated": {"threshold": 0.1, "max_skips": 3}}),
    ("blockdance calibrated 0.2 K3", {"calibrated": {"threshold": 0.2, "max_skips": 3}}),
    ("blockdance calibrated 0.4 K5", {"calibrated": {"threshold": 0.4, "max_skips": 5}}),
]


def calibrated_plan(spec: dict, num_steps: int) -> str:
    """The plan string of ``{"calibrated": spec}``: MagCache's rule (``bdcompile.calibrate``) on the shipped
    calibration of the embedded MMDiT at ``num_steps`` (``spec``: threshold, max_skips, retention, boundary)."""
    from .calibrate import plan_from_calibration, shipped

    allowed = {"threshold", "max_skips", "retention", "boundary"}
    if not isinstance(spec, dict) or set(spec) - allowed or "threshold" not in spec:
        raise ValueError(
            f"blockdance calibrated={spec!r}: a dict with threshold and optionally {sorted(allowed - {'threshold'})}"
        )
    return plan_from_calibration(shipped(num_steps), num_steps=num_steps, **spec)


def blockdance(options: dict | None = None, name: str | None = None, inner_compile: bool = True) -> Strategy:
    """``torch.compile(transformer, backend="blockdance", options=options)`` + ``bdcompile.attach(pipe)``.

    ``options`` goes to the backend as it is (any option the backend accepts, including ones added later),
    except ``calibrated``: ``{"threshold": t, "max_skips": K, ...}`` becomes the ``plan`` MagCache's rule derives
    from the shipped calibration at the workload's step count (:func:`calibrated_plan`).
    ``inner_compile=False`` is a test helper: ``inner="eager"`` unless options say otherwise."""
    opts = dict(options or {})
    if not inner_compile:
        opts.setdefault("inner", "eager")
    if name is None:
        name = "blockdance(" + (",".join(f"{k}={_fmt(v)}" for k, v in opts.items()) or "paper") + ")"

    def apply(s, pipe, ctx):
        import bdcompile

        run = dict(opts)
        if "calibrated" in run:  # not a backend option: a plan derived here for the workload's step count
            run["plan"] = calibrated_plan(run.pop("calibrated"), ctx.num_steps)
            s.params["plan"] = run["plan"]
        pipe.transformer = torch.compile(_raw(pipe), backend="blockdance", options=run)
        bdcompile.attach(pipe)
        s.compiled = True
        s.why = "" if opts.get("inner", "inductor") == "inductor" else f"inner={opts.get('inner')}"

    return Strategy(name, "blockdance", opts, _apply=apply)


# ---------------------------------------------------------------------------------------------- diffusers
def first_block_cache(threshold: float = 0.05, compile: bool = True) -> Strategy:
    """diffusers' FirstBlockCache (``apply_first_block_cache``) inside a cache context per pipeline call.

    Compiled: the decision (``_should_compute_remaining_blocks``, a ``.item()``) is
    ``torch.compiler.disable``d, so the forward breaks into pieces around it (counted by the harness)."""

    def apply(s, pipe, ctx):
        from diffusers.hooks import FirstBlockCacheConfig, apply_first_block_cache

        module = _raw(pipe)
        target, kept = _without_pre_only_tail(module)
        apply_first_block_cache(target, FirstBlockCacheConfig(threshold=threshold))
        if kept:
            s.why = (
                f"{kept} always runs (diffusers' FBC cannot cache the None context its context_pre_only block returns)"
            )
        _diffusers_context(pipe, module)
        _compile(pipe, s)

    from_names = ("fbc_leader_block_hook", "fbc_block_hook")
    return Strategy(
        f"FBC({_fmt(threshold)})" + _run_tag(compile, True),
        "diffusers FirstBlockCache",
        {"threshold": threshold},
        compile=compile,
        _apply=apply,
        _remove=_remove_diffusers_hooks(from_names),
    )


def _without_pre_only_tail(module):
    """``(module, None)``, or, when the last block of the module's block list is ``context_pre_only`` (SD3:
    it returns ``None`` for the text stream), a stand-in module holding the same block objects but the last,
    and that block's name: hooks go on the shared blocks, the last block runs as it is on every step.
    diffusers' FirstBlockCache computes the tail residual of both streams and raises ``TypeError``
    (``None - Tensor``) on such a block."""
    stacks = _block_lists(module)
    if len(stacks) != 1:
        return module, None
    blocks = getattr(module, stacks[0])
    if not _last_block_drops_context(blocks[len(blocks) - 1]):
        return module, None
    shim = torch.nn.Module()
    setattr(shim, stacks[0], torch.nn.ModuleList(list(blocks)[:-1]))
    return shim, f"{stacks[0]}.{len(blocks) - 1}"


def taylorseer(
    cache_interval: int = 3,
    disable_before: float = 0.3,
    max_order: int = 1,
    target: str = "blocks",
    compile: bool = True,
) -> Strategy:
    """diffusers' TaylorSeerCache. ``disable_before``: a fraction of the steps (or a step count if >= 1)
    that always compute. ``target``: ``"blocks"`` hooks ``transformer_blocks.<i>`` (all but the last, see the
    module docstring), ``"attn"`` the library's default patterns (attention modules only).

    Compiled: ``_measure_should_compute`` and ``predict`` are ``torch.compiler.disable``d (one break per hooked
    module per call)."""

    def apply(s, pipe, ctx):
        from diffusers.hooks import TaylorSeerCacheConfig, apply_taylorseer_cache

        module = _raw(pipe)
        before = int(round(disable_before * ctx.num_steps)) if disable_before < 1 else int(disable_before)
        ids = None
        if target == "blocks":
            ids = []
            for stack in _block_lists(module):
                n = len(getattr(module, stack))
                last = n - 1 if _last_block_drops_context(getattr(module, stack)[n - 1]) else n
                ids += [rf"{re.escape(stack)}\.{i}" for i in range(last)]
        cfg = TaylorSeerCacheConfig(
            cache_interval=cache_interval,
            disable_cache_before_step=before,
            max_order=max_order,
            taylor_factors_dtype=torch.float32,
            cache_identifiers=ids,
        )
        apply_taylorseer_cache(module, cfg)
        hooked = [
            n
            for n, m in module.named_modules()
            if "taylorseer_cache" in getattr(getattr(m, "_diffusers_hook", None), "hooks", {})
        ]
        if not hooked:
            raise RuntimeError(f"TaylorSeer({target}) hooked no module of {type(module).__name__}")
        s.params["hooked_modules"] = len(hooked)
        s.params["disable_cache_before_step"] = before
        _diffusers_context(pipe, module)
        _compile(pipe, s)

    return Strategy(
        f"TaylorSeer({target},N={cache_interval},O={max_order})" + _run_tag(compile, True),
        "diffusers TaylorSeerCache",
        {"cache_interval": cache_interval, "disable_before": disable_before, "max_order": max_order, "target": target},
        compile=compile,
        _apply=apply,
        _remove=_remove_diffusers_hooks(("taylorseer_cache",)),
    )


def _last_block_drops_context(block) -> bool:
    return bool(getattr(block, "context_pre_only", False))


def magcache(
    threshold: float = 0.06,
    max_skip_steps: int = 3,
    retention_ratio: float = 0.2,
    compile: bool = False,
    mag_ratios=None,
) -> Strategy:
    """diffusers' MagCache, calibrated on the workload: a first run with ``calibrate=True`` (no skipping)
    prints the per-step magnitude ratios; they configure the cached run (or pass ``mag_ratios``).

    Eager by default: every MagCache block hook's ``new_forward`` is ``torch.compiler.disable``d, so under
    ``torch.compile`` the blocks (all the work) run eagerly anyway, plus the dynamo pieces between them
    (``compile=True`` measures that)."""

    def apply(s, pipe, ctx):
        from diffusers.hooks import MagCacheConfig, apply_mag_cache

        module = _raw(pipe)
        ratios = mag_ratios if mag_ratios is not None else s.calibration
        if ratios is None:
            if ctx.calibrate is None:
                raise ValueError("MagCache needs a calibration run (PeerContext.calibrate) or mag_ratios")
            apply_mag_cache(module, MagCacheConfig(calibrate=True, num_inference_steps=ctx.num_steps))
            _diffusers_context(pipe, module)
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                ctx.calibrate(pipe)
            ratios = _parse_mag_ratios(buf.getvalue())
            _remove_diffusers_hooks(("mag_cache_leader_block_hook", "mag_cache_block_hook"))(s, pipe)
            s.calibration = ratios
        apply_mag_cache(
            module,
            MagCacheConfig(
                threshold=threshold,
                max_skip_steps=max_skip_steps,
                retention_ratio=retention_ratio,
                num_inference_steps=ctx.num_steps,
                mag_ratios=torch.tensor(ratios),
            ),
        )
        _diffusers_context(pipe, module)
        _compile(pipe, s)
        if not s.compile:
            s.why = "its block hooks are torch.compiler.disable'd: compiled, the blocks would still run eagerly"

    return Strategy(
        f"MagCache({_fmt(threshold)},K={max_skip_steps})" + _run_tag(compile, False),
        "diffusers MagCache",
        {"threshold": threshold, "max_skip_steps": max_skip_steps, "retention_ratio": retention_ratio},
        compile=compile,
        _apply=apply,
        _remove=_remove_diffusers_hooks(("mag_cache_leader_block_hook", "mag_cache_block_hook")),
    )


def _parse_mag_ratios(text: str) -> list[float]:
    """The list MagCache prints after ``[MagCache] Calibration Complete`` (the documented calibration output)."""
    m = re.search(r"Calibration Complete[^\n]*\n\s*(\[[^\]]*\])", text)
    if not m:
        raise RuntimeError(f"MagCache calibration printed no ratios: {text[-300:]!r}")
    return [float(x) for x in ast.literal_eval(m.group(1))]


def pab(skip_range: int = 2, timestep_range: tuple = (100, 800), compile: bool = False) -> Strategy:
    """diffusers' PyramidAttentionBroadcast on the joint (spatial) self-attentions: within the timestep
    range, attention runs every ``skip_range``-th call and is reused in between.

    Eager by default: the hook keeps a Python counter per attention module (``state.iteration``) that
    dynamo guards on, and the timestep callback reads the scheduler; compiled, every call recompiles until
    ``recompile_limit`` and then runs eagerly anyway (``compile=True`` measures that)."""

    def apply(s, pipe, ctx):
        from diffusers.hooks import PyramidAttentionBroadcastConfig, apply_pyramid_attention_broadcast

        module = _raw(pipe)
        sched_pipe = pipe

        def current_timestep():
            sch = sched_pipe.scheduler
            i = sch.step_index if getattr(sch, "step_index", None) is not None else 0
            return float(sch.timesteps[min(i, len(sch.timesteps) - 1)])

        cfg = PyramidAttentionBroadcastConfig(
            spatial_attention_block_skip_range=skip_range,
            spatial_attention_timestep_skip_range=tuple(timestep_range),
            current_timestep_callback=current_timestep,
        )
        apply_pyramid_attention_broadcast(module, cfg)
        hooked = [
            n
            for n, m in module.named_modules()
            if "pyramid_attention_broadcast" in getattr(getattr(m, "_diffusers_hook", None), "hooks", {})
        ]
        if not hooked:
            raise RuntimeError(f"PAB hooked no attention of {type(module).__name__}")
        s.params["hooked_modules"] = len(hooked)
        _diffusers_context(pipe, module)
        _compile(pipe, s)
        if not s.compile:
            s.why = "a Python counter per hooked attention is guarded by dynamo: every call would recompile"

    return Strategy(
        f"PAB(N={skip_range},t={timestep_range[0]}-{timestep_range[1]})" + _run_tag(compile, False),
        "diffusers PAB",
        {"skip_range": skip_range, "timestep_range": list(timestep_range)},
        compile=compile,
        _apply=apply,
        _remove=_remove_diffusers_hooks(("pyramid_attention_broadcast",)),
    )


# ---------------------------------------------------------------------------------------------- cache-dit
def _import_cache_dit():
    os.environ.setdefault("CACHE_DIT_LOG_LEVEL", "warning")
    try:
        import cache_dit
    except ImportError as e:
        raise ImportError("cache-dit is not installed: pip install 'bdcompile[peers]' (see README: peers)") from e
    return cache_dit


def dbcache(
    Fn: int = 1,
    Bn: int = 0,
    threshold: float = 0.08,
    warmup: float = 0.2,
    max_continuous: int = -1,
    compile: bool = True,
    forward_pattern: str = "Pattern_1",
) -> Strategy:
    """cache-dit's DBCache: the first ``Fn`` blocks always run; the relative L1 change of their residual
    against the previous step's decides (``<= threshold``) whether blocks ``Fn .. n-Bn`` are replaced by the
    cached residual; the last ``Bn`` blocks always run. ``warmup``: steps that always compute, a fraction
    of the steps (or a count if >= 1).

    Applied through cache-dit's generic ``BlockAdapter`` (blocks + forward pattern), then compiled as
    cache-dit recommends (``torch.compile(transformer)`` after ``enable_cache``); its decisions are
    ``torch.compiler.disable``d host reads, so the forward breaks around them. The pipeline gets a class
    of its own first: cache-dit patches ``type(pipe).__call__``."""

    def apply(s, pipe, ctx):
        cache_dit = _import_cache_dit()
        from cache_dit import BlockAdapter, DBCacheConfig, ForwardPattern

        module = _raw(pipe)
        stacks = _block_lists(module)
        if len(stacks) != 1:
            raise RuntimeError(f"dbcache: expected one block list, found {stacks}")
        w = int(round(warmup * ctx.num_steps)) if warmup < 1 else int(warmup)
        s.params["max_warmup_steps"] = w
        _subclass_pipeline(pipe, {}, "cachedit")
        adapter = BlockAdapter(
            pipe=pipe,
            transformer=module,
            blocks=getattr(module, stacks[0]),
            forward_pattern=getattr(ForwardPattern, forward_pattern),
            check_forward_pattern=True,
        )
        cfg = DBCacheConfig(
            Fn_compute_blocks=Fn,
            Bn_compute_blocks=Bn,
            residual_diff_threshold=threshold,
            max_warmup_steps=w,
            max_continuous_cached_steps=max_continuous,
            num_inference_steps=ctx.num_steps,
            enable_separate_cfg=False,
        )
        cache_dit.enable_cache(adapter, cache_config=cfg)
        _compile(pipe, s)

    def remove(s, pipe):
        cache_dit = _import_cache_dit()
        _uncompile(pipe)
        cache_dit.disable_cache(pipe)
        _restore_class(pipe, "cachedit")

    mc = "" if max_continuous < 0 else f",MC{max_continuous}"
    return Strategy(
        f"DBCache(F{Fn}B{Bn},{_fmt(threshold)}{mc})" + _run_tag(compile, True),
        "cache-dit DBCache",
        {"Fn": Fn, "Bn": Bn, "threshold": threshold, "warmup": warmup, "max_continuous": max_continuous},
        compile=compile,
        _apply=apply,
        _remove=remove,
    )


def available(kind: str) -> tuple[bool, str]:
    """Whether a peer family can run here (cache-dit is an optional extra)."""
    if kind == "dbcache":
        try:
            _import_cache_dit()
        except ImportError as e:
            return False, str(e)
    return True, ""


# ---------------------------------------------------------------------------------------------- sets
def default_strategies(peers: bool = True) -> list[Strategy]:
    """The default set of ``bdcompile frontier``: references, every blockdance option set, and each peer at
    several thresholds (cache-dit's only if installed)."""
    out = [eager(), inductor()]
    out += [blockdance(o, name=n) for n, o in BLOCKDANCE_OPTIONS]
    if not peers:
        return out
    # thresholds chosen on the embedded MMDiT (20 steps): FBC 0.05 and DBCache 0.08 never skip a step there
    out += [first_block_cache(t) for t in (0.1, 0.2, 0.3)]
    out += [taylorseer(3, target="blocks"), taylorseer(4, target="blocks"), taylorseer(3, target="attn")]
    out += [magcache(t) for t in (0.03, 0.06, 0.1)]
    out += [pab(2)]
    if available("dbcache")[0]:
        out += [dbcache(1, 0, 0.12), dbcache(1, 0, 0.2), dbcache(1, 0, 0.3), dbcache(2, 2, 0.3)]
    return out


KINDS: dict[str, Callable[..., Strategy]] = {
    "eager": eager,
    "inductor": inductor,
    "blockdance": blockdance,
    "fbc": first_block_cache,
    "taylorseer": taylorseer,
    "magcache": magcache,
    "pab": pab,
    "dbcache": dbcache,
}


def _value(v: str):
    v = v.strip()
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    if "-" in v and all(p.strip().isdigit() for p in v.split("-")):
        return tuple(int(p) for p in v.split("-"))
    return v


def from_spec(spec: str) -> Strategy:
    """``"kind"`` or ``"kind:key=value,key=value"``: ``eager``, ``inductor``, ``blockdance:interval=3``,
    ``fbc:threshold=0.1``, ``taylorseer:cache_interval=4,target=attn``, ``magcache:threshold=0.1``,
    ``pab:skip_range=3,timestep_range=100-900``, ``dbcache:Fn=1,Bn=0,threshold=0.2``; ``compile=false`` runs a
    peer eagerly. A name of the default set (``"blockdance N=3"``, ``"FBC(0.1)"``) also works."""
    for s in default_strategies(peers=True):
        if s.name == spec:
            return s
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown strategy {spec!r}: kinds are {sorted(KINDS)} (or a name of the default set)")
    kw = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        if "=" not in part:
            raise ValueError(f"strategy {spec!r}: expected key=value, got {part!r}")
        k, v = part.split("=", 1)
        kw[k.strip()] = _value(v)
    if kind == "blockdance":
        return blockdance(kw)
    return KINDS[kind](**kw)
