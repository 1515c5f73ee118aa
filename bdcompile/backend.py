"""The ``blockdance`` torch.compile backend: a thin chain of named steps.

regions -> cut -> variants -> (lazy) inner compile -> dispatcher
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import warnings
from typing import Optional

import torch
import torch.fx as fx
from torch._dynamo.exc import ShortenTraceback

from .frames import (
    TracedFrame,
    attention_lists,
    compiled_in_place,
    find_enclosing_model,
    locate_parent,
    module_holding,
    traced_frame,
)
from .inner import LazyVariant, resolve_inner
from .options import Settings, default_boundary
from .passes import (
    CacheGroup,
    NoBlockStackError,
    find_block_regions,
    find_cut,
    forecast_pass,
    full_pass,
    make_adaptive,
    residual_bases,
    residual_pass,
    reuse_pass,
    run_passes,
)
from .runtime import Dispatcher, instance_of
from .runtime.execute import VariantSet
from .runtime.step import user_stacklevel
from .schedules import ADAPTIVE, RESIDUAL, REUSE, action_token, parse_action

log = logging.getLogger(__name__)

__all__ = ["blockdance", "build", "BlockDanceValueError", "BlockDanceImportError"]


class _Unwrapped(ShortenTraceback):
    """Dynamo re-raises a ``ShortenTraceback`` as it is: the user gets our message as a plain
    ``ValueError`` / ``ImportError``, without dynamo's wrapper and its "report a bug" footer."""

    def __init__(self, message: str):
        super().__init__(message, first_useful_frame=None)
        self.msg = message  # ImportError's attribute, which dynamo reads from exceptions it passes on

    def remove_dynamo_frames(self):
        return self


class BlockDanceValueError(_Unwrapped, ValueError):
    """Bad options, or a graph that cannot be rewritten (no block stack, bad boundary, uncachable cut)."""


class BlockDanceImportError(_Unwrapped, ImportError):
    """An optional dependency (torch-tensorrt, ...) is missing; the message says what to install."""


def _user_input_positions(gm: fx.GraphModule) -> list[int]:
    phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    return [i for i, n in enumerate(phs) if not n.name.lower().startswith("l_self_")]


def _derived_int(node: fx.Node) -> bool:
    """A symbolic int input that dynamo derives from a tensor input (its size, stride or storage offset),
    or whose source is unknown: it says nothing a cache is valid for (the tensor's shape is in the key, its
    strides and storage offset do not change its values). Pipelines pass ``timesteps[i]`` as a view at
    storage offset ``i``: after a recompile that offset is such an input, new every step."""
    if not isinstance(node.meta.get("example_value"), torch.SymInt):
        return False
    source = getattr(node.meta.get("grapharg"), "source", None)
    if source is None:
        return True
    try:
        from torch._dynamo.source import TensorPropertySource
    except ImportError:  # pragma: no cover - private API
        return True
    while source is not None:
        if isinstance(source, TensorPropertySource):
            return True
        source = getattr(source, "base", None)
    return False


def _key_positions(gm: fx.GraphModule, timestep_index: int | None) -> list[int]:
    """The user inputs that identify what a cache is valid for (``Track.begin``'s key): tensors (shape, dtype,
    device) and user ints, not symbolic ints derived from tensors (:func:`_derived_int`) and not the value of
    a non-tensor timestep (the clock reads it; a reuse step by definition runs at another timestep)."""
    phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    out = []
    for i in _user_input_positions(gm):
        if _derived_int(phs[i]):
            continue
        if i == timestep_index and not isinstance(phs[i].meta.get("example_value"), torch.Tensor):
            continue
        out.append(i)
    return out


def _param_positions(example_inputs) -> list[int]:
    """Positions of the parameters among the graph inputs: they tell the dispatcher which instance calls."""
    return [i for i, x in enumerate(example_inputs) if isinstance(x, torch.nn.Parameter)]


def _user_input_names(gm: fx.GraphModule) -> list[str]:
    phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    names = []
    for i in _user_input_positions(gm):
        name = phs[i].name
        name = name[2:] if name.lower().startswith("l_") else name
        # a forward wrapped to take **kwargs (diffusers' SD3 / Flux transformers, called by keyword from
        # their pipelines) names its inputs "L_kwargs_<name>_": the policy reads them by <name>
        name = name[len("kwargs_") :] if name.lower().startswith("kwargs_") else name
        names.append(name[:-1] if name.endswith("_") else name)
    return names


def _timestep_index(gm: fx.GraphModule, name: str) -> int | None:
    phs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    for i, n in enumerate(phs):
        if n.name.lower() in (f"l_{name}_".lower(), name.lower(), f"l_kwargs_{name}_".lower()):
            return i
    return None


@dataclasses.dataclass
class Built:
    """What the passes made of one traced graph: the variant graphs and how the runtime feeds them.

    graphs   variant name -> graph: "full", one per skip action ("reuse@9", "residual@12", ...),
             "adaptive" (or "adaptive_probe" / "adaptive_compute" / "adaptive_skip" when decided on the host)
    layout   the full variant's outputs after the model's own: [(cache group, count)]
    needs    step action (as plans write it: "reuse" and "reuse@9") -> the cache groups it reads
    variant  step action -> the variant graph that runs it
    history  cache group -> how many older values a forecast keeps
    """

    regions: object
    cut: object  # the cut at the configured boundary (reported by explain)
    graphs: dict
    num_outputs: int
    layout: list
    needs: dict
    variant: dict
    history: dict
    adaptive: Optional[dict] = None  # {"h": n, "t": n, "threshold": x, "decide": "graph" | "host"}
    order: int = 1

    @property
    def spec(self) -> VariantSet:
        return VariantSet(
            num_outputs=self.num_outputs,
            layout=self.layout,
            needs=self.needs,
            variant=self.variant,
            history=self.history,
            order=self.order,
            adaptive=self.adaptive,
        )


def _num_outputs(gm: fx.GraphModule) -> int:
    out = next(n for n in reversed(gm.graph.nodes) if n.op == "output")
    return len(out.args[0]) if isinstance(out.args[0], (tuple, list)) else 1


def build(gm: fx.GraphModule, example_inputs, settings: Settings) -> Built:
    """Run the passes on one traced graph: block regions, the cut at every boundary the settings use
    (analyses), then one specialising pass per variant through the pass manager
    (:func:`bdcompile.passes.run_passes`: requires the cut's post-condition, ensures that no skipped
    node is left in a reuse / residual / forecast variant). See :class:`Built`."""
    regions = find_block_regions(gm, stacks=list(settings.stacks) if settings.stacks else None)
    n_blocks = len(regions.blocks)
    b0 = settings.boundary if settings.boundary is not None else default_boundary(max(n_blocks, 2))
    cuts: dict = {}

    def cut_at(b: int, whole: bool):
        if (b, whole) not in cuts:
            cuts[(b, whole)] = find_cut(gm, regions, b, whole_stack=whole)
        return cuts[(b, whole)]

    groups: dict = {}
    graphs: dict = {}
    needs: dict = {}
    variant: dict = {}
    history: dict = {}
    adaptive = None
    for token in sorted(settings.actions()):
        kind, b = parse_action(token)
        if kind == ADAPTIVE:
            parts = make_adaptive(
                gm,
                regions,
                settings.probe_blocks,
                n_blocks - settings.tail_blocks,
                stacks=list(settings.stacks) if settings.stacks else None,
            )
            groups.setdefault("h", parts.h)
            groups.setdefault("t", parts.t)
            if settings.decide == "graph":
                graphs["adaptive"] = parts.graph(settings.threshold)
            else:
                graphs.update(adaptive_probe=parts.probe(), adaptive_compute=parts.compute, adaptive_skip=parts.skip)
            needs[token], variant[token] = ("h", "t"), "adaptive"
            adaptive = {
                "h": len(parts.h),
                "t": len(parts.t),
                "threshold": settings.threshold,
                "decide": settings.decide,
                "probe": settings.probe_blocks,
                "tail": settings.tail_blocks,
                "v": len(parts.probe_cut.values),
            }
            continue
        b = b if b is not None else b0
        name = action_token(kind, b)
        if kind == RESIDUAL:
            cut = cut_at(b, True)
            group = groups.setdefault(
                f"r@{b}", CacheGroup(f"r@{b}", cut.values, residual_bases(cut.values, cut.skipped))
            )
            specialize = residual_pass(regions, cut, group.bases)
        else:
            cut = cut_at(b, False)
            group = groups.setdefault(f"v@{b}", CacheGroup(f"v@{b}", cut.values))
            if kind == REUSE:
                specialize = reuse_pass(regions, cut)
            else:
                specialize = forecast_pass(regions, cut, settings.order)
                history[group.name] = settings.order
        graphs[name] = run_passes(gm, [specialize], what=f"variant {name}")
        needs[token] = needs[name] = (group.name,)
        variant[token] = variant[name] = name
    ordered = list(groups.values())
    graphs["full"] = run_passes(gm, [full_pass(ordered)], what="variant full")
    num_outputs = _num_outputs(gm)
    primary = cuts.get((b0, False)) or cuts.get((b0, True)) or next(iter(cuts.values()), None)
    return Built(
        regions=regions,
        cut=primary,
        graphs=graphs,
        num_outputs=num_outputs,
        layout=[(g.name, len(g)) for g in ordered],
        needs=needs,
        variant=variant,
        history=history,
        adaptive=adaptive,
        order=settings.order,
    )


def blockdance(gm: fx.GraphModule, example_inputs, options: dict | None = None, **kwargs):
    """``torch.compile(model, backend="blockdance", options={...})``; see :class:`bdcompile.Settings`."""
    if kwargs.get("mode") not in (None, "default"):
        raise BlockDanceValueError(
            f"blockdance: mode={kwargs['mode']!r} is not supported; pass options={{...}} instead"
        )
    try:
        settings = Settings.from_options(options)
    except ValueError as e:
        raise BlockDanceValueError(str(e)) from None
    try:
        compiler = resolve_inner(settings.inner)
    except ImportError as e:
        raise BlockDanceImportError(str(e)) from None
    config_key = settings.key()  # the options as given: explain(model) finds this configuration by them
    frame = traced_frame(gm, example_inputs)
    regional = _regional_part(frame)
    if regional == "block":
        return _fragment(gm, example_inputs, settings, config_key, compiler, frame)
    if regional == "part":
        log.info(
            "blockdance: %s of %s is compiled in place and is not a block: compiled plainly",
            frame.parent_path,
            type(frame.parent).__name__,
        )
        _record(
            frame.parent,
            settings,
            config_key,
            "pieces",
            {"frame": f"{frame.parent_path}.{frame.code_name}", "blocks": 0, "why": "compiled in place, not a block"},
        )
        return compiler(gm, example_inputs)

    try:
        built = build(gm, example_inputs, settings)
        _check_whole_stacks(built.regions, frame)
    except NoBlockStackError as e:
        return _without_stack(e, gm, example_inputs, settings, config_key, compiler, frame)
    except ValueError as e:
        if _nested_part(frame):  # e.g. a boundary beyond a nested module's few blocks: that module is a fragment
            return _fragment(gm, example_inputs, settings, config_key, compiler, frame)
        if settings.fallback:
            warnings.warn(
                f"{e}\nblockdance: falling back to the plain inner backend {settings.inner!r} (option fallback=True)",
                stacklevel=user_stacklevel(),
            )
            return compiler(gm, example_inputs)
        raise BlockDanceValueError(str(e)) from None

    if _nested_part(frame):
        return _fragment(gm, example_inputs, settings, config_key, compiler, frame, blocks=len(built.regions.blocks))
    if frame.module is not None:
        instance_of(frame.module)  # explain/reset find the instance before its first call
    t_index = _timestep_index(gm, settings.timestep_arg)
    if t_index is None and settings.step_source == "timestep":
        _warn_once(
            ("no timestep", settings.timestep_arg, frame.code_name),
            f"blockdance: the traced graph does not read {settings.timestep_arg!r} (the model ignores it, it is "
            "a Python number, it is used only in another piece of a graph-broken forward, or "
            "options={'timestep_arg': NAME} names another argument); calls are counted instead, which needs "
            "the number of steps: bdcompile.attach(pipe), bdcompile.generation(model, num_steps=...) or "
            "options={'num_steps': ...}",
        )
    variants = {name: LazyVariant(name, g, compiler) for name, g in built.graphs.items()}
    report = _report(gm, example_inputs, settings, built, frame)
    log.info(
        "blockdance: %d blocks in %s, boundary %s, variants %s",
        len(built.regions.blocks),
        built.regions.stacks,
        report["boundary"],
        sorted(built.graphs),
    )
    dispatcher = Dispatcher(
        settings,
        config_key,
        variants,
        built.spec,
        t_index,
        _user_input_positions(gm),
        _param_positions(example_inputs),
        report,
        _user_input_names(gm),
        key_positions=_key_positions(gm, t_index),
    )
    variants["full"].compile_now(example_inputs)  # inside dynamo's tracing context: the common case compiles here
    return dispatcher


def _report(gm, example_inputs, settings, built: Built, frame: TracedFrame) -> dict:
    user = set(_user_input_positions(gm))
    regions, cut = built.regions, built.cut
    return {
        "blocks": [b.name for b in regions.blocks],
        "stacks": regions.stacks,
        "module_lists": regions.module_lists,
        "boundary": cut.boundary if cut is not None else None,
        "cut": cut.describe() if cut is not None else [],
        "cache": built.layout,
        "adaptive": built.adaptive,
        "nodes": {"traced": len(gm.graph.nodes), **{k: len(g.graph.nodes) for k, g in built.graphs.items()}},
        # the plan's actions ("reuse", "reuse@9", "forecast", ...) -> the variant graph (a key of "nodes") that runs it
        "variants": {"full": "full", **built.variant},
        "inputs": [
            tuple(x.shape) if isinstance(x, torch.Tensor) else x for i, x in enumerate(example_inputs) if i in user
        ],
        "inner": settings.inner if isinstance(settings.inner, str) else getattr(settings.inner, "__name__", "callable"),
        "frame": frame.code_name + (f" (after a graph break: {frame.break_reason})" if frame.resume else ""),
    }


def _check_whole_stacks(regions, frame: TracedFrame) -> None:
    """A piece of a graph-broken forward is specialised only if it holds every block stack of the
    model, whole: when breaks split the block loop, or leave part of it to eager code, the pieces would
    each count steps and cut at their own blocks."""
    if not frame.piece or frame.module is None:
        return
    model = type(frame.module).__name__
    why = f"; break: {frame.break_reason}" if frame.break_reason else ""
    fix = (
        "Each piece of a graph-broken forward is compiled on its own, and BlockDance needs every block stack in "
        "one graph. Fix: remove the data-dependent Python (.item(), .tolist(), boolean-mask indexing, branching on "
        "tensor values) from the forward so that dynamo traces it as one graph."
    )
    for path, found in regions.stacks.items():
        try:
            total = len(frame.module.get_submodule(path))
        except (AttributeError, TypeError):
            continue
        if found < total:
            raise _SplitStack(
                f"blockdance: the block loop of {model} is split by graph breaks (this piece holds "
                f"{found} of the {total} blocks of {path!r}{why}): it runs uncached. {fix}"
            )
    missing = [p for p in attention_lists(frame.module) if p not in regions.stacks]
    if missing:
        raise _SplitStack(
            f"blockdance: a graph break leaves the blocks {missing} of {model} out of the piece that "
            f"holds {list(regions.stacks)}{why}: it runs uncached. {fix}"
        )


class _SplitStack(NoBlockStackError):
    """The stack is there, but split across the pieces of a graph-broken forward."""


_WARNED: set = set()


def _warn_once(key, message: str) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, stacklevel=user_stacklevel())


def _without_stack(err, gm, example_inputs, settings, config_key, compiler, frame: TracedFrame):
    """A graph with no block stack: a piece of a graph-broken forward (the stack is in another piece),
    a fragment (a block's own frame, compiled because dynamo runs the model's forward eagerly), or a
    whole forward without blocks (an error, unless ``fallback``). Pieces and fragments run with the
    plain inner compiler and are recorded for ``explain``."""
    owner = frame.module
    log.debug(
        "blockdance: no stack in %s (piece=%s, resume=%s, break=%r)",
        frame.code_name,
        frame.piece,
        frame.resume,
        frame.break_reason,
    )
    locate_parent(frame)
    if frame.fragment:  # a nested frame (or a piece of one): the parent model runs eagerly around it
        return _fragment(gm, example_inputs, settings, config_key, compiler, frame)
    if isinstance(err, _SplitStack):
        _warn_once(("split", type(owner)), str(err))
        _record(owner, settings, config_key, "pieces", {"frame": frame.code_name, "blocks": "split", "why": str(err)})
        return compiler(gm, example_inputs)
    if frame.piece or frame.helper:
        log.info(
            "blockdance: %s of %s holds no blocks (a piece of a graph-broken forward); compiled plainly",
            frame.code_name,
            type(owner).__name__ if owner is not None else "?",
        )
        _record(
            owner,
            settings,
            config_key,
            "pieces",
            {"frame": frame.code_name, "blocks": 0, "why": frame.break_reason or "a graph break"},
        )
        return compiler(gm, example_inputs)
    if settings.fallback:
        warnings.warn(
            f"{err}\nblockdance: falling back to the plain inner backend {settings.inner!r} (option fallback=True)",
            stacklevel=user_stacklevel(),
        )
        return compiler(gm, example_inputs)
    raise BlockDanceValueError(str(err)) from None


def _fragment(gm, example_inputs, settings, config_key, compiler, frame: TracedFrame, blocks: int = 0):
    """A frame nested in a model that dynamo runs eagerly: plain inner compiler, one warning per model class and
    cause, recorded on the parent model for ``explain`` (never a dispatcher: it would count steps of its own)."""
    owner, parent = frame.module, frame.parent
    cause = frame.cause()
    limit = frame.limit_hit
    if not limit and parent is not None and _eager_block_cache(parent, settings, config_key, frame):
        compiled = compiler(gm, example_inputs)
        return _BlockFragment(compiled, _param_positions(example_inputs), settings, config_key, frame)
    fix = (
        "Raise torch._dynamo.config.recompile_limit above the number of compiled configurations and shapes"
        if limit
        else "Remove the graph break from the forward (TORCH_LOGS=graph_breaks shows it)"
    )
    held = (
        f" It holds {blocks} blocks of its own, part of a larger model: caching them would count steps twice."
        if blocks
        else ""
    )
    _warn_once(
        ("fragment", type(parent), "recompile_limit" if limit else "graph_break"),
        f"blockdance: dynamo handed the backend a fragment of {type(parent).__name__}.forward "
        f"({frame.parent_path}.{frame.code_name}, a {type(owner).__name__}) instead of the whole forward: "
        f"{cause}.{held} Fragments run with the plain inner compiler {settings.inner!r}: no caching for these "
        f"calls (outputs as the eager model). {fix}, or compile with fullgraph=True to make this an error.",
    )
    _record_fragment(frame, settings, config_key, limit=limit, blocks=blocks)
    return compiler(gm, example_inputs)


def _regional_part(frame: TracedFrame) -> Optional[str]:
    """A module compiled in place inside a model whose forward runs as plain Python (diffusers'
    ``compile_repeated_blocks``, or ``submodule.compile(...)``), or a frame nested in one:

    * ``"block"``: a member of one of the model's attention block lists: cached at its calls;
    * ``"part"``: anything else of such a model (an embedder, a token refiner): compiled plainly;
    * None: not that (the model itself compiled in place, or a model inside a mere wrapper module).

    For ``"block"`` and ``"part"``, ``frame.parent`` / ``parent_path`` are set to the model and the module's place
    in it, and ``frame.regional`` to True."""
    part = frame.module
    if part is None:
        return None
    if not compiled_in_place(part):
        locate_parent(frame)
        part = frame.parent
        if part is None or not compiled_in_place(part):
            return None
    model, path = find_enclosing_model(part, sys._getframe(1))
    if model is None:
        return None
    lists = attention_lists(model)
    if any(path.startswith(p + ".") and "." not in path[len(p) + 1 :] for p in lists):
        kind = "block"
    elif any(not (p + ".").startswith(path + ".") for p in lists):
        kind = "part"  # the model has blocks outside this module: a piece of it
    else:
        return None  # every block list of the model lies inside this module: the model only wraps it
    frame.parent, frame.parent_path, frame.regional = model, path, True
    return kind


def _eager_block_cache(parent, settings, config_key, frame: TracedFrame) -> bool:
    """A fragment inside a block list of a model whose forward dynamo runs eagerly (a graph break it could not
    resume from), or a block compiled in place (regional compilation): cache that model's blocks at their calls
    (``runtime/eager_blocks.py``). False when the fragment is not inside a block list (an embedder, a norm:
    compiled plainly, as before)."""
    inside = [p for p in attention_lists(parent) if (frame.parent_path + ".").startswith(p + ".")]
    if not inside:
        return False
    from .runtime.eager_blocks import enable_eager_blocks

    cfg = instance_of(parent).config(config_key, settings)
    if cfg.reports:
        return False  # a graph of the whole forward serves this configuration too: its dispatcher decides the steps
    first = cfg.eager_blocks is None
    enable_eager_blocks(parent, cfg, inside[0], direct=frame.regional or compiled_in_place(parent))
    _record_fragment(frame, settings, config_key, cached="at the block's calls in the eager forward")
    if first and frame.regional:
        log.info("blockdance: %s's blocks are compiled in place: cached at their calls", type(parent).__name__)
    elif first:
        _warn_once(
            ("eager blocks", type(parent)),
            f"blockdance: {frame.cause()}. Its block stack is cached block by block instead: on reuse steps the "
            "calls of blocks [0, boundary) return the outputs kept on the last full step (the forward itself runs "
            "eagerly, as dynamo left it; each block runs as its compiled frame). Removing the graph break (TORCH_LOGS="
            "graph_breaks shows it) would make the forward one graph, with no Python between the blocks.",
        )
    return True


class _BlockFragment:
    """A block's frame compiled for a model whose blocks are cached at their calls. Dynamo hands every block of the
    class this one compiled frame (the parameters are inputs), in every instance of the model and in every list
    holding such blocks: the first call that brings parameters not seen yet looks up the model around it on the
    Python stack and turns block caching on for that model and list too (without this, a second model of the class,
    or a second list of the same blocks, would run uncached: the backend never sees them)."""

    def __init__(self, compiled, param_positions, settings, config_key, frame: TracedFrame):
        self.compiled = compiled
        self.param = param_positions[0] if param_positions else None
        self.settings, self.config_key = settings, config_key
        self.frame = dataclasses.replace(frame, parent=None, module=None)  # dynamo keeps this object: no model in it
        self.seen: dict = {}  # id(first parameter) -> weakref to it
        if self.param is not None and frame.parent is not None:
            self._mark_list(frame.parent, frame.parent_path)

    def _mark(self, p) -> None:
        import weakref

        self.seen[id(p)] = weakref.ref(p)

    def _mark_list(self, model, path: str) -> None:
        """The parameters of the block list of ``model`` holding ``path``: caching is on for them."""
        for p in attention_lists(model):
            if (path + ".").startswith(p + "."):
                for q in model.get_submodule(p).parameters():
                    self._mark(q)

    def __call__(self, *args):
        if self.param is not None:
            p = args[self.param]
            ref = self.seen.get(id(p))
            if ref is None or ref() is not p:
                self._new_owner(p)
        return self.compiled(*args)

    def _new_owner(self, p) -> None:
        self._mark(p)
        model, path = module_holding(p, sys._getframe(2))
        if model is None or not path:
            return
        frame = dataclasses.replace(
            self.frame, parent=model, parent_path=path, module=model.get_submodule(path), located=True
        )
        if _eager_block_cache(model, self.settings, self.config_key, frame):
            self._mark_list(model, path)


def _nested_part(frame: TracedFrame) -> bool:
    """A graph holding a block stack, from a module nested in a larger model that dynamo runs eagerly (a token
    refiner's blocks, when the model's forward is not compiled): a fragment, unless the parent is only a wrapper
    around it (every attention block list of the parent lies inside this module)."""
    if frame.module is None:
        return False
    locate_parent(frame)
    if not frame.fragment or hasattr(frame.parent, "_orig_mod"):
        return False
    inside = frame.parent_path + "."
    return any(not (p + ".").startswith(inside) for p in attention_lists(frame.parent))


def _record_fragment(frame: TracedFrame, settings, config_key, limit: bool = False, blocks: int = 0, **extra) -> None:
    """The fragment ``frame`` of its parent model, for ``explain``."""
    entry = {
        "frame": f"{frame.parent_path}.{frame.code_name}",
        "module": type(frame.module).__name__,
        "why": frame.cause(),
        "recompile_limit": limit,
        "blocks": blocks,
        **extra,
    }
    _record(frame.parent, settings, config_key, "fragments", entry)


def _record(owner, settings, config_key, kind: str, entry: dict) -> None:
    if owner is None:
        return
    cfg = instance_of(owner).config(config_key, settings)
    items = getattr(cfg, kind)
    if entry not in items:
        items.append(entry)
