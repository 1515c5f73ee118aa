"""The manifest's schema and integrity checks, run at every load.

A manifest is refused (:class:`~bdcompile.export.manifest.ManifestError` naming the key) when it does
not match the schema, when a file a variant reads is not listed with its sha256, when a listed path
leaves the export folder (absolute, ``..``, a link pointing out), when the schedule differs from
its recorded hash, or when its parts contradict each other (a reuse variant whose cache inputs are
not the cut, a plan that is not the schedule's).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath

__all__ = ["SCHEMA", "validate_manifest", "schedule_sha256", "check_file_path", "referenced_files"]

_DIM = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "minLength": 1}]}
_PATH = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
_TENSOR = {
    "type": "object",
    "required": ["name", "dtype", "example_shape"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "dtype": {"type": "string"},
        "example_shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
    },
}
_SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

SCHEMA = {
    "type": "object",
    "required": [
        "format_version",
        "model",
        "forward_args",
        "inputs",
        "constants",
        "outputs",
        "dynamic",
        "blocks",
        "boundary",
        "cut",
        "cache",
        "schedule",
        "schedule_sha256",
        "artifacts",
    ],
    "properties": {
        "format_version": {"type": "integer"},
        "model": {
            "type": "object",
            "required": ["class"],
            "properties": {
                "class": {"type": "string"},
                "config": {"type": ["object", "null"]},
                "device": {"type": "string"},
            },
        },
        "forward_args": {"type": "array", "items": {"type": "string"}},
        "return_dict_default": {"type": "boolean"},
        "inputs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "path", "dtype", "shape", "example_shape", "dynamic_axes"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "path": dict(_PATH, minItems=1),
                    "dtype": {"type": "string"},
                    "shape": {"type": "array", "items": _DIM},
                    "example_shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                    "dynamic_axes": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "propertyNames": {"pattern": "^[0-9]+$"},
                    },
                },
            },
        },
        "constants": {
            "type": "array",
            "items": {"type": "object", "required": ["path", "value"], "properties": {"path": _PATH}},
        },
        "outputs": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["name", "dtype"]}},
        "dynamic": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "shape_guards": {"type": "array", "items": {"type": "string"}},
        "min_batch": {"type": "integer", "minimum": 1},
        "blocks": {
            "type": "object",
            "required": ["names"],
            "properties": {"names": {"type": "array", "minItems": 2, "items": {"type": "string"}}},
        },
        "boundary": {"type": "integer", "minimum": 1},
        "cut": {
            "type": "array",
            "items": {"type": "object", "required": ["name", "dtype"], "properties": {"name": {"type": "string"}}},
        },
        "cache": {
            "type": "object",
            "required": ["layout", "needs", "variant", "history", "order"],
            "properties": {
                "layout": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": [{"type": "string"}, {"type": "integer", "minimum": 0}],
                    },
                },
                "needs": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                "variant": {"type": "object", "additionalProperties": {"type": "string"}},
                "history": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
                "order": {"type": "integer", "minimum": 1},
                "adaptive": {"type": ["object", "null"]},
            },
        },
        "schedule": {"type": "object"},
        "schedule_sha256": _SHA,
        "plan": {"type": ["string", "null"]},
        "artifacts": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["variants", "files"],
                "properties": {
                    "variants": {
                        "type": "object",
                        "required": ["full"],
                        "additionalProperties": {
                            "type": "object",
                            "required": ["file", "inputs", "outputs"],
                            "properties": {
                                "file": {"type": "string", "minLength": 1},
                                "inputs": {"type": "array", "items": {"type": "string"}},
                                "outputs": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                    "files": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["sha256", "bytes"],
                            "properties": {"sha256": _SHA, "bytes": {"type": "integer", "minimum": 0}},
                        },
                    },
                },
            },
        },
    },
}


def _where(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def schedule_sha256(schedule: dict) -> str:
    """The hash of a schedule as the manifest records it (canonical JSON)."""
    return hashlib.sha256(json.dumps(schedule, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_relative(rel: str, where: str) -> None:
    from .manifest import ManifestError

    p = PurePosixPath(rel)
    if p.is_absolute() or Path(rel).is_absolute() or rel.startswith(("/", "\\")) or ":" in p.parts[0]:
        raise ManifestError(
            f"blockdance export: {where} is an absolute path ({rel!r}); every file must lie inside the "
            "export folder and be named relative to it"
        )
    if ".." in p.parts or "\\" in rel:
        raise ManifestError(f"blockdance export: {where} ({rel!r}) leaves the export folder; '..' is not allowed")


def check_file_path(out_dir: Path, rel: str, where: str):
    """The file ``rel`` of the export, refused unless it is a relative path that stays inside ``out_dir``."""
    from .manifest import ManifestError

    _check_relative(rel, where)
    root = Path(out_dir).resolve()
    full = (root / rel).resolve()
    if os.path.commonpath([root, full]) != str(root):
        raise ManifestError(
            f"blockdance export: {where} ({rel!r}) resolves to {full}, outside the export folder "
            f"{root} (a link pointing out); refusing it"
        )
    return full


def referenced_files(out_dir: Path, variant_file: str) -> list[str]:
    """Files (relative to ``out_dir``) that loading ``variant_file`` reads besides itself: an ONNX
    model's external-data files."""
    if not variant_file.endswith(".onnx"):
        return []
    import onnx

    model = onnx.load(str(Path(out_dir) / variant_file), load_external_data=False)
    base = PurePosixPath(variant_file).parent
    out = []
    for tensor in onnx.external_data_helper._get_all_tensors(model):
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            loc = next((e.value for e in tensor.external_data if e.key == "location"), None)
            if loc is not None:
                rel = str(base / loc) if str(base) != "." else loc
                if rel not in out:
                    out.append(rel)
    return out


def validate_manifest(manifest: dict, where: str = "manifest.json") -> None:
    """Schema and cross-field checks; each defect is a ManifestError naming the key."""
    import jsonschema

    from ..schedules import plan_string
    from .manifest import SCHEDULE_KEYS, ManifestError

    if not isinstance(manifest, dict):
        raise ManifestError(f"blockdance export: {where} holds a {type(manifest).__name__}, not an object")
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(manifest), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        raise ManifestError(
            f"blockdance export: {where}: key {_where(e.absolute_path)}: {e.message}"
            + (f" (and {len(errors) - 1} more defects)" if len(errors) > 1 else "")
        )
    sched = manifest["schedule"]
    if schedule_sha256(sched) != manifest["schedule_sha256"]:
        raise ManifestError(
            f"blockdance export: {where}: key schedule was edited after export (its sha256 differs from "
            "schedule_sha256); the variants and their cut were built for the exported schedule. "
            "Re-export with the schedule you want"
        )
    unknown = sorted(set(sched) - set(SCHEDULE_KEYS))
    if unknown:
        raise ManifestError(f"blockdance export: {where}: key schedule holds unknown fields {unknown}")
    blocks = manifest["blocks"]["names"]
    b = manifest["boundary"]
    if not 1 <= b <= len(blocks) or sched["boundary"] != b:
        raise ManifestError(
            f"blockdance export: {where}: key boundary={b} must be in [1, {len(blocks)}] for the "
            f"{len(blocks)} blocks listed and equal schedule.boundary ({sched['boundary']})"
        )
    try:
        from ..options import Settings

        settings = Settings.from_options({k: v for k, v in sched.items()})
    except (ValueError, TypeError) as e:
        raise ManifestError(f"blockdance export: {where}: key schedule is not a valid schedule: {e}") from None
    if manifest.get("plan") is not None and settings.num_steps:
        want = plan_string(settings.schedule().plan(settings.num_steps))
        if manifest["plan"] != want:
            raise ManifestError(
                f"blockdance export: {where}: key plan ({manifest['plan']!r}) is not the schedule's plan ({want!r})"
            )
    for fmt, entry in manifest["artifacts"].items():
        named = [(f"artifacts.{fmt}.files[{rel!r}]", rel) for rel in entry["files"]]
        named += [(f"artifacts.{fmt}.variants.{n}.file", v["file"]) for n, v in entry["variants"].items()]
        for key, rel in named:
            _check_relative(rel, key)
    missing = sorted(set(SCHEDULE_KEYS) - set(sched))
    if missing:
        raise ManifestError(f"blockdance export: {where}: key schedule lacks {missing}")
    cache = manifest["cache"]
    groups = {g for g, _ in cache["layout"]}
    n_cache = sum(n for _, n in cache["layout"])
    wanted = settings.actions()
    for action in wanted:
        if action not in cache["needs"] or action not in cache["variant"]:
            raise ManifestError(
                f"blockdance export: {where}: key cache.needs has no entry for the action {action!r} the schedule uses"
            )
    for action, needs in cache["needs"].items():
        if not set(needs) <= groups:
            raise ManifestError(
                f"blockdance export: {where}: key cache.needs.{action} reads groups {needs} that the "
                f"full variant does not produce ({sorted(groups)})"
            )
    for fmt, entry in manifest["artifacts"].items():
        variants = entry["variants"]
        for action in wanted:
            name = cache["variant"][action]
            have = (
                set(variants)
                if name != "adaptive" or (cache.get("adaptive") or {}).get("decide") == "graph"
                else {"adaptive" if {"adaptive_probe", "adaptive_compute", "adaptive_skip"} <= set(variants) else ""}
            )
            if name not in have:
                raise ManifestError(
                    f"blockdance export: {where}: key artifacts.{fmt}.variants lacks {name!r}, which the schedule uses"
                )
        n_out = len(manifest["outputs"])
        full_outs = variants["full"]["outputs"]
        if len(full_outs) != n_out + n_cache:
            raise ManifestError(
                f"blockdance export: {where}: key artifacts.{fmt}.variants.full.outputs has "
                f"{len(full_outs)} outputs; the model's {n_out} outputs and {n_cache} cache values "
                f"(cache.layout) make {n_out + n_cache}"
            )
        for name, v in variants.items():
            if v["file"] not in entry["files"]:
                raise ManifestError(
                    f"blockdance export: {where}: key artifacts.{fmt}.variants.{name}.file "
                    f"({v['file']!r}) is not listed in artifacts.{fmt}.files with its sha256; "
                    "refusing to load an unlisted file"
                )
