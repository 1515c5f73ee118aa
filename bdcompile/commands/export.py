"""``bdcompile export``: export BlockDance step variants from the command line.

    bdcompile export --model digits --num-steps 20 --out out/digits            # an embedded model
    bdcompile export --model-class PixArtTransformer2DModel --config config.json --out out/pixart \\
        --format onnx aoti --example-batch 2 --boundary 21 --num-steps 20
    bdcompile export --model mypkg.models:make_transformer --out out/mine --format onnx
    bdcompile export --model-class SD3Transformer2DModel --weights /models/sd3/transformer --out out/sd3

``--model`` takes an embedded model's name (its trained weights, example inputs of one image with CFG), or
``module:factory`` (or ``path/to/file.py:factory``), a callable returning the model or
``(model, example_kwargs)``.  ``--model-class`` takes a diffusers class name (or ``pkg.mod.Class``)
with ``--config config.json`` (random weights unless ``--weights``) or ``--weights DIR`` (a local
``from_pretrained`` directory) or ``--weights file.safetensors`` with ``--config``. A config whose values
sit under a ``"config"`` key (the embedded models' cards) is unwrapped; keys the class does not take are
an error, not silently dropped.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path

from . import common
from .common import POSITIVE

__all__ = ["add_parser", "run", "build_model", "read_config"]

_DTYPES = {
    "float32": "float32",
    "fp32": "float32",
    "float16": "float16",
    "fp16": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}


def add_parser(subparsers) -> argparse.ArgumentParser:
    from .. import zoo

    e = subparsers.add_parser(
        "export",
        help="export the schedule's variants (full, reuse, forecast, residual, "
        "adaptive) to ONNX, AOTInductor or TensorRT with a manifest",
        description=__doc__,
        formatter_class=common.HelpFormatter,
    )
    src = e.add_argument_group("model")
    src.add_argument(
        "--model",
        default=None,
        help=f"an embedded model ({', '.join(zoo.EMBEDDED)}), or module:factory "
        "or file.py:factory returning a model or (model, example_kwargs)",
    )
    src.add_argument(
        "--model-class", default=None, help="diffusers class name (e.g. PixArtTransformer2DModel) or pkg.mod.Class"
    )
    src.add_argument("--config", default=None, help="config.json of --model-class (random weights unless --weights)")
    src.add_argument("--weights", default=None, help="a local from_pretrained directory, or a .safetensors state dict")
    src.add_argument("--subfolder", default=None, help="subfolder of --weights (e.g. transformer)")
    src.add_argument("--device", default="cpu", help="device to trace and compile on (AOTI/TensorRT compile for it)")
    src.add_argument("--dtype", default="float32", choices=sorted(_DTYPES))
    ex = e.add_argument_group("example inputs (ignored when the factory returns them)")
    ex.add_argument(
        "--example-batch", type=POSITIVE, default=2, help="batch of the example inputs (>= 2 keeps batch dynamic)"
    )
    ex.add_argument(
        "--example-size", type=POSITIVE, default=None, help="latent height = width (default: config sample_size)"
    )
    ex.add_argument("--text-len", type=POSITIVE, default=8, help="text tokens of the example conditioning")
    out = e.add_argument_group("output")
    out.add_argument("--out", required=True, help="output directory (manifest.json + one folder per format)")
    out.add_argument("--format", nargs="+", default=["onnx"], choices=["onnx", "aoti", "tensorrt"])
    out.add_argument(
        "--dynamic",
        nargs="*",
        default=["batch", "resolution", "sequence"],
        choices=["batch", "resolution", "sequence"],
        help="dims to keep dynamic where the graph allows",
    )
    out.add_argument("--opset", type=POSITIVE, default=None)
    out.add_argument("--no-verify", action="store_true", help="do not run each artifact once against the traced graph")
    out.add_argument(
        "--triton",
        default=None,
        metavar="DIR",
        help="also write a Triton model repository serving the export to DIR (see `bdcompile serve`)",
    )
    sch = e.add_argument_group("schedule (the backend's options)")
    sch.add_argument("--boundary", type=POSITIVE, default=None)
    sch.add_argument("--warmup", type=float, default=0.4)
    sch.add_argument("--stop", type=float, default=0.95)
    sch.add_argument("--interval", type=POSITIVE, default=2)
    sch.add_argument("--num-steps", type=POSITIVE, default=None)
    sch.add_argument(
        "--reuse",
        default="cache",
        choices=["cache", "forecast", "residual", "adaptive"],
        help="what a skipped step feeds in place of the skipped blocks (see the options table)",
    )
    sch.add_argument("--order", type=POSITIVE, default=1)
    sch.add_argument(
        "--plan",
        default=None,
        help="explicit plan: comma-separated actions (full, reuse, forecast, residual, adaptive, "
        "reuse@6) or a plan string of F/r/f/R/a with optional boundaries (FFFr6R12)",
    )
    sch.add_argument("--step-source", default="timestep", choices=["timestep", "counter"])
    sch.add_argument("--calls-per-step", type=POSITIVE, default=1)
    sch.add_argument("--stacks", nargs="*", default=None, help="block list names (default: detected)")
    e.set_defaults(fn=run)
    return e


def _import_factory(spec: str):
    from .. import zoo

    if spec in zoo.EMBEDDED:
        return lambda: _embedded(spec)
    if ":" not in spec:
        raise SystemExit(
            f"bdcompile export: --model expects an embedded model ({', '.join(zoo.EMBEDDED)}), "
            f"module:factory or file.py:factory; got {spec!r}"
        )
    mod_name, fn_name = spec.rsplit(":", 1)
    if mod_name.endswith(".py"):
        path = Path(mod_name)
        s = importlib.util.spec_from_file_location(path.stem, path)
        if s is None or s.loader is None:
            raise SystemExit(f"bdcompile export: cannot import {path}")
        mod = importlib.util.module_from_spec(s)
        sys.modules[path.stem] = mod
        s.loader.exec_module(mod)
    else:
        mod = importlib.import_module(mod_name)
    try:
        return getattr(mod, fn_name)
    except AttributeError:
        raise SystemExit(f"bdcompile export: {mod_name} has no {fn_name!r}") from None


def _model_class(name: str):
    if "." in name:
        mod, cls = name.rsplit(".", 1)
        return getattr(importlib.import_module(mod), cls)
    import diffusers

    cls = getattr(diffusers, name, None)
    if cls is None:
        raise SystemExit(f"bdcompile export: diffusers has no class {name!r} (pass pkg.module.Class for others)")
    return cls


def _embedded(name: str):
    """An embedded model's trained transformer and example inputs (batch 2: one image with CFG)."""
    from .. import zoo
    from ..export.inputs import example_inputs_for

    m = zoo.embedded(name)
    model = m.load_transformer()
    return model, example_inputs_for(model, batch=2, text_len=getattr(m, "PROMPT_TOKENS", 8))


def read_config(path, cls) -> dict:
    """The init arguments of ``cls`` in ``path`` (a config.json). Values nested under ``"config"`` (the
    embedded models' cards) are unwrapped; keys ``cls`` does not take raise ``SystemExit`` naming them:
    diffusers would drop them and build a default-sized model instead."""
    import inspect

    config = json.loads(Path(path).read_text())
    if not isinstance(config, dict):
        raise SystemExit(
            f"bdcompile export: {path} holds a {type(config).__name__}, not a JSON object of {cls.__name__}'s arguments"
        )
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return config
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    names = {n for n in params if n != "self"}
    given = {k for k in config if not k.startswith("_")}
    if isinstance(config.get("config"), dict) and "config" not in names and not (given - {"config"}) & names:
        print(
            f'bdcompile export: {path}: using the arguments under its "config" key '
            f"(other keys: {', '.join(sorted(given - {'config'})) or 'none'})",
            file=sys.stderr,
        )
        config = config["config"]
        given = {k for k in config if not k.startswith("_")}
    unknown = sorted(given - names)
    if unknown and not accepts_any:
        raise SystemExit(
            f"bdcompile export: {path} has keys that {cls.__name__} does not take: {', '.join(unknown)}. "
            f"Is it the config of another model? {cls.__name__} takes: {', '.join(sorted(names))}"
        )
    return config


def build_model(args):
    """(model, example_kwargs or None) from the CLI arguments."""
    import torch

    if bool(args.model) == bool(args.model_class):
        raise SystemExit("bdcompile export: pass exactly one of --model module:factory or --model-class NAME")
    kwargs = None
    if args.model:
        made = _import_factory(args.model)()
        model, kwargs = made if isinstance(made, tuple) else (made, None)
    else:
        cls = _model_class(args.model_class)
        weights = Path(args.weights) if args.weights else None
        if weights is not None and weights.is_dir():
            extra = {"subfolder": args.subfolder} if args.subfolder else {}
            model = cls.from_pretrained(str(weights), local_files_only=True, **extra)
        else:
            if not args.config:
                raise SystemExit("bdcompile export: --model-class needs --config config.json (or --weights DIR)")
            config = read_config(args.config, cls)
            model = cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
            if weights is not None:
                from safetensors.torch import load_file

                missing, unexpected = model.load_state_dict(load_file(str(weights)), strict=False)
                if missing or unexpected:
                    raise SystemExit(
                        f"bdcompile export: {weights} does not fit {cls.__name__}: missing {missing[:5]}, "
                        f"unexpected {unexpected[:5]}"
                    )
            else:
                print(
                    "bdcompile export: no --weights: exporting random weights (fine for trying the pipeline out)",
                    file=sys.stderr,
                )
    dtype = getattr(torch, _DTYPES[args.dtype])
    model = model.to(device=args.device, dtype=dtype).eval()
    return model, kwargs


def _schedule(args) -> dict:
    opts = dict(
        warmup=args.warmup,
        stop=args.stop,
        interval=args.interval,
        num_steps=args.num_steps,
        reuse=args.reuse,
        order=args.order,
        step_source=args.step_source,
        calls_per_step=args.calls_per_step,
    )
    if args.boundary is not None:
        opts["boundary"] = args.boundary
    if args.stacks:
        opts["stacks"] = list(args.stacks)
    if args.plan:
        words = "," in args.plan or args.plan.split("@")[0] in ("full", "reuse", "forecast", "residual", "adaptive")
        opts["plan"] = args.plan.split(",") if words else args.plan  # a plan string: the options parse it
    return opts


def run(args) -> int:
    from ..export import export_variants
    from ..export.inputs import example_inputs_for
    from ..timing import stage

    model, kwargs = build_model(args)
    if kwargs is None:
        kwargs = example_inputs_for(model, batch=args.example_batch, size=args.example_size, text_len=args.text_len)
    what = f"exporting {type(model).__name__} to {', '.join(args.format)} (trace, passes, one artifact per variant)"
    with stage(what):
        manifest = export_variants(
            model,
            kwargs,
            args.out,
            formats=tuple(args.format),
            dynamic=tuple(args.dynamic or ()),
            verify=not args.no_verify,
            opset=args.opset,
            **_schedule(args),
        )
    blocks = manifest["blocks"]["names"]
    print(
        f"exported {manifest['model']['class'].rsplit('.', 1)[-1]}: {len(blocks)} blocks "
        f"{manifest['blocks']['stacks']}, "
        f"boundary {manifest['boundary']} (reuse skips {blocks[0]} .. {blocks[manifest['boundary'] - 1]})"
    )
    print("cut: " + ", ".join(f"{c['name']}{c['shape']}" for c in manifest["cut"]))
    print(f"dynamic: {manifest['dynamic']}" + (f"  notes: {'; '.join(manifest['notes'])}" if manifest["notes"] else ""))
    if manifest.get("plan"):
        print(f"plan: {manifest['plan']}")
    for fmt, entry in manifest["artifacts"].items():
        size = sum(f["bytes"] for f in entry["files"].values()) / 2**20
        print(f"{fmt}: {', '.join(v['file'] for v in entry['variants'].values())} ({size:.1f} MiB)")
    print(f"manifest: {Path(args.out) / 'manifest.json'}")
    if args.triton:
        from ..serving.repository import write_repository

        repo = write_repository(args.out, args.triton, format="onnx" if "onnx" in args.format else args.format[0])
        print(f"triton model repository: {repo} (bdcompile serve {repo})")
    return 0
