"""``manifest.json``: what was exported, for which model and schedule, and a sha256 of every file.

Loading refuses (with :class:`ManifestError`) a missing manifest or artifact, an artifact whose hash
changed, a manifest of another format version, and a schedule that differs from the exported one.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "SCHEDULE_KEYS",
    "ManifestError",
    "sha256_file",
    "config_hash",
    "read_manifest",
    "write_manifest",
    "verify_artifacts",
    "schedule_dict",
    "compare_schedule",
    "build_manifest",
]

FORMAT_VERSION = 3  # 2: schedule_sha256, files listed, schema; 3: cache groups, several variant kinds
MANIFEST = "manifest.json"


def _schedule_keys() -> tuple:
    from ..options import schedule_keys

    return schedule_keys()


# Settings fields that decide which variant runs when (metadata schedule=True); they must match between
# export and load
SCHEDULE_KEYS = _schedule_keys()


class ManifestError(ValueError):
    """An export directory that cannot be loaded as it is (missing/edited files, other version or schedule)."""


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return repr(x)


def model_config(model) -> dict | None:
    cfg = getattr(model, "config", None)
    if cfg is None:
        return None
    try:
        return _jsonable({k: v for k, v in dict(cfg).items() if not str(k).startswith("_")})
    except (TypeError, ValueError):
        return None


def config_hash(model) -> str:
    """sha256 of the model's config (diffusers ``model.config``), or of its parameter names and
    shapes when it has none."""
    cfg = model_config(model)
    if cfg is None:
        cfg = {n: list(p.shape) for n, p in model.state_dict().items()}
    payload = json.dumps(
        {"class": f"{type(model).__module__}.{type(model).__qualname__}", "config": cfg}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def schedule_dict(settings) -> dict:
    out = {}
    for k in SCHEDULE_KEYS:
        v = getattr(settings, k)
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def compare_schedule(exported: dict, asked: dict) -> list[str]:
    """Lines naming every schedule field that differs (empty: the same schedule)."""
    diffs = []
    for k in SCHEDULE_KEYS:
        a, b = exported.get(k), asked.get(k)
        a = list(a) if isinstance(a, tuple) else a
        b = list(b) if isinstance(b, tuple) else b
        if a != b:
            diffs.append(f"{k}: exported {a!r}, asked {b!r}")
    return diffs


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    path = Path(out_dir) / MANIFEST
    path.write_text(json.dumps(_jsonable(manifest), indent=2, sort_keys=False) + "\n")
    return path


def read_manifest(out_dir) -> dict:
    out_dir = Path(out_dir)
    path = out_dir / MANIFEST
    if not out_dir.is_dir():
        raise ManifestError(
            f"blockdance export: {out_dir} is not a directory (expected the out_dir of bdcompile.export)"
        )
    if not path.is_file():
        raise ManifestError(
            f"blockdance export: {path} is missing; {out_dir} is not a complete bdcompile export "
            "(re-run bdcompile.export / `bdcompile export`)"
        )
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ManifestError(f"blockdance export: {path} is not valid JSON ({e})") from e
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if version != FORMAT_VERSION:
        raise ManifestError(
            f"blockdance export: {path} has format_version {version!r}; this bdcompile reads "
            f"format_version {FORMAT_VERSION}. Re-export with this version of bdcompile."
        )
    from .schema import validate_manifest

    validate_manifest(manifest, where=str(path))
    return manifest


def verify_artifacts(out_dir, manifest: dict, fmt: str, check_hashes: bool = True) -> dict[str, Any]:
    """The files of one format, checked: every file a variant reads is listed, lies inside ``out_dir``,
    is present and, unless ``check_hashes=False``, unchanged (sha256)."""
    from .schema import check_file_path, referenced_files

    out_dir = Path(out_dir)
    arts = manifest.get("artifacts", {})
    if fmt not in arts:
        raise ManifestError(
            f"blockdance export: {out_dir} holds no {fmt!r} artifacts; exported formats: {sorted(arts) or 'none'}"
        )
    entry = arts[fmt]
    for rel, info in entry["files"].items():
        p = check_file_path(out_dir, rel, f"artifacts.{fmt}.files[{rel!r}]")
        if not p.is_file():
            raise ManifestError(
                f"blockdance export: artifact {rel} listed in {MANIFEST} is missing from {out_dir}; "
                "the export is incomplete (re-export, or copy the whole directory)"
            )
        if p.stat().st_size != info["bytes"]:
            raise ManifestError(
                f"blockdance export: artifact {rel} has {p.stat().st_size} bytes, the manifest says "
                f"{info['bytes']}: the file was modified or truncated after export (sha256 mismatch)"
            )
        if check_hashes:
            digest = sha256_file(p)
            if digest != info["sha256"]:
                raise ManifestError(
                    f"blockdance export: sha256 mismatch for {rel}: manifest {info['sha256'][:16]}..., "
                    f"file {digest[:16]}...: the file was modified after export; refusing to load it"
                )
    for name, v in entry["variants"].items():
        check_file_path(out_dir, v["file"], f"artifacts.{fmt}.variants.{name}.file")
        for rel in referenced_files(out_dir, v["file"]):
            check_file_path(out_dir, rel, f"the external data {rel!r} of {v['file']}")
            if rel not in entry["files"]:
                raise ManifestError(
                    f"blockdance export: {v['file']} reads {rel!r}, which is not listed in "
                    f"artifacts.{fmt}.files with its sha256; refusing to load an unlisted file"
                )
    return entry


# ------------------------------------------------------------------------------ building
def build_manifest(model, traced, settings, formats, artifacts: dict) -> dict:
    """The manifest of an export: the model, its inputs and outputs, the blocks and the cut, the cache
    layout, the schedule (and its sha256), the variants and the artifacts written per format
    (``{fmt: {"variants": ..., "files": {rel: {"sha256", "bytes"}}}}``). ``traced`` is the
    :class:`~bdcompile.export.graph.Traced` of ``model``; ``settings`` its (resolved) settings."""
    import torch

    from ..schedules import plan_string
    from .graph import dtype_name
    from .schema import schedule_sha256

    cut_desc = traced.cut.describe() if traced.cut is not None else []
    plan = None
    if settings.num_steps:
        plan = plan_string(settings.schedule().plan(settings.num_steps))
    var_desc = {n: v.describe() for n, v in traced.variants.items()}
    for n, v in traced.variants.items():
        var_desc[n]["dim_names"] = v.dim_names
    full_outputs = {o["name"]: o for o in var_desc["full"]["outputs"]}
    spec = traced.spec
    params = list(model.parameters())
    manifest = {
        "format_version": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"bdcompile": _version(), "torch": torch.__version__, **_optional_versions(formats)},
        "model": {
            "class": f"{type(model).__module__}.{type(model).__qualname__}",
            "config": model_config(model),
            "config_hash": config_hash(model),
            "parameters": sum(p.numel() for p in model.parameters()),
            "device": str(params[0].device) if params else "cpu",
        },
        "forward_args": traced.forward_args,
        "return_dict_default": traced.return_dict_default,
        "inputs": [s.to_json() for s in traced.inputs],
        "constants": traced.constants,
        "outputs": [
            {"name": n, "dtype": dtype_name(o.dtype), "example_shape": list(o.shape)}
            for n, o in zip(traced.output_names, traced.outputs)
        ],
        "dynamic": traced.dynamic,
        "notes": traced.notes,
        "shape_guards": traced.guards,
        "blocks": {
            "names": [b.name for b in traced.regions.blocks],
            "stacks": traced.regions.stacks,
            "classes": sorted({b.cls for b in traced.regions.blocks}),
        },
        "boundary": settings.boundary,
        "skipped_blocks": [b.name for b in traced.regions.blocks[: settings.boundary]],
        "cut": [
            {
                "name": cn,
                "node": c["node"],
                "shape": traced.name_dims(c["shape"]),
                "example_shape": full_outputs[cn]["example_shape"],
                "dtype": c["dtype"],
            }
            for cn, c in zip(traced.cut_names, cut_desc)
        ],
        "cache": {
            "layout": [[g, n] for g, n in spec.layout],
            "needs": {a: list(g) for a, g in spec.needs.items()},
            "variant": spec.variant,
            "history": spec.history,
            "order": spec.order,
            "adaptive": spec.adaptive,
        },
        "schedule": schedule_dict(settings),
        "schedule_sha256": schedule_sha256(schedule_dict(settings)),
        "plan": plan,
        "variants": var_desc,
        "artifacts": artifacts,
    }
    return manifest


def _version() -> str:
    from .. import __version__

    return __version__


def _optional_versions(formats) -> dict:
    out = {}
    for mod in ("onnx", "onnxscript", "onnxruntime", "torch_tensorrt"):
        try:
            m = __import__(mod)
            out[mod] = getattr(m, "__version__", "?")
        except ImportError:
            pass
    return out
