"""A Triton model repository for an export directory (``bdcompile export --triton DIR``).

    DIR/
      denoise/config.pbtxt      per-step model: sequence batching (correlation id, START/END, idle timeout),
                                Oldest strategy (requests of different sequences batched), Python backend
      denoise/1/model.py        imports bdcompile.serving.triton_model
      denoise/1/export/         the export (manifest.json + artifacts), copied
      digits/config.pbtxt       whole-generation model (only for an export of a known pipeline's model):
      digits/1/model.py         class labels in, images out; dynamic batching across clients

A stock ``tritonserver`` serves it (``--model-repository DIR``) when the Python backend's interpreter
can import bdcompile (and torch, onnxruntime): in an NGC Triton image ``pip install bdcompile[onnx]``
(or ``[gpu]``); ``bdcompile serve`` sets this up from a local venv.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional, Sequence

from ..export.manifest import read_manifest

__all__ = ["write_repository", "TRITON_DTYPES"]

TRITON_DTYPES = {
    "float32": "TYPE_FP32",
    "float16": "TYPE_FP16",
    "bfloat16": "TYPE_BF16",
    "float64": "TYPE_FP64",
    "int64": "TYPE_INT64",
    "int32": "TYPE_INT32",
    "int16": "TYPE_INT16",
    "int8": "TYPE_INT8",
    "uint8": "TYPE_UINT8",
    "bool": "TYPE_BOOL",
}

MODEL_PY = """# Triton Python-backend model written by bdcompile (bdcompile.serving.repository).
# The interpreter of the Python backend must be able to import bdcompile, torch and onnxruntime:
# pip install bdcompile there, or (what `bdcompile serve` does) name a checkout in $BDCOMPILE_PYTHONPATH.
# (The stub does not read $PYTHONPATH.)
import os
import sys

for _p in reversed(os.environ.get("BDCOMPILE_PYTHONPATH", "").split(os.pathsep)):
    if _p and _p not in sys.path:
        sys.path.insert(0, _p)

from bdcompile.serving.triton_model import TritonPythonModel  # noqa: E402,F401
"""


def _dims(shape, dynamic_axes: dict) -> list:
    return [-1 if str(i) in dynamic_axes or not isinstance(s, int) else int(s) for i, s in enumerate(shape)]


def _io(kind: str, name: str, dtype: str, dims: Sequence[int], optional: bool = False) -> str:
    opt = " optional: true" if optional else ""
    return f'  {{ name: "{name}" data_type: {dtype} dims: [ {", ".join(str(d) for d in dims)} ]{opt} }}'


def _params(params: dict) -> str:
    return (
        "parameters [\n"
        + ",\n".join(f'  {{ key: "{k}" value: {{ string_value: "{v}" }} }}' for k, v in params.items())
        + "\n]\n"
    )


def _instances(count: int, kind: str, gpus: Optional[Sequence[int]]) -> str:
    g = f" gpus: [ {', '.join(str(i) for i in gpus)} ]" if gpus and kind == "KIND_GPU" else ""
    return f"instance_group [ {{ count: {count} kind: {kind}{g} }} ]\n"


def denoise_config(
    manifest: dict,
    name: str,
    params: dict,
    max_batch: int,
    idle_timeout_s: float,
    queue_delay_us: int,
    instances: int,
    kind: str,
    gpus,
) -> str:
    ins, outs = [], []
    for s in manifest["inputs"]:
        ins.append(_io("input", s["name"], TRITON_DTYPES[s["dtype"]], _dims(s["example_shape"], s["dynamic_axes"])))
    ins.append(_io("input", "ACTION", "TYPE_STRING", [1], optional=True))
    ins.append(_io("input", "NUM_STEPS", "TYPE_INT32", [1], optional=True))
    batch_dims = {"0": "batch"}
    for o in manifest["outputs"]:
        outs.append(_io("output", o["name"], TRITON_DTYPES[o["dtype"]], _dims(o["example_shape"], batch_dims)))
    outs.append(_io("output", "STEP_ACTION", "TYPE_STRING", [1]))
    outs.append(_io("output", "BATCHED", "TYPE_INT32", [1]))
    pref = sorted({b for b in (4, 8, max_batch) if b <= max_batch})
    return (
        f'name: "{name}"\nbackend: "python"\nmax_batch_size: {max_batch}\n'
        "input [\n" + ",\n".join(ins) + "\n]\noutput [\n" + ",\n".join(outs) + "\n]\n"
        "sequence_batching {\n"
        f"  max_sequence_idle_microseconds: {int(idle_timeout_s * 1e6)}\n"
        "  control_input [\n"
        '    { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },\n'
        '    { name: "END" control [ { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } ] },\n'
        '    { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] }\n'
        "  ]\n"
        f"  oldest {{ max_candidate_sequences: {max(64, 16 * max_batch)} "
        f"preferred_batch_size: [ {', '.join(map(str, pref))} ] "
        f"max_queue_delay_microseconds: {queue_delay_us} }}\n"
        "}\n" + _instances(instances, kind, gpus) + _params(params)
    )


def pipeline_config(
    pipe, name: str, params: dict, max_batch: int, queue_delay_us: int, instances: int, kind: str, gpus
) -> str:
    ins = [_io("input", n, t, d) for n, t, d in pipe.inputs]
    outs = [_io("output", n, t, d) for n, t, d in pipe.outputs]
    pref = sorted({b for b in (4, 8, max_batch) if b <= max_batch})
    return (
        f'name: "{name}"\nbackend: "python"\nmax_batch_size: {max_batch}\n'
        "input [\n" + ",\n".join(ins) + "\n]\noutput [\n" + ",\n".join(outs) + "\n]\n"
        f"dynamic_batching {{ preferred_batch_size: [ {', '.join(map(str, pref))} ] "
        f"max_queue_delay_microseconds: {queue_delay_us} }}\n" + _instances(instances, kind, gpus) + _params(params)
    )


def write_repository(
    export_dir,
    out_dir,
    *,
    format: str = "onnx",
    pipeline: Optional[str] = "auto",
    caching: bool = True,
    batching: bool = True,
    idle_timeout_s: float = 30.0,
    max_batch: int = 16,
    queue_delay_us: int = 2000,
    instances: int = 1,
    device: str = "cpu",
    gpus: Optional[Sequence[int]] = None,
    providers: Optional[Sequence[str]] = None,
    threads: int = 1,
    num_steps: Optional[int] = None,
    guidance_scale: float = 3.0,
    copy: bool = True,
    denoise_name: str = "denoise",
) -> Path:
    """Write a Triton model repository serving the export in ``export_dir``; returns ``out_dir``.

    caching    False: every step runs the full variant (the same server without BlockDance, for comparison).
    idle_timeout_s  a generation (sequence) idle this long is dropped by Triton and its caches freed.
    instances, device, gpus  ``instance_group``: ``count`` instances of ``KIND_CPU`` / ``KIND_GPU`` (on ``gpus``).
    providers  onnxruntime execution providers (default CPU; CUDA on GPU instances).
    pipeline   "auto" (add the whole-generation model when the export is a known pipeline's model), a name, or None.
    copy       copy the export into the repository (else reference ``export_dir`` by absolute path).
    """
    export_dir = Path(export_dir).resolve()
    manifest = read_manifest(export_dir)
    if format not in manifest.get("artifacts", {}):
        raise ValueError(
            f"bdcompile serving: {export_dir} has no {format!r} artifacts (has {sorted(manifest.get('artifacts', {}))})"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kind = "KIND_GPU" if device == "cuda" else "KIND_CPU"
    dn = out / denoise_name
    if dn.exists():
        shutil.rmtree(dn)
    (dn / "1").mkdir(parents=True)
    if copy:
        shutil.copytree(export_dir, dn / "1" / "export", ignore=shutil.ignore_patterns("trt_cache"))
        rel = f"{denoise_name}/1/export"
    else:
        rel = str(export_dir)
    base = {
        "export_dir": rel,
        "format": format,
        "caching": "on" if caching else "off",
        "batching": "on" if batching else "off",
        "threads": str(threads),
    }
    if providers:
        base["providers"] = ",".join(providers)
    if num_steps:
        base["num_steps"] = str(num_steps)
    (dn / "1" / "model.py").write_text(MODEL_PY)
    (dn / "config.pbtxt").write_text(
        denoise_config(
            manifest,
            denoise_name,
            dict(base, bdcompile_kind="denoise"),
            max_batch,
            idle_timeout_s,
            queue_delay_us,
            instances,
            kind,
            gpus,
        )
    )
    from .pipelines import get_pipeline, matches

    names = matches(manifest) if pipeline == "auto" else ([pipeline] if pipeline else [])
    for name in names:
        pipe = get_pipeline(name, manifest)
        pd = out / name
        if pd.exists():
            shutil.rmtree(pd)
        (pd / "1").mkdir(parents=True)
        (pd / "1" / "model.py").write_text(MODEL_PY)
        params = dict(base, bdcompile_kind="pipeline", pipeline=name, guidance_scale=str(guidance_scale))
        (pd / "config.pbtxt").write_text(
            pipeline_config(pipe, name, params, max_batch, queue_delay_us, instances, kind, gpus)
        )
    (out / "bdcompile_repository.json").write_text(
        json.dumps(
            {
                "export": str(export_dir),
                "models": [denoise_name] + names,
                "caching": caching,
                "format": format,
                "idle_timeout_s": idle_timeout_s,
                "max_batch": max_batch,
            },
            indent=2,
        )
        + "\n"
    )
    return out
