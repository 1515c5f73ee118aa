"""``export_variants``: trace a model, write its step variants per format, the manifest, and verify them.

See :mod:`bdcompile.export` for the whole picture and a usage example.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Optional, Sequence

import torch

from ..options import Settings
from .artifacts import FORMATS, require_onnx, require_tensorrt, write_aoti, write_onnx, write_tensorrt
from .graph import DYNAMIC_KINDS, ExportError, trace
from .manifest import MANIFEST, build_manifest, sha256_file, write_manifest
from .runner import load

log = logging.getLogger("bdcompile.export")

__all__ = ["export_variants"]

_SUFFIX = {"onnx": ".onnx", "aoti": ".pt2", "tensorrt": ".ep"}


def _settings(boundary, options: Optional[dict], schedule: dict) -> Settings:
    opts = dict(options or {})
    opts.update(schedule)
    if boundary is not None:
        opts["boundary"] = boundary
    opts.pop("fallback", None)
    opts["inner"] = "eager"  # the inner compiler is the export format here
    settings = Settings.from_options(opts)
    if "adaptive" in settings.actions():
        # torch.export does not carry a hand-built torch.cond through functionalization (torch 2.13): an
        # exported adaptive step is a probe graph, one scalar read, and one of two branch graphs
        settings = Settings.from_options(dict(opts, decide="host"))
    return settings


def _rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    """Relative error, with an absolute floor: an output near zero (an adaptive probe's change when
    the step equals the cached one) is compared to 1e-5, not divided by its own rounding."""
    a, b = a.detach().float().cpu(), b.detach().float().cpu()
    return float((a - b).norm() / b.norm().clamp_min(1e-5 * max(1, b.numel()) ** 0.5))


def _verify(runner_backend, var, fmt: str, tol: float) -> float:
    """Run one artifact on the variant's example inputs and compare with the traced variant."""
    with torch.no_grad():
        want = list(var.gm(*var.example_inputs))
    if fmt == "onnx":
        got, _ = runner_backend.run(var.name, var.example_inputs, [], len(var.output_names), names=var.input_names)
    else:
        got = list(runner_backend.models[var.name](*var.example_inputs))
    errs = [_rel_err(g, w) for g, w in zip(got, want)]
    worst = max(errs) if errs else 0.0
    if worst > tol:
        raise ExportError(
            f"blockdance export: the {fmt} artifact of the {var.name} variant differs from the traced "
            f"graph (relative error {worst:.2e} > {tol:.0e}); pass verify=False to keep it anyway"
        )
    return worst


def export_variants(
    model: torch.nn.Module,
    example_kwargs: dict,
    out_dir,
    formats: Sequence[str] = ("onnx", "aoti"),
    boundary: Optional[int] = None,
    options: Optional[dict] = None,
    *,
    dynamic: Sequence[str] = DYNAMIC_KINDS,
    verify: bool = True,
    opset: Optional[int] = None,
    overwrite: bool = True,
    inductor_configs: Optional[dict] = None,
    **schedule,
) -> dict:
    """Export the full / reuse (/ forecast) variants of ``model`` to ``out_dir`` and write ``manifest.json``.

    model           the transformer (``nn.Module``), in eval mode, on the device the artifacts target
                    (AOTInductor and TensorRT compile for it; ONNX is device independent).
    example_kwargs  one call's keyword arguments, e.g. ``hidden_states``, ``encoder_hidden_states``,
                    ``timestep`` (use a batch >= 2; a batch of 1 is repeated to 2).
    formats         any of "onnx", "aoti", "tensorrt".
    boundary, options, **schedule   the backend's options (:class:`bdcompile.Settings`): boundary, warmup,
                    stop, interval, num_steps, plan, reuse ("cache" / "forecast"), order, step_source,
                    calls_per_step, stacks, timestep_arg. The schedule is stored in the manifest; the
                    runners follow it.
    dynamic         dims kept dynamic where the traced graph allows it: "batch", "resolution" (the
                    spatial dims of ``hidden_states``) and "sequence" (dim 1 of 3-D conditioning inputs).
                    A kind the model's graph pins to the example (e.g. a fixed positional-embedding
                    table) is exported static, with a note in the manifest.
    verify          run every artifact once on the example inputs and compare it with the traced graph.

    Returns the manifest (a dict); the files are under ``out_dir``.
    """
    formats = tuple(dict.fromkeys(formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"blockdance export: unknown format(s) {bad}; formats: {list(FORMATS)}")
    if "tensorrt" in formats:
        require_tensorrt()
    if "onnx" in formats:
        require_onnx()
    settings = _settings(boundary, options, schedule)
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise FileExistsError(f"blockdance export: {out_dir} is not empty (pass overwrite=True)")
        if (out_dir / MANIFEST).exists():
            (out_dir / MANIFEST).unlink()  # an interrupted re-export must not look complete
        for fmt in FORMATS:
            if (out_dir / fmt).is_dir():
                shutil.rmtree(out_dir / fmt)
    out_dir.mkdir(parents=True, exist_ok=True)

    was_training = model.training
    model.eval()
    try:
        traced = trace(model, example_kwargs, settings, dynamic=dynamic)
    finally:
        model.train(was_training)
    settings = traced.settings

    artifacts: dict = {}
    for fmt in formats:
        variants = {}
        files = {}
        for name, var in traced.variants.items():
            path = out_dir / fmt / f"{name.replace('@', '_')}{_SUFFIX[fmt]}"
            log.info("blockdance export: writing %s", path)
            if fmt == "onnx":
                written = write_onnx(var, path, opset=opset)
            elif fmt == "aoti":
                written = write_aoti(var, path, inductor_configs=inductor_configs)
            else:
                written = write_tensorrt(var, path)
            variants[name] = {
                "file": os.path.relpath(path, out_dir),
                "inputs": list(var.input_names),
                "outputs": list(var.output_names),
            }
            for p in written:
                files[os.path.relpath(p, out_dir)] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
        artifacts[fmt] = {"variants": variants, "files": files}

    manifest = build_manifest(model, traced, settings, formats, artifacts)
    write_manifest(out_dir, manifest)

    if verify:
        for fmt in formats:
            if fmt == "tensorrt" and not torch.cuda.is_available():
                continue
            runner = load(out_dir, format=fmt, check_hashes=False)
            for var in traced.variants.values():
                _verify(runner.backend, var, fmt, tol=1e-3 if fmt != "tensorrt" else 1e-2)
        if traced.dynamic["batch"]:
            problem = _check_batch_one(model, traced, out_dir, [f for f in formats if f != "tensorrt"])
            if problem:
                manifest["min_batch"] = 2
                manifest["notes"].append(problem)
                log.warning("blockdance export: %s", problem)
                write_manifest(out_dir, manifest)
    manifest["out_dir"] = str(out_dir)
    return manifest


def _check_batch_one(model, traced, out_dir: Path, formats) -> Optional[str]:
    """torch.export assumes dynamic dims are >= 2; run a batch of 1 through each artifact (a full
    step) against the eager model. Returns what went wrong, or None."""
    from torch.utils import _pytree as pytree

    from .graph import leaf_name

    batched = {s.name for s in traced.inputs if s.dynamic_axes.get(0) == "batch"}
    one = pytree.tree_map_with_path(
        lambda p, x: x[:1] if isinstance(x, torch.Tensor) and leaf_name(p) in batched else x, traced.example_kwargs
    )
    with torch.no_grad():
        ref = model(**one)
    ref = next(x for x in pytree.tree_leaves(ref) if isinstance(x, torch.Tensor))
    for fmt in formats:
        try:
            got = load(out_dir, format=fmt, check_hashes=False)(**one)[0]
            err = _rel_err(got, ref)
        except Exception as e:  # an artifact that cannot run a batch of 1 at all
            return (
                f"a batch of 1 fails in the {fmt} artifact ({type(e).__name__}: {str(e).splitlines()[0][:200]}); "
                "runners refuse batches below 2"
            )
        if err > 1e-3:
            return (
                f"a batch of 1 gives a different result in the {fmt} artifact (relative error {err:.1e}; "
                "torch.export assumed batch >= 2); runners refuse batches below 2"
            )
    return None
