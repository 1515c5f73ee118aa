"""Probe every family of ``tests/families.py`` and record the facts in ``tests/families_probe.json``.

    python tests/probe_families.py                         # print the summary table of the recorded facts
    python tests/probe_families.py --probe                 # re-probe every family, both configs, rewrite the JSON
    python tests/probe_families.py --probe NAME ...        # re-probe some families and merge them
    python tests/probe_families.py --probe --normal|--minimal [NAME ...]   # one config only
    python tests/probe_families.py --probe --dry ...       # print only
    python tests/probe_families.py --probe --quick ...     # one trace per family, no timing (a loaded machine):
                                                           # keeps the recorded timing and return_dict=False facts

Probe facts
-----------
``families.PROBED[name]`` (also ``fam.probe``; ``PROBED_MINIMAL`` / ``fam.probe_minimal`` for the minimal configs)
holds facts recorded by this script into ``tests/families_probe.json`` with a ``torch.compile`` backend that records
the FX graphs and reads ``node.meta["nn_module_stack"]``, ``fullgraph=True`` under ``torch.no_grad()``, batch size 1:
``traces`` (fresh model, default kwargs) + ``break_reason`` (short: type, message, user-code location),
``traces_after_eager`` (after one eager call), ``traces_return_dict_false`` (+ ``return_dict=False``), ``traced_via``
(which of those the facts below come from; None: none traced, see ``partial`` = a fullgraph=False compile),
``compiled_matches_eager`` / ``max_abs_diff``, ``block_lists`` (execution order: (normalised list path, number of
indices run, block class); a list seen with one index counts (minimal configs); lists of torch.nn modules and lists
holding whole models are left out), ``nested_lists``, ``list_lengths`` (len of each ModuleList), ``glue_nodes`` /
``stackless_markers`` (see Findings), ``nodes``, ``nodes_without_stack``, ``path_formats``, ``output_kind``
('sample' = object with ``.sample``, 'tuple', 'tensor', 'list', 'other:<Type>'), ``forward_ms`` (eager, 1 thread,
median of 3), ``trace_s``, ``t_sensitive`` (the output changes with t).  ``python tests/probe_families.py`` prints
a summary table of the same data.

Findings (torch 2.13.0 CPU, diffusers 0.42.1; details per family in PROBED)
---------------------------------------------------------------------------
* Path format. Almost every node's nn_module_stack path is ``L['self'].__dict__['_modules']['<attr>']`` followed by
  dotted names and indices (``...['transformer_blocks'].0.attn1.to_out.0``; ``path_format`` abbreviates it as
  ``L['self'] D I A I``). Exceptions: a ModuleList indexed with a computed int (``self.transformers[i]`` in
  DualTransformer2DModel) gives ``L['self'].transformers.1.__dict__['_modules']['transformer_blocks'].0``; a
  ModuleDict key that is not an identifier stays dotted (Z-Image ``all_final_layer.2-1``); a plain python list of
  modules gives ``feature_fns[0]`` (RFD4); ModuleDict-of-ModuleList stacks read ``mode_blocks.image.0`` (FLUX.3); a
  ModuleDict with numeric keys looks like a list (RFD4 ``pair_update_layers`` = {0,1,2}). ``normalise_path``
  handles all of them.
* Nodes without nn_module_stack inside blocks: ``_enter_autocast``/``_exit_autocast`` (Z-Image, BriaFibo2 blocks
  use ``torch.amp.autocast("cuda", enabled=False)``) and ``_vmap_*_nesting`` markers (flex-attention masks built
  inside Kandinsky6-SR blocks) carry neither nn_module_stack nor stack_trace although they sit between two nodes of
  the same block (``stackless_markers``). Everything else without a stack is root-level code.
* Root-level glue between the blocks of one stack (``glue_nodes``): Chroma (per-block slices of pooled_temb),
  BriaFIBO (per-block text-encoder layer concat + split), WanVACE (hint added after blocks 0, 1, 3), ConsisID
  (perceiver cross-attention after each block), Latte (reshapes between interleaved spatial/temporal blocks),
  WanAnimate (face adapter after every 2nd block), RFD4 (pair-representation updates), Motif-Video with decoder
  layers (one ModuleList run in two phases), BriaFibo2 (per-layer text bundle select). The rest call their blocks
  back to back.
* No block is called through ``.forward`` or a helper that bypasses ``Module.__call__``; the gradient-checkpointing
  branch (``self._gradient_checkpointing_func(block, ...)``) is always guarded by ``torch.is_grad_enabled()`` and
  never taken under no_grad. HiDream wraps each block in a ``HiDreamBlock`` whose ``.block`` is the real one
  (paths ``double_stream_blocks.N.block``).
* Graph breaks: (1) lazily built caches: Z-Image and BriaFibo2 build the RoPE table on first use under
  ``with torch.device("cpu")`` -> fullgraph fails on a fresh model, works after one eager call; (2) the deprecated
  ``transformer_2d.Transformer2DModelOutput`` calls ``warnings.warn`` in ``__init__`` -> Transformer2DModel,
  DreamLite and StableAudioDiT break at ``return ...Output(sample=...)`` with the default return_dict=True but trace
  with return_dict=False (what pipelines pass); (3) data-dependent control flow, no workaround: HiDream (MoE
  ``tokens_per_expert`` loop), Lumina2 (``len(set(seq_lengths))``), OmniGen (``if seq_len > max_pos``),
  HunyuanVideo-1.5 (``if torch.all(image_embeds == 0)``), QwenImage-2.1 (``mask.tolist()``), WanAnimate-2 (RoPE
  cache dict keyed by tensor values).
* With graph breaks (fullgraph=False) the graphs Dynamo compiles for resumed / nested frames carry nn_module_stack
  paths relative to *that frame's* ``self`` (``L['self'].proj`` inside the patch embedder), so block indices are lost:
  the graph-broken HiDream compile shows no block list at all (``partial`` in PROBED).
* Lists that are not transformer-block stacks also show up: BriaFIBO ``caption_projection`` (one text projection per
  block, run before the blocks), WanAnimate ``motion_encoder.*``, ConsisID ``perceiver_cross_attention``, RFD4
  ``pair_update_layers``; T5FilmDecoder has a nested heterogeneous list ``decoders.*.layer``. Auxiliary stacks run
  before the main one: token refiners (HunyuanVideo/Image, MiniMax-H3), noise/context refiners (Z-Image, Lumina2,
  BriaFibo2), text blocks (Kandinsky 5/6), VACE blocks, FLUX.3 per-mode blocks.
* Minimal configs (``PROBED_MINIMAL``): every family traces (or breaks) the same way as its normal config, with
  the same output kind and timestep sensitivity; 48 traceable families then have a single block (one stack),
  25 keep two or more (several stacks: Flux-like double + single stream, refiners, text blocks, Latte's spatial +
  temporal, VACE, ...). Their ``forward_ms`` is None and ``trace_s`` was taken on a loaded machine (``--quick``).
* Timestep: DualTransformer2D, DreamLite, TransformerTemporal (layer_norm blocks) ignore it; the RVQ depth decoder has
  none; everything else changes its output with t (``t_sensitive``). Weights diffusers zero-initialises are refilled
  by ``make_model`` (``Family.zero_params_refilled``: e.g. Krea2, Kandinsky5, JoyImage, SANA-WM, PRX).
"""

from __future__ import annotations

import json
import re
import sys

import torch
from families import FAMILIES, PROBE_PATH, PROBED, PROBED_MINIMAL, Family
from torch import nn

CONFIGS = ("normal", "minimal")


def normalise_path(raw: str) -> str:
    """``L['self'].__dict__['_modules']['transformer_blocks'].0.attn1`` -> ``transformer_blocks.0.attn1``.

    Handles every form seen in nn_module_stack: ``.__dict__['_modules']['x']``, plain ``.x`` (a ModuleList indexed
    with a computed index gives ``L['self'].transformers.1``), ``._modules['x']``, ``['x']``, ``[0]`` (python lists
    of modules), ModuleDict keys that are not identifiers (``.2-1``) and ``getattr(X, 'y')``."""
    s = raw.strip()
    prev = None
    while prev != s:  # getattr(getattr(L['self'], 'a'), '0') -> L['self'].a.0, innermost first
        prev, s = s, re.sub(r"""getattr\(([^()]*),\s*['"]([^'"]+)['"]\)""", r"\1.\2", s)
    for prefix in ("L['self']", 'L["self"]', "self"):
        if s.startswith(prefix):
            s = s[len(prefix) :]
            break
    s = re.sub(r"""\.__dict__\[['"]_modules['"]\]\[['"]([^'"]+)['"]\]""", r".\1", s)
    s = re.sub(r"""\._modules\[['"]([^'"]+)['"]\]""", r".\1", s)
    s = re.sub(r"""\[['"]([^'"]+)['"]\]""", r".\1", s)
    s = re.sub(r"\[(\d+)\]", r".\1", s)
    return s.lstrip(".")


def path_format(raw: str) -> str:
    """Shape of a raw nn_module_stack path with names abstracted: ``L['self']`` then one token per step, ``D`` for
    ``.__dict__['_modules']['x']``, ``A`` for ``.attr``, ``I`` for ``.0``, ``K`` for a non-identifier key like ``.2-1``,
    ``[I]`` for ``[0]``; runs of a token collapse, e.g. ``L['self'] D I A``."""
    s = raw.strip()
    out = [s[:9]] if s.startswith("L['self']") else ["?"]
    s = s[9:] if s.startswith("L['self']") else s
    for m in re.finditer(r"""(\.__dict__\['_modules'\]\['[^']+'\])|(\[\d+\])|(\['[^']+'\])|\.([^.\[]+)""", s):
        if m.group(1):
            tok = "D"
        elif m.group(2):
            tok = "[I]"
        elif m.group(3):
            tok = "[K]"
        else:
            name = m.group(4)
            tok = "I" if name.isdigit() else ("A" if name.isidentifier() else "K")
        if out[-1] != tok:
            out.append(tok)
    return " ".join(out)


def _type_name(t) -> str:
    if isinstance(t, type):
        return t.__qualname__
    return str(t).rsplit(".", 1)[-1].strip("'>")


def _is_torch_nn(t) -> bool:
    mod = getattr(t, "__module__", "") if isinstance(t, type) else str(t)
    return mod.startswith("torch.nn") or "torch.nn." in mod


def _output_kind(out) -> str:
    if isinstance(out, torch.Tensor):
        return "tensor"
    if hasattr(out, "sample"):
        return "sample"
    if isinstance(out, tuple):
        return "tuple"
    if isinstance(out, list):
        return "list"
    return f"other:{type(out).__name__}"


def _short_reason(e: BaseException) -> str:
    """``<Type>: <first line> [(<explanation>)] at <file>:<line> `<code>```: where in user code tracing stopped."""
    msg = str(e)
    lines = [ln.strip() for ln in msg.strip().splitlines() if ln.strip()]
    head = lines[0] if lines else type(e).__name__
    m = re.search(r"Caused by: (.*?)\s+#", msg)
    if m:
        head = f"data-dependent value in `{m.group(1).strip()}`"
    expl = re.search(r"Explanation: ([^\n]*)", msg)
    extra = f" ({expl.group(1).strip()[:110]})" if expl and not m else ""
    user = msg.split("from user code:")[-1] if "from user code:" in msg else msg
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\w+)\n\s*([^\n]+)', user)
    frames = [f for f in frames if "/torch/" not in f[0]] or frames
    loc = ""
    if frames:
        path, line, _, code = frames[-1]
        loc = f" at {path.rsplit('/', 1)[-1]}:{line} `{code.strip()[:70]}`"
    return re.sub(r"\s+", " ", f"{type(e).__name__}: {head[:120]}{extra}{loc}")[:330]


def block_lists_from_graphs(graphs, model: nn.Module | None = None) -> dict:
    """Repeated-block lists seen in the nn_module_stack of the graphs' nodes, in execution order.

    A "list" is a module path ending in an integer (``transformer_blocks.3``, ``mode_blocks.image.0``) seen with >=
    1 index (one: a minimal config). Lists of torch.nn modules (``to_out.0``, ``ff.net.2``) are ignored. Lists
    nested in an element of another list are reported separately (``nested_lists``, outer index abstracted to
    ``*``), except when the outer list holds whole models (ModelMixin, e.g.
    ``DualTransformer2DModel.transformers``): then the inner lists are the stacks.

    Also returned: ``glue_nodes`` (per stack, call nodes with a stack trace but outside every block, between the
    stack's first and last block node), ``stackless_markers`` (per stack, nodes without nn_module_stack *and* without
    a stack trace inside that span: autocast / vmap enter-exit markers), ``nodes_without_stack``, ``path_formats``."""
    lists: dict[str, dict] = {}  # list path -> {indices, cls, first, torch_nn}
    formats: set[str] = set()
    order = 0
    nodes_total = nodes_nostack = 0
    per_graph_nodes = []
    for gm in graphs:
        seq = []
        for node in gm.graph.nodes:
            if node.op not in ("call_function", "call_method", "call_module"):
                continue
            nodes_total += 1
            stack = node.meta.get("nn_module_stack") or {}
            marker = not stack and not node.meta.get("stack_trace")
            if not stack:
                nodes_nostack += 1
            owners = []
            for _, (raw, typ) in stack.items():
                formats.add(path_format(raw))
                path = normalise_path(raw)
                owners.append(path)
                comps = path.split(".")
                if len(comps) > 1 and comps[-1].isdigit():
                    lp = ".".join(comps[:-1])
                    rec = lists.setdefault(lp, {"indices": set(), "cls": set(), "first": order, "torch_nn": False})
                    rec["indices"].add(int(comps[-1]))
                    rec["cls"].add(_type_name(typ))
                    rec["torch_nn"] = rec["torch_nn"] or _is_torch_nn(typ)
            seq.append((owners, marker))
            order += 1
        per_graph_nodes.append(seq)

    cand = {k: v for k, v in lists.items() if v["indices"] and not v["torch_nn"]}

    def enclosing(lp):  # the nearest candidate list whose element contains lp
        comps = lp.split(".")
        for i in range(len(comps) - 1, 0, -1):
            if comps[i].isdigit() and ".".join(comps[:i]) in cand:
                return ".".join(comps[:i])
        return None

    def is_model_container(lp):
        if model is None:
            return False
        try:
            from diffusers import ModelMixin

            return isinstance(model.get_submodule(lp)[0], ModelMixin)
        except Exception:
            return False

    top, nested = [], {}
    for lp, rec in sorted(cand.items(), key=lambda kv: kv[1]["first"]):
        if is_model_container(lp):
            continue
        enc = enclosing(lp)
        while enc is not None and is_model_container(enc):
            enc = enclosing(enc)
        entry = (lp, len(rec["indices"]), "/".join(sorted(rec["cls"])))
        if enc is None:
            top.append(entry)
        else:
            key = re.sub(rf"^{re.escape(enc)}\.\d+", f"{enc}.*", lp)
            nested.setdefault(key, (key, len(rec["indices"]), entry[2]))

    glue, markers = {}, {}
    for lp, _, _ in top:
        prefix = lp + "."
        n_glue = n_mark = 0
        for seq in per_graph_nodes:
            inside = [any(o.startswith(prefix) for o in owners) for owners, _ in seq]
            idx = [i for i, x in enumerate(inside) if x]
            if idx:
                for i in range(idx[0], idx[-1] + 1):
                    if not inside[i]:
                        if seq[i][1]:
                            n_mark += 1
                        else:
                            n_glue += 1
        glue[lp], markers[lp] = n_glue, n_mark
    lengths = {}
    if model is not None:
        for lp, _, _ in top:
            try:
                lengths[lp] = len(model.get_submodule(lp))
            except Exception:
                lengths[lp] = None
    return dict(
        block_lists=top,
        nested_lists=sorted(nested.values()),
        list_lengths=lengths,
        glue_nodes=glue,
        stackless_markers=markers,
        nodes=nodes_total,
        nodes_without_stack=nodes_nostack,
        path_formats=sorted(formats),
    )


def _accepts_return_dict(model: nn.Module) -> bool:
    import inspect

    try:
        return "return_dict" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False


def _trace(model, kwargs, fullgraph=True):
    """torch.compile(model, backend=<recorder>, fullgraph=...)(**kwargs) under no_grad: (output | exc, graphs)."""
    graphs = []

    def backend(gm, example_inputs, **kw):
        graphs.append(gm)
        return gm.forward

    torch._dynamo.reset()
    try:
        with torch.no_grad():
            return torch.compile(model, backend=backend, fullgraph=fullgraph)(**kwargs), None, graphs
    except Exception as e:  # noqa: BLE001 - any tracing failure is a recorded fact
        return None, e, graphs
    finally:
        torch._dynamo.reset()


def probe_family(
    fam: Family, seed: int = 0, fullgraph: bool = True, timing: bool = True, full: bool = True, minimal: bool = False
) -> dict:
    """Trace ``fam`` under torch.no_grad() with a recording backend and return the facts PROBED stores.

    ``traces``: fullgraph works on a fresh model (no eager call before) with ``make_inputs`` as is.
    ``traces_after_eager``: ... after one eager forward (lazily built caches, e.g. Z-Image's RoPE table, exist).
    ``traces_return_dict_false``: ... with ``return_dict=False`` added (what the pipelines pass), after eager.
    Block lists come from the first successful of these traces (in that order). ``full=False`` skips the
    return_dict=False trace when the cold trace already succeeded (used by the tests to save time)."""
    import time

    model = fam.make_model(seed, minimal=minimal)
    kwargs = fam.make_inputs(1, seed, minimal=minimal)
    t0 = time.perf_counter()
    cold_out, cold_exc, cold_graphs = _trace(model, kwargs, fullgraph)
    trace_s = round(time.perf_counter() - t0, 2)
    with torch.no_grad():
        eager = model(**kwargs)
        forward_ms = None
        if timing:
            ts = []
            for _ in range(3):
                t1 = time.perf_counter()
                model(**kwargs)
                ts.append(time.perf_counter() - t1)
            forward_ms = round(sorted(ts)[1] * 1000, 1)
        sched = fam.timesteps(4)
        t_sensitive = not torch.allclose(
            fam.output_tensor(model(**fam.with_timestep(kwargs, sched[0]))),
            fam.output_tensor(model(**fam.with_timestep(kwargs, sched[2]))),
        )
    res = dict(
        output_kind=_output_kind(eager),
        forward_ms=forward_ms,
        t_sensitive=t_sensitive,
        traces=cold_exc is None,
        break_reason=None if cold_exc is None else _short_reason(cold_exc),
    )
    used_out, used_graphs = (cold_out, cold_graphs) if cold_exc is None else (None, None)
    if cold_exc is None:
        res["traces_after_eager"] = True
    else:
        warm_out, warm_exc, warm_graphs = _trace(model, kwargs, fullgraph)
        res["traces_after_eager"] = warm_exc is None
        if warm_exc is None:
            used_out, used_graphs = warm_out, warm_graphs
    if _accepts_return_dict(model) and (full or used_graphs is None):
        rd_out, rd_exc, rd_graphs = _trace(model, {**kwargs, "return_dict": False}, fullgraph)
        res["traces_return_dict_false"] = rd_exc is None
        res["break_reason_return_dict_false"] = None if rd_exc is None else _short_reason(rd_exc)
        if used_graphs is None and rd_exc is None:
            used_out, used_graphs = rd_out, rd_graphs
    else:
        res["traces_return_dict_false"] = None
        res["break_reason_return_dict_false"] = None
    res["traced_via"] = (
        None
        if used_graphs is None
        else "cold"
        if cold_exc is None
        else "after_eager"
        if res["traces_after_eager"]
        else "return_dict_false"
    )
    if used_graphs is not None:
        a, b = fam.output_tensor(eager), fam.output_tensor(used_out)
        same_shape = a.shape == b.shape
        res["compiled_matches_eager"] = bool(same_shape and torch.allclose(a, b, atol=1e-5, rtol=1e-4))
        res["max_abs_diff"] = float((a.float() - b.float()).abs().max()) if same_shape else None
    else:
        res["compiled_matches_eager"] = None
        res["max_abs_diff"] = None
    res["trace_s"] = trace_s
    res["graphs"] = len(used_graphs if used_graphs is not None else cold_graphs)
    res.update(block_lists_from_graphs(used_graphs if used_graphs is not None else cold_graphs, model))
    return res


QUICK_KEPT = ("forward_ms", "trace_s", "traces_return_dict_false", "break_reason_return_dict_false")


def _probe_all(names=None, minimal: bool = False, quick: bool = False, recorded: dict | None = None) -> dict:
    """Probe families; ``quick``: one trace and no timing, the ``QUICK_KEPT`` facts come from ``recorded``
    (where a family has a record; else timing is None and trace_s is this machine's)."""
    torch.set_num_threads(1)
    out = {}
    for name in names or FAMILIES:
        fam = FAMILIES[name]
        if minimal and fam.minimal is None:
            continue
        rec = probe_family(fam, minimal=minimal, timing=not quick, full=not quick)
        old = (recorded or {}).get(name)
        if quick and old:
            rec.update({k: old[k] for k in QUICK_KEPT if k in old})
        if rec["traced_via"] is None:  # nothing traces fullgraph: what does a graph-broken compile see?
            partial = probe_family(fam, fullgraph=False, timing=False, minimal=minimal)
            rec["partial"] = {k: partial[k] for k in ("graphs", "block_lists", "compiled_matches_eager")}
        out[name] = rec
        print(
            f"{name:26s} {'minimal' if minimal else 'normal':7s} traces={rec['traces']!s:5} "
            f"warm={rec['traces_after_eager']!s:5} rd0={rec['traces_return_dict_false']!s:5} "
            f"match={rec['compiled_matches_eager']!s:5} {rec['forward_ms']}ms trace={rec['trace_s']}s "
            f"lists={rec['block_lists']} {rec['break_reason'] or ''}",
            flush=True,
        )
    return out


def summary_table(probed: dict) -> str:
    """family | class | fullgraph | out | fwd ms | block lists, then the graph-break reasons as footnotes."""
    rows = [("family", "class", "fullgraph", "out", "fwd ms", "block lists in execution order: list xN [block class]")]
    notes = []
    for name, fam in FAMILIES.items():
        p = probed.get(name)
        if p is None:
            continue
        if p["traces"]:
            tr = "y"
        elif p["traces_after_eager"]:
            tr = "after eager"
        elif p.get("traces_return_dict_false"):
            tr = "return_dict=False"
        else:
            tr = "n"
        if not p["traces"]:
            notes.append(f"[{len(notes) + 1}] {name}: {p['break_reason']}")
            tr += f" [{len(notes)}]"
        if p["traced_via"] and not p["compiled_matches_eager"]:
            tr += " (!= eager)"
        bl = p["block_lists"] if p["traced_via"] else p.get("partial", {}).get("block_lists", [])
        lists = ", ".join(f"{lp} x{n} [{c}]" for lp, n, c in bl) or "-"
        if not p["traced_via"]:
            lists = "(graph-broken compile) " + lists
        out = p["output_kind"] if not p["output_kind"].startswith("other:") else "object"
        rows.append((name, fam.cls_name, tr, out, str(p["forward_ms"]), lists))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for r in rows:
        lines.append(" | ".join([r[i].ljust(widths[i]) for i in range(5)] + [r[5]]).rstrip())
        if len(lines) == 1:
            lines.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 20)
    return "\n".join(lines + [""] + notes)


def write_probe(normal: dict, minimal: dict, path=PROBE_PATH) -> None:
    """Write both configs' facts, families in registry order (tuples become JSON lists)."""
    order = list(FAMILIES)
    data = {
        "normal": {n: normal[n] for n in order if n in normal},
        "minimal": {n: minimal[n] for n in order if n in minimal},
    }
    path.write_text(json.dumps(data, indent=1) + "\n")


def main(argv) -> None:
    args = [a for a in argv if not a.startswith("-")]
    unknown = sorted(set(args) - set(FAMILIES))
    if unknown:
        raise SystemExit(f"unknown families {unknown}")
    if "--probe" not in argv:
        print(summary_table(PROBED_MINIMAL if "--minimal" in argv else PROBED))
        return
    configs = [c for c in CONFIGS if f"--{c}" in argv] or list(CONFIGS)
    normal, minimal = dict(PROBED), dict(PROBED_MINIMAL)
    for config in configs:
        facts = minimal if config == "minimal" else normal
        facts.update(_probe_all(args or None, minimal=config == "minimal", quick="--quick" in argv, recorded=facts))
    if "--dry" not in argv:
        write_probe(normal, minimal)


if __name__ == "__main__":
    main(sys.argv[1:])
