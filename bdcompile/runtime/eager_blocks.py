"""Block-level reuse for a model whose forward dynamo runs eagerly.

Some forwards break dynamo's graph *inside the block loop* in a way it cannot resume from (HiDream's MoE
feed-forward calls ``torch.bincount`` in every block; HunyuanVideo-1.5 branches on tensor values before the
blocks; WanAnimate-2's attention graph-breaks). Dynamo then runs the model's forward eagerly and compiles each
block's ``forward`` as a frame of its own (a *fragment*): no graph holds the stack, so the graph passes have
nothing to cut. The forward being Python anyway, BlockDance can still be done one level up, at the calls of the
blocks:

    model forward (eager)             full step                    reuse step (boundary b)
      block_0(h, temb) -> h          run, keep its output         return the kept output, run nothing
      ...                                                         ...
      block_{b-1}(h, temb) -> h      run, keep its output         return the kept output
      block_b(h, temb) -> h          run                          run (h = the kept output of block b-1,
      ...                                                               temb = this step's conditioning)

Blocks are numbered in the order one call runs them (several lists: double- then single-stream blocks). The
step decision, cache identity and generations are the runtime's (:class:`~bdcompile.runtime.step.Track`): a
reuse only reads outputs kept by a full step of the same generation, slot and input signature; anything else
runs in full. Each block still runs as the compiled frame dynamo made of it on computed steps; the wrappers are
excluded from dynamo (``torch._dynamo.disable(recursive=False)``), so deciding costs no recompile. Reuse at a
boundary (``reuse``, ``reuse@b``) and forecasts (``forecast``, ``forecast@b``: each skipped block's output
extrapolated from its outputs on the last ``order + 1`` full steps, TaylorSeer-style) are supported; residual /
adaptive steps run in full here, with one warning.

The same runtime serves *regional compilation* (diffusers' ``compile_repeated_blocks``: each block compiled in
place, the forward plain Python by choice): there the block's compiled call is wrapped (outside the compiled
region, so ``fullgraph=True`` blocks stay one graph), and calls of the model itself are the steps.
"""

from __future__ import annotations

import contextvars
import inspect
import sys
import threading
import warnings
import weakref
from typing import Optional

import torch

from ..keys import signature
from ..options import default_boundary
from ..schedules import FORECAST, FULL, REUSE, parse_action
from .generation import current
from .step import lagrange_coefficients, timestep_value, user_stacklevel

__all__ = ["EagerBlocks", "enable_eager_blocks", "prepare_regional"]

_RUN: contextvars.ContextVar = contextvars.ContextVar("bdcompile_eager_blocks_run", default=None)
_LOCK = threading.Lock()
_GROUP = "blocks"
_TIMESTEP_NAMES = ("timestep", "timesteps", "t")


class _Run:
    """One call of the model: its decision, the next block's number, what a full step keeps."""

    __slots__ = ("owner", "call", "index", "bound", "kept", "prev", "keep_ok", "coeffs", "history")

    def __init__(self, owner, call, bound, prev):
        self.owner, self.call, self.bound, self.prev = owner, call, bound, prev
        self.index = 0
        self.kept: list = []
        self.keep_ok = True
        self.coeffs: Optional[list] = None  # a forecast step: weights of the kept steps' outputs, newest first
        self.history: list = []  # a forecast step: the kept steps' [(block, output)] lists, newest first


class EagerBlocks:
    """The block wrappers and the model's hooks of one configuration of one model instance."""

    def __init__(self, model: torch.nn.Module, config):
        self._model = weakref.ref(model)  # never kept alive by its caches (the instance registry holds this object)
        self.config = config
        self.settings = config.settings
        self.lists: list[str] = []
        self.members: list = []
        self.regional = False  # members compiled in place: their compiled calls are wrapped
        self.keep_history: Optional[dict] = None  # group -> how many older kept steps a forecast extrapolates from
        self.seen_blocks: Optional[int] = None  # how many blocks the first full call ran (None: none seen yet)
        self.needs: Optional[dict] = None
        self.bounds: dict = {}
        self.unsupported: list[str] = []
        self._params = None
        # dynamo would try to compile every Python frame called from the model's (eager) __call__, the hooks too:
        # they and what they call run without it
        self._hooks = [
            model.register_forward_pre_hook(torch._dynamo.disable(self._pre), with_kwargs=True),
            model.register_forward_hook(torch._dynamo.disable(self._post), with_kwargs=True, always_call=True),
        ]

    @property
    def model(self):
        return self._model()

    # ------------------------------------------------------------------ set-up
    def add_list(self, path: str) -> None:
        """Wrap every member of the module list at ``path`` (a list whose block frames dynamo compiles alone).

        A member compiled in place (``block.compile(...)``, as diffusers' ``compile_repeated_blocks`` does) has its
        compiled call wrapped, so the wrapper runs outside the compiled region (a ``fullgraph=True`` block stays
        one graph); any other member has its ``forward`` wrapped (dynamo skips the wrapper's frame only)."""
        if path in self.lists:
            return
        self.lists.append(path)
        for member in self.model.get_submodule(path):
            compiled = member.__dict__.get("_compiled_call_impl")
            if compiled is not None:
                if getattr(compiled, "__bdcompile_block__", None) is member:
                    continue  # wrapped for another configuration: that wrapper serves every configuration
                member._compiled_call_impl = self._wrapper(member, compiled)
                self.regional = True
            elif "forward" in member.__dict__:  # wrapped for another configuration (or by someone else): leave it
                continue
            else:
                member.forward = self._wrapper(member, member.forward)
            self.members.append(member)
        self.needs = None  # plan the boundaries again, with every block known

    def _plan(self) -> None:
        n = sum(len(self.model.get_submodule(p)) for p in self.lists)
        if self.seen_blocks is not None:
            n = min(n, self.seen_blocks)  # blocks a full call ran: a list the input never runs does not count
        b0 = self.settings.boundary if self.settings.boundary is not None else default_boundary(n)
        needs, bounds, unsupported = {}, {}, []
        try:
            self._check_blocks(n)
        except ValueError as e:
            if not self.settings.fallback:
                raise
            warnings.warn(
                f"{e}\nblockdance: every call runs in full (option fallback=True)", stacklevel=user_stacklevel()
            )
            self.needs, self.bounds, self.unsupported = {}, {}, []
            self.num_blocks, self.max_bound, self.b0 = n, 0, b0
            return
        for token in sorted(self.settings.actions()):
            kind, b = parse_action(token)
            if kind not in (REUSE, FORECAST):
                unsupported.append(token)
                continue
            b = b if b is not None else b0
            if not 1 <= b < n:
                why = (
                    f"blockdance: boundary={b} is outside the {n} blocks of {type(self.model).__name__} "
                    f"({', '.join(self.lists)}, cached block by block at their calls): it must be in [1, {n - 1}]; "
                    "reuse steps skip blocks [0, boundary)"
                )
                if not self.settings.fallback:
                    raise ValueError(why)
                warnings.warn(
                    f"{why}\nblockdance: the {token} steps run in full (option fallback=True)",
                    stacklevel=user_stacklevel(),
                )
                continue
            needs[token], bounds[token] = (_GROUP,), b
        self.needs, self.bounds, self.unsupported = needs, bounds, unsupported
        self.num_blocks, self.max_bound, self.b0 = n, max(bounds.values(), default=0), b0
        forecasts = any(parse_action(t)[0] == FORECAST for t in needs)
        self.keep_history = {_GROUP: self.settings.order} if forecasts else None  # kept steps a forecast extrapolates
        if unsupported:
            warnings.warn(
                f"blockdance: {type(self.model).__name__}'s forward runs eagerly (dynamo could not trace it whole), "
                f"so its blocks are cached one by one at their calls: only reuse and forecast steps at a boundary are "
                f"possible there; the {', '.join(unsupported)} steps of this schedule run in full",
                stacklevel=user_stacklevel(),
            )

    def _check_blocks(self, n: int) -> None:
        if n < 2:
            names = ", ".join(f"{p}.{i}" for p in self.lists for i in range(len(self.model.get_submodule(p))))
            raise ValueError(
                f"blockdance: nothing to skip: {type(self.model).__name__} has one transformer block ({names}); "
                "reuse steps skip blocks [0, boundary) and run the rest, so at least two blocks are needed. Pass "
                "options={'fallback': True} to run it plainly."
            )

    # ------------------------------------------------------------------ one call of the model
    def _named(self, args, kwargs) -> dict:
        """The call's arguments by the forward's parameter names (what a ``policy`` reads)."""
        if self._params is None:
            self._params = list(inspect.signature(self.model.forward).parameters)
        return {**dict(zip(self._params, args)), **kwargs}

    def _read_timestep(self, args, kwargs):
        named = self._named(args, kwargs)
        value = next((named[k] for k in (self.settings.timestep_arg,) + _TIMESTEP_NAMES if k in named), None)
        return None if value is None else lambda: timestep_value(value, self.config)

    def _begin(self, args, kwargs, needs):
        """Put one call of the model on the step clock: its decision (a :class:`~bdcompile.runtime.step.Call`)."""
        tensors = [a for a in list(args) + list(kwargs.values()) if isinstance(a, torch.Tensor)]
        track = current(self.config.instance).track(self.config)
        return track.begin(
            signature(tensors), self._read_timestep(args, kwargs), needs, lambda: self._named(args, kwargs)
        )

    def _pre(self, module, args, kwargs):
        key = _calling_config_key(self.model)
        if key is None:
            key = _DIRECT.get(self.model)  # compiled in place (the model, or its blocks): its calls are the steps
        if key is not None and key != self.config.key:
            return  # through the wrapper of another configuration of this model: its own hook decides
        run = _RUN.get()
        while run is not None and run.owner.model is self.model:  # left by a call that raised (an interrupt)
            run = run.prev
        _RUN.set(run)
        if key is None:
            return  # the model called directly: plain eager, as always
        if self.needs is None:
            with _LOCK:
                if self.needs is None:
                    self._plan()
        call = self._begin(args, kwargs, self.needs)
        bound = self.bounds.get(call.action, 0) if call.action != FULL else 0
        run = _Run(self, call, bound, _RUN.get())
        if bound and parse_action(call.action)[0] == FORECAST:
            cache = call.cache
            hist = (cache.history.get(_GROUP) or [(cache.step, cache.groups[_GROUP])])[: self.settings.order + 1]
            run.coeffs = lagrange_coefficients(call.step, [step for step, _ in hist])
            run.history = [values for _, values in hist]
        _RUN.set(run)

    def count_call_in_flight(self) -> None:
        """The call during which dynamo compiled the first block frame (and this object was made) began before the
        hooks existed. It runs in full and keeps nothing; it is put on the step clock here, with the arguments it
        was called with (read from ``Module._call_impl``'s frame of the model, up the Python stack), so the steps
        after it keep their numbers."""
        frame = sys._getframe(1)
        while frame is not None and not (
            frame.f_code.co_name == "_call_impl" and frame.f_locals.get("self") is self.model
        ):
            frame = frame.f_back
        if frame is None:
            return
        args, kwargs = tuple(frame.f_locals.get("args") or ()), dict(frame.f_locals.get("kwargs") or {})
        self._begin(args, kwargs, needs=None)  # needs=None: whatever the plan says, it runs full

    def _post(self, module, args, kwargs, output):
        run = _RUN.get()
        if run is None or run.owner is not self:
            return None
        _RUN.set(run.prev)
        if run.call.action == FULL and run.keep_ok and len(run.kept) >= self.max_bound > 0:
            run.call.keep({_GROUP: run.kept}, self.keep_history)
        if run.call.action == FULL and self.seen_blocks is None and 0 < run.index:
            self.seen_blocks = run.index
            if run.index < self.num_blocks:  # some wrapped list did not run (FLUX.3's image_cond blocks): plan again
                with _LOCK:
                    self.needs = None
        return None

    def _wrapper(self, member, forward):
        model = self._model  # weakly: a kept block output holds its block, whose wrapper must not hold the model

        def eager_block_forward(*args, **kwargs):
            run = _RUN.get()
            if run is None or run.owner._model is not model:
                return forward(*args, **kwargs)
            k = run.index
            run.index += 1
            if k < run.bound:  # (no Python calls here but the block's: dynamo would try to compile their frames)
                if run.coeffs is None:
                    kept_by, out = run.call.cache.groups[_GROUP][k]
                    if kept_by is member:
                        return _copied(out)  # the forward may change it in place: the kept one serves later steps
                elif all(len(h) > k and h[k][0] is member for h in run.history):
                    return _extrapolated(run.coeffs, [h[k][1] for h in run.history])
                run.bound = 0  # the blocks run in another order than on the full step: compute the rest
            out = forward(*args, **kwargs)
            if run.call.action == FULL and k < run.owner.max_bound:
                if len(run.kept) == k:
                    run.kept.append((member, _copied(out)))
                else:
                    run.keep_ok = False
            return out

        # dynamo skips this frame only; the block's own forward, called from it, stays a compiled frame. One wrapper
        # per block serves every configuration of the model: the call's run says which one decided.
        wrapper = torch._dynamo.disable(eager_block_forward, recursive=False)
        wrapper.__bdcompile_block__ = member
        return wrapper

    def describe(self) -> dict:
        return {
            "lists": list(self.lists),
            "blocks": self.num_blocks if self.needs is not None else None,
            "boundaries": dict(self.bounds),
            "unsupported": list(self.unsupported),
            "regional": self.regional,
        }


@torch._dynamo.disable  # called from the wrappers: dynamo would try to compile its frame otherwise
def _extrapolated(coeffs: list, outs: list):
    """``sum_j coeffs[j] * outs[j]`` (a forecast: TaylorSeer-style extrapolation of a block's output from the kept
    steps' outputs, newest first), through tuples, lists and dicts of tensors; anything else is the newest."""
    first = outs[0]
    if isinstance(first, torch.Tensor):
        acc = first * coeffs[0]
        for c, o in zip(coeffs[1:], outs[1:]):
            acc = acc + o * c
        return acc
    if isinstance(first, (tuple, list)):
        parts = [_extrapolated(coeffs, [o[i] for o in outs]) for i in range(len(first))]
        return type(first)(*parts) if hasattr(first, "_fields") else type(first)(parts)
    if isinstance(first, dict):
        return type(first)((k, _extrapolated(coeffs, [o[k] for o in outs])) for k in first)
    return first


@torch._dynamo.disable  # called from the wrappers: dynamo would try to compile its frame otherwise
def _copied(out):
    """``out`` with its tensors copied (tuples, lists and dicts of them too): a kept output is never the object the
    forward goes on computing with, nor one a reuse step hands out."""
    if isinstance(out, torch.Tensor):
        return out.detach().clone()
    if isinstance(out, (tuple, list)):
        return type(out)(_copied(o) for o in out) if not hasattr(out, "_fields") else type(out)(*map(_copied, out))
    if isinstance(out, dict):
        return type(out)((k, _copied(v)) for k, v in out.items())
    return out


_WRAPPER_KEYS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # torch.compile wrapper -> config key
# model -> the configuration its direct calls belong to: the model compiled in place (``model.compile(...)``) or its
# blocks (``compile_repeated_blocks``), no wrapper module on the stack to say which; the newest compile wins
_DIRECT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _calling_config_key(model):
    """The configuration (options key) of the ``torch.compile`` wrapper of ``model`` this call came through: the
    ``OptimizedModule`` up the Python stack whose ``_orig_mod`` is ``model``; None when the model was called
    directly (it then runs plain eager)."""
    frame = sys._getframe(2)
    for _ in range(40):
        if frame is None:
            return None
        obj = frame.f_locals.get("self")
        if obj is not None and obj is not model and getattr(obj, "_orig_mod", None) is model:
            key = _WRAPPER_KEYS.get(obj, _WRAPPER_KEYS)
            if key is _WRAPPER_KEYS:
                from ..api import _config_key

                key = _WRAPPER_KEYS[obj] = _config_key(obj)
            return key
        frame = frame.f_back
    return None


def enable_eager_blocks(model: torch.nn.Module, config, list_path: str, direct: bool = False) -> EagerBlocks:
    """Block-level reuse for ``config`` of ``model`` (whose forward dynamo runs eagerly), covering the module
    list at ``list_path`` too. ``direct``: calls of the model itself are this configuration's steps (it, or its
    blocks, were compiled in place; without it only calls through a ``torch.compile`` wrapper are). Idempotent."""
    with _LOCK:
        if direct:
            _DIRECT[model] = config.key
            config.instance.last_config = config
        eb = config.eager_blocks
        new = eb is None
        if new:
            eb = config.eager_blocks = EagerBlocks(model, config)
        eb.add_list(list_path)
    if new:
        eb.count_call_in_flight()
    return eb


_PREPARED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # model -> its block lists' compiled calls


def prepare_regional(model) -> None:
    """Block caching for a model whose blocks were compiled in place with ``backend="blockdance"`` (diffusers'
    ``compile_repeated_blocks``, or ``block.compile(...)`` for each block), turned on before the model's first
    call: the backend only learns of the model when dynamo compiles a block during a call, and that call could keep
    nothing (a second expert of the same class, Wan 2.2's ``transformer_2``, would then recompute its first reuse
    step). Called when a generation scope opens (``bdcompile.generation``, ``attach``); cheap when nothing
    changed."""
    from ..api import compile_options
    from ..frames import attention_lists, compiled_with_blockdance
    from ..options import Settings
    from .instances import instance_of, unwrap

    model = unwrap(model)
    if not isinstance(model, torch.nn.Module):
        return
    if not any(m.__dict__.get("_compiled_call_impl") is not None for m in model.modules()):
        return  # nothing compiled in place (the common case: a quick look, no module lists walked)
    lists = attention_lists(model)
    calls = tuple(id(m.__dict__.get("_compiled_call_impl")) for path in lists for m in model.get_submodule(path))
    if _PREPARED.get(model) == calls:
        return
    _PREPARED[model] = calls
    for path in lists:
        members = list(model.get_submodule(path))
        opts = [compile_options(m) for m in members if compiled_with_blockdance(m)]
        if not opts or len(opts) != len(members) or any(o != opts[0] for o in opts):
            continue  # not compiled in place with blockdance, all with the same options: the backend decides
        try:
            settings = Settings.from_options(opts[0])
        except ValueError:
            continue  # the backend says why, at the first call
        config = instance_of(model).config(settings.key(), settings)
        if not config.reports:
            enable_eager_blocks(model, config, path, direct=True)
