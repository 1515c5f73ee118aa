"""Trace a model with ``torch.export`` and cut it into the same step variants as the backend.

    model --torch.export--> ExportedProgram --unlift; EXPORT_PASSES: flatten, drop no-op squeezes,
          hoist shape arithmetic--> flat fx graph (params as get_attr)
          --backend.build: regions, cut, specialising passes--> variant graphs
          --torch.export again, one per variant--> ExportedPrograms ready for ONNX / AOTInductor / TensorRT

The flat graph takes the model's tensor inputs (the pytree leaves of the example kwargs that are
tensors, in order) and returns the model's output leaves; non-tensor leaves (``None``, ``False``)
were specialized by ``torch.export`` and are recorded as constants.
"""

from __future__ import annotations

import ast
import inspect
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import torch
import torch.fx as fx
from torch.utils import _pytree as pytree

from ..backend import build
from ..options import Settings, default_boundary
from ..passes import EXPORT_PASSES, run_passes

log = logging.getLogger(__name__)

__all__ = ["ExportError", "Traced", "trace", "check_shape_guards", "leaf_name", "DYNAMIC_KINDS"]

DYNAMIC_KINDS = ("batch", "resolution", "sequence")


class ExportError(RuntimeError):
    """The model could not be exported into step variants."""


# ---------------------------------------------------------------------------------------- helpers
def leaf_name(path) -> str:
    """``(DictKey('added_cond_kwargs'), DictKey('resolution'))`` -> ``added_cond_kwargs_resolution``."""
    keys = [str(getattr(k, "key", getattr(k, "idx", getattr(k, "name", k)))) for k in path]
    return re.sub(r"\W", "_", "_".join(keys))


def _path_keys(path) -> list:
    return [getattr(k, "key", getattr(k, "idx", getattr(k, "name", None))) for k in path]


def _val(node: fx.Node):
    return node.meta.get("val", node.meta.get("example_value"))


def _dims(t) -> list:
    """Shape with symbolic dims as strings (``"s47"``, ``"((s20//2))*((s33//2))"``)."""
    return [d if isinstance(d, int) else str(d) for d in t.shape]


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


# ------------------------------------------------------------------------------ shape guards
_ALLOWED_AST = (
    ast.Expression,
    ast.Compare,
    ast.BinOp,
    ast.BoolOp,
    ast.UnaryOp,
    ast.Call,
    ast.Subscript,
    ast.Attribute,
    ast.Name,
    ast.Constant,
    ast.Load,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.Div,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
)


class _Sized:
    def __init__(self, shape):
        self._shape = tuple(int(d) for d in shape)

    def size(self, dim=None):
        return self._shape if dim is None else self._shape[dim]

    @property
    def shape(self):
        return self._shape

    def dim(self):
        return len(self._shape)


def _compile_guard(expr: str):
    tree = ast.parse(expr, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_AST):
            raise ValueError(f"unsupported construct {type(node).__name__} in shape guard {expr!r}")
        if isinstance(node, ast.Name) and node.id not in ("L", "max", "min", "abs", "int"):
            raise ValueError(f"unknown name {node.id!r} in shape guard {expr!r}")
        if isinstance(node, ast.Attribute) and node.attr not in ("size", "shape", "dim"):
            raise ValueError(f"unsupported attribute {node.attr!r} in shape guard {expr!r}")
    return compile(tree, "<shape guard>", "eval")


def check_shape_guards(guards: list[str], shapes: dict) -> list[str]:
    """Guards (``torch.export``'s shape conditions, Python expressions over ``L['name'].size()[i]``)
    that the given input shapes violate. ``shapes`` mirrors the call's kwargs with every tensor
    replaced by its ``torch.Size`` (anything else: ``None``). Only a whitelist of arithmetic and
    comparisons is evaluated; a guard that reads a non-tensor counts as violated."""

    def wrap(v):
        if isinstance(v, torch.Size):
            return _Sized(v)
        if isinstance(v, dict):
            return {k: wrap(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [wrap(x) for x in v]
        return None

    env = {"L": wrap(shapes), "max": max, "min": min, "abs": abs, "int": int, "__builtins__": {}}
    failed = []
    for g in guards:
        try:
            ok = eval(_compile_guard(g), env)  # noqa: S307 - AST whitelisted above
        except (KeyError, IndexError, TypeError, ZeroDivisionError):
            ok = False
        if not ok:
            failed.append(g)
    return failed


# ------------------------------------------------------------------------------ tracing
@dataclass
class InputSpec:
    name: str
    path: list  # keys into the call's kwargs
    dtype: str
    shape: list  # example shape
    dynamic_axes: dict = field(default_factory=dict)  # axis -> dim name

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "dtype": self.dtype,
            "shape": [self.dynamic_axes.get(i, d) for i, d in enumerate(self.shape)],
            "example_shape": self.shape,
            "dynamic_axes": {str(k): v for k, v in self.dynamic_axes.items()},
        }


@dataclass
class Variant:
    name: str
    gm: fx.GraphModule
    input_names: list
    output_names: list
    example_inputs: list
    program: Any = None  # torch.export.ExportedProgram of the variant
    dim_names: dict = field(default_factory=dict)  # symbol string -> dim name

    def describe(self) -> dict:
        def io(names, values):
            return [
                {"name": n, "dtype": dtype_name(v.dtype), "example_shape": list(v.shape)} for n, v in zip(names, values)
            ]

        with torch.no_grad():
            outs = self.gm(*self.example_inputs)
        return {
            "inputs": io(self.input_names, self.example_inputs),
            "outputs": io(self.output_names, outs),
            "nodes": len(self.gm.graph.nodes),
        }


@dataclass
class Traced:
    settings: Settings
    example_kwargs: dict  # as exported (return_dict=False, a batch of 1 repeated to 2)
    inputs: list  # InputSpec
    constants: list  # [{"path": [...], "value": ...}]
    output_names: list
    outputs: list  # example output tensors
    regions: Any
    cut: Any
    cut_names: list
    variants: dict  # name -> Variant
    spec: Any  # runtime.execute.VariantSet: how the runner feeds the variants
    guards: list
    dynamic: dict  # kind -> bool
    notes: list
    forward_args: list
    return_dict_default: Optional[bool]
    dim_names: dict = field(default_factory=dict)  # symbol of the traced graph -> dim name

    def name_dims(self, shape) -> list:
        """A traced shape with its symbols replaced by dim names (``s47`` -> ``batch``)."""
        if not self.dim_names:
            return [d if isinstance(d, int) else str(d) for d in shape]
        pat = re.compile(r"\b(" + "|".join(map(re.escape, sorted(self.dim_names, key=len, reverse=True))) + r")\b")
        return [d if isinstance(d, int) else pat.sub(lambda m: self.dim_names[m.group(1)], str(d)) for d in shape]


def _forward_params(model) -> tuple[list, Optional[bool]]:
    try:
        sig = inspect.signature(model.forward)
    except (TypeError, ValueError):
        return [], None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = [p.name for p in sig.parameters.values() if p.kind in kinds]
    rd = sig.parameters.get("return_dict")
    default = rd.default if rd is not None and isinstance(rd.default, bool) else None
    return names, default


def _expand_batch(kwargs: dict, primary: str) -> dict:
    """A batch of 1 would be specialized by torch.export: repeat batch-1 tensors to 2."""

    def rep(x):
        if isinstance(x, torch.Tensor) and x.dim() >= 1 and x.shape[0] == 1:
            return x.repeat(2, *([1] * (x.dim() - 1)))
        return x

    return pytree.tree_map(rep, kwargs)


def _dynamic_shapes(kwargs: dict, primary: str, kinds: set) -> tuple[dict, dict]:
    """``dynamic_shapes`` for torch.export (Dim.AUTO where asked) and the dim names per leaf/axis.

    batch: dim 0 of every input whose dim 0 is the latent's batch; resolution: the spatial dims of a
    4-D/5-D latent (``height``, ``width``, ``frames``) or the token dim of a packed 3-D latent
    (``tokens``); sequence: dim 1 of the other 3-D inputs (``<name>_length``).  A 2-D input without a
    batch dim whose dim 0 has the size of a named dim (Flux-style ``img_ids``/``txt_ids``) follows it.
    """
    A = torch.export.Dim.AUTO
    batch = kwargs[primary].shape[0] if kwargs[primary].dim() else None
    names: dict = {}
    leaves = [(leaf_name(p), x) for p, x in pytree.tree_flatten_with_path(kwargs)[0] if isinstance(x, torch.Tensor)]
    for name, x in leaves:
        is_primary = name == primary
        axes = {}
        if "batch" in kinds and x.dim() >= 1 and batch is not None and x.shape[0] == batch:
            axes[0] = "batch"
        if "resolution" in kinds and is_primary and x.dim() >= 4:
            spatial = ["height", "width"] if x.dim() == 4 else ["frames", "height", "width"][-(x.dim() - 2) :]
            for i, n in zip(range(2, x.dim()), spatial):
                axes[i] = n
        if "resolution" in kinds and is_primary and x.dim() == 3 and x.shape[1] > 1:
            axes[1] = "tokens"
        if "sequence" in kinds and not is_primary and x.dim() == 3 and x.shape[1] > 1:
            axes[1] = f"{name}_length"
        names[name] = axes
    by_size: dict = {}
    for name, x in leaves:
        for ax, dn in names[name].items():
            if dn != "batch":
                by_size.setdefault(int(x.shape[ax]), dn)
    for name, x in leaves:
        if x.dim() == 2 and 0 not in names[name] and int(x.shape[0]) in by_size and x.shape[0] > 1:
            names[name][0] = by_size[int(x.shape[0])]

    def spec(path, x):
        if not isinstance(x, torch.Tensor):
            return None
        return {i: A for i in names[leaf_name(path)]} or None

    ds = pytree.tree_map_with_path(spec, kwargs)
    return ds, names


def example_shapes(kwargs: dict) -> dict:
    return pytree.tree_map(lambda x: x.shape if isinstance(x, torch.Tensor) else None, kwargs)


def _usable_guards(ep, kwargs: dict) -> list[str]:
    """The export's shape guards that we can evaluate and that hold for the example (the rest would
    only be noise for the runner's input check)."""
    out = []
    for g in list(getattr(ep, "_guards_code", None) or []):
        try:
            _compile_guard(g)
        except (ValueError, SyntaxError):
            log.info("blockdance export: shape guard %r is not checked by runners", g)
            continue
        if not check_shape_guards([g], example_shapes(kwargs)):
            out.append(g)
    return out


def _export(model, args, kwargs, dynamic_shapes, what: str):
    try:
        with torch.no_grad():
            return torch.export.export(
                model, args=tuple(args), kwargs=kwargs, dynamic_shapes=dynamic_shapes, strict=False
            )
    except Exception as e:  # torch.export raises many types; name the model part and keep the cause
        raise ExportError(
            f"blockdance export: torch.export failed on the {what}: {type(e).__name__}: {str(e)[:2000]}"
        ) from e


def _probe_shapes(kwargs: dict, primary: str, names: dict, kind: str) -> list[dict]:
    """Other input shapes to test a dynamic kind against the export's guards."""

    def shapes(fn):
        def leaf(path, x):
            if not isinstance(x, torch.Tensor):
                return None
            s = list(x.shape)
            for ax, dn in names.get(leaf_name(path), {}).items():
                s[ax] = fn(dn, s[ax])
            return torch.Size(s)

        return pytree.tree_map_with_path(leaf, kwargs)

    if kind == "batch":
        return [shapes(lambda dn, s: s + 1 if dn == "batch" else s)]
    if kind == "sequence":
        return [shapes(lambda dn, s, k=k: s + k if dn.endswith("_length") else s) for k in (3, 8)]
    return [shapes(lambda dn, s, f=f: int(s * f) if kind_of(dn) == "resolution" else s) for f in (1.5, 2, 0.5)]


def trace(
    model: torch.nn.Module,
    example_kwargs: dict,
    settings: Settings,
    dynamic=DYNAMIC_KINDS,
    primary: Optional[str] = None,
) -> Traced:
    """Export ``model(**example_kwargs)`` and build the step variants (see the module docstring), in
    four phases: export the model (:func:`_export_model`), flatten it and run the passes
    (:func:`_flat_graph`, :func:`_build`), give every variant input a real example value
    (:func:`_variants`), re-export every variant (:func:`_export_variant`)."""
    forward_args, rd_default = _forward_params(model)
    kwargs, primary, kinds, notes = _prepare_call(example_kwargs, forward_args, dynamic, primary)
    # 1. export with the dynamic kinds asked for, fewer where torch.export cannot keep them
    ep, names, guards = _export_model(model, kwargs, primary, kinds, notes)
    for n in notes:
        log.warning("blockdance export: %s", n)
    # 2. flatten, clean up, run the backend's passes
    flat, inputs, constants, example_inputs, sym_names = _flat_graph(ep, kwargs, names)
    built = _build(flat, settings)
    regions, cut = built.regions, built.cut
    if cut is not None:
        settings.boundary = cut.boundary
    else:
        settings.boundary = settings.boundary or default_boundary(len(regions.blocks))
    # 3. real example values for every variant input (the cache values from running the full variant)
    outputs, out_names, variants, names_of = _variants(model, kwargs, built, inputs, example_inputs, settings)
    cut_names = names_of.get(f"v@{settings.boundary}") or names_of.get(f"r@{settings.boundary}") or []
    # 4. re-export every variant; dims that are symbolic in the traced graph stay dynamic
    base_dims = {(spec.name, ax): dn for spec in inputs for ax, dn in spec.dynamic_axes.items()}
    for var in variants.values():
        var.program = _export_variant(var, base_dims)

    dynamic_kinds = {
        k: any(kind_of(dn) == k for spec in inputs for dn in spec.dynamic_axes.values()) for k in DYNAMIC_KINDS
    }
    return Traced(
        settings=settings,
        example_kwargs=kwargs,
        inputs=inputs,
        constants=constants,
        output_names=out_names,
        outputs=outputs,
        regions=regions,
        cut=cut,
        cut_names=cut_names,
        variants=variants,
        guards=guards,
        spec=built.spec,
        dynamic=dynamic_kinds,
        notes=notes,
        forward_args=forward_args,
        return_dict_default=rd_default,
        dim_names=sym_names,
    )


def _prepare_call(example_kwargs: dict, forward_args: list, dynamic, primary: Optional[str]):
    """The call to export: ``return_dict=False``, the primary (latent) input, the dynamic kinds asked for,
    a batch of 1 repeated to 2. Returns ``(kwargs, primary, kinds, notes)``."""
    kwargs = dict(example_kwargs)
    if "return_dict" in forward_args:
        kwargs["return_dict"] = False
    tensor_keys = [k for k, v in kwargs.items() if isinstance(v, torch.Tensor)]
    if not tensor_keys:
        raise ExportError("blockdance export: example_kwargs hold no tensor input")
    primary = primary or ("hidden_states" if "hidden_states" in tensor_keys else tensor_keys[0])
    kinds = set(dynamic or ())
    unknown = kinds - set(DYNAMIC_KINDS)
    if unknown:
        raise ValueError(f"blockdance export: dynamic must be a subset of {DYNAMIC_KINDS}; got {sorted(unknown)}")
    notes = []
    if "batch" in kinds and kwargs[primary].dim() and kwargs[primary].shape[0] == 1:
        kwargs = _expand_batch(kwargs, primary)
        notes.append("example batch 1 was repeated to 2 so that torch.export keeps the batch dynamic")
    return kwargs, primary, kinds, notes


def _export_model(model, kwargs: dict, primary: str, kinds: set, notes: list):
    """``torch.export`` of the model with the dynamic ``kinds`` (fewer if torch.export cannot trace them
    symbolically), then again without a kind whose guards pin it to the example. Appends what it gave
    up to ``notes``; returns ``(exported program, dim names per leaf and axis, usable shape guards)``."""
    attempts = []
    for k in (kinds, {"batch"} & kinds, set()):
        if k not in attempts:
            attempts.append(k)
    for i, attempt in enumerate(attempts):
        ds, names = _dynamic_shapes(kwargs, primary, attempt)
        try:
            ep = _export(model, (), kwargs, ds, f"model {type(model).__name__}")
            break
        except ExportError as e:
            if i == len(attempts) - 1:
                raise
            nxt = sorted(attempts[i + 1]) or "static shapes"
            notes.append(
                f"torch.export failed with dynamic {sorted(attempt)} "
                f"({str(e.__cause__ or e).splitlines()[0][:200]}); exported with {nxt}"
            )
    kinds = set(attempt)
    guards = _usable_guards(ep, kwargs)
    dropped = []
    for kind in [k for k in DYNAMIC_KINDS if k in kinds]:
        if not any(kind_of(dn) == kind for axes in names.values() for dn in axes.values()):
            continue
        probes = _probe_shapes(kwargs, primary, names, kind)
        if all(check_shape_guards(guards, p) for p in probes):
            dropped.append(kind)
            failed = check_shape_guards(guards, probes[0])
            notes.append(
                f"{kind} is not dynamic for this model: the traced graph only holds for the example "
                f"{kind} (export guard {failed[0]!r}); exported with the example {kind}"
            )
    if dropped:
        kinds -= set(dropped)
        ds, names = _dynamic_shapes(kwargs, primary, kinds)
        ep = _export(model, (), kwargs, ds, f"model {type(model).__name__}")
        guards = _usable_guards(ep, kwargs)
    return ep, names, guards


def _flat_graph(ep, kwargs: dict, names: dict):
    """The export's pass list (:data:`bdcompile.passes.EXPORT_PASSES`: flatten, drop no-op squeezes,
    hoist shape arithmetic) on ``ep.module()``, then its placeholders matched with the call's pytree
    leaves: tensors become :class:`InputSpec` inputs (with the axes that stayed symbolic), the rest
    constants, whose placeholders are erased. Returns ``(flat, inputs, constants, example_inputs,
    symbol -> dim name)``."""
    flat = run_passes(ep.module(), EXPORT_PASSES, what="export")
    phs = [n for n in flat.graph.nodes if n.op == "placeholder"]
    leaves, _ = pytree.tree_flatten_with_path(((), kwargs))
    if len(leaves) != len(phs):
        raise ExportError(f"blockdance export: {len(phs)} graph inputs for {len(leaves)} input leaves")
    inputs, constants, example_inputs, sym_names = [], [], [], {}
    for ph, (path, value) in zip(phs, leaves):
        keys = _path_keys(path[1:])  # drop the (args, kwargs) level
        if isinstance(value, torch.Tensor):
            name = leaf_name(path[1:])
            v = _val(ph)
            # keep only the axes that stayed symbolic in the export
            axes = {
                ax: dn
                for ax, dn in names.get(name, {}).items()
                if isinstance(v, torch.Tensor) and not isinstance(v.shape[ax], int)
            }
            inputs.append(
                InputSpec(
                    name=name, path=keys, dtype=dtype_name(value.dtype), shape=list(value.shape), dynamic_axes=axes
                )
            )
            example_inputs.append(value)
            for ax, dn in axes.items():
                sym_names.setdefault(str(v.shape[ax]), dn)
        else:
            if ph.users:
                raise ExportError(f"blockdance export: non-tensor input {keys} is used by the graph")
            flat.graph.erase_node(ph)
            if keys and keys[-1] == "return_dict":
                continue
            plain = isinstance(value, (bool, int, float, str, type(None)))
            constants.append({"path": keys, "value": value if plain else repr(value)})
    flat.graph.lint()
    flat.recompile()
    return flat, inputs, constants, example_inputs, sym_names


def _build(flat: fx.GraphModule, settings: Settings):
    """The backend's own chain of passes on the flat graph, its errors as :class:`ExportError`."""
    try:
        return build(flat, None, settings)
    except ValueError as e:
        raise ExportError(
            str(e).replace(
                "options={'fallback': True} to run the plain inner backend", "export the plain model instead"
            )
        ) from e
    except AssertionError as e:
        raise ExportError(f"blockdance export: {e}") from e


def _variants(model, kwargs: dict, built, inputs: list, example_inputs: list, settings: Settings):
    """Every variant graph with input / output names and real example inputs: the cache values come
    from running the full variant, which must reproduce the model's outputs. Returns ``(model outputs,
    output names, name -> Variant, cache group -> tensor names)``."""
    graphs, num_outputs, full = built.graphs, built.num_outputs, built.graphs["full"]
    with torch.no_grad():
        full_out = list(full(*example_inputs))
        reference = model(**kwargs)
    ref_leaves = [x for x in pytree.tree_leaves(reference) if isinstance(x, torch.Tensor)]
    outputs = full_out[:num_outputs]
    if len(ref_leaves) != num_outputs or any(
        (a - b).abs().max() > 1e-4 * (1 + b.abs().max()) for a, b in zip(outputs, ref_leaves)
    ):
        raise ExportError("blockdance export: the flattened exported graph does not reproduce the model's output")
    in_names = [s.name for s in inputs]
    out_names = ["sample"] if num_outputs == 1 else [f"output_{i}" for i in range(num_outputs)]
    spec = built.spec
    groups = spec.groups(full_out[num_outputs:])
    names = {g: [f"bd_{group_slug(g)}_{i}" for i in range(len(v))] for g, v in groups.items()}
    variants = {
        "full": Variant(
            "full", full, in_names, out_names + [n for g, _ in spec.layout for n in names[g]], list(example_inputs)
        )
    }
    ex = list(example_inputs)
    for name, gm in graphs.items():
        if name == "full" or name.startswith("adaptive"):
            continue
        group = spec.needs[name][0]
        if name.startswith("forecast"):
            k = settings.order + 1
            coeffs = torch.tensor([1.0] + [0.0] * (k - 1), dtype=torch.float32)
            hist_names = [f"{n}_h{j}" for n in names[group] for j in range(k)]
            hist = [v.clone() for v in groups[group] for _ in range(k)]
            variants[name] = Variant(name, gm, in_names + ["bd_coeffs"] + hist_names, out_names, ex + [coeffs] + hist)
        else:
            variants[name] = Variant(name, gm, in_names + names[group], out_names, ex + groups[group])
    if built.adaptive is not None:
        variants.update(_adaptive_variants(built, names, groups, in_names, out_names, ex))
    return outputs, out_names, variants, names


def _adaptive_variants(built, names: dict, groups: dict, in_names: list, out_names: list, ex: list) -> dict:
    """The adaptive variant (one graph), or its probe and two branches when decided on the host."""
    graphs, variants = built.graphs, {}
    h, t = names["h"], names["t"]
    new = [f"{n}_new" for n in h] + [f"{n}_new" for n in t]
    if "adaptive" in graphs:
        variants["adaptive"] = Variant(
            "adaptive",
            graphs["adaptive"],
            in_names + h + t,
            out_names + new + ["bd_skipped"],
            ex + groups["h"] + groups["t"],
        )
        return variants
    probe = variants["adaptive_probe"] = Variant(
        "adaptive_probe",
        graphs["adaptive_probe"],
        in_names + h,
        [f"bd_vprobe_{i}" for i in range(built.adaptive["v"])] + [f"{n}_now" for n in h] + ["bd_change"],
        ex + [v * 1.1 for v in groups["h"]],
    )  # a change of about 0.1, not 0 (checked relative to itself)
    with torch.no_grad():
        vf = list(probe.gm(*probe.example_inputs))[: built.adaptive["v"]]
    for branch in ("adaptive_compute", "adaptive_skip"):
        variants[branch] = Variant(
            branch,
            graphs[branch],
            in_names + probe.output_names[: len(vf)] + t,
            out_names + [f"{n}_new" for n in t],
            ex + vf + groups["t"],
        )
    return variants


def group_slug(group: str) -> str:
    """A cache group's name in file and tensor names: ``"v@9"`` -> ``"v9"``."""
    return group.replace("@", "")


def kind_of(dim_name: str) -> str:
    if dim_name == "batch":
        return "batch"
    if dim_name.endswith("_length"):
        return "sequence"
    return "resolution"


def _export_variant(var: Variant, base_dims: dict):
    A = torch.export.Dim.AUTO
    phs = [n for n in var.gm.graph.nodes if n.op == "placeholder"]
    specs = []
    for n in phs:
        v = _val(n)
        if isinstance(v, torch.Tensor):
            specs.append({i: A for i, d in enumerate(v.shape) if not isinstance(d, int)} or None)
        else:
            specs.append(None)
    prog = _export(var.gm, var.example_inputs, None, tuple(specs), f"{var.name} variant")
    # name the symbols: model dims by their meaning, the rest by input and axis
    user_phs = [n for n in prog.graph.nodes if n.op == "placeholder"][-len(var.input_names) :]
    for name, n in zip(var.input_names, user_phs):
        v = _val(n)
        for ax, d in enumerate(v.shape):
            if not isinstance(d, int):
                sym = str(d)
                if re.fullmatch(r"s\d+", sym) and sym not in var.dim_names:
                    var.dim_names[sym] = base_dims.get((name, ax), f"{name}_dim{ax}")
    return prog
