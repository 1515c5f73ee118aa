"""Writers of one artifact per variant: ONNX, AOTInductor package, TensorRT (torch_tensorrt).

Each writer takes a :class:`~bdcompile.export.graph.Variant` (its ``program`` is a
``torch.export.ExportedProgram``) and returns the files it wrote, relative paths first.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import torch

log = logging.getLogger(__name__)

__all__ = ["FORMATS", "write_onnx", "write_aoti", "write_tensorrt", "require_tensorrt", "require_onnx"]

FORMATS = ("onnx", "aoti", "tensorrt")

TENSORRT_HINT = (
    "blockdance export: format 'tensorrt' needs torch-tensorrt (NVIDIA GPU, Linux): "
    "pip install 'bdcompile[tensorrt]' (or the torch-tensorrt release matching your torch). "
    "On a machine without it, export 'onnx' and run it with onnxruntime-gpu's "
    "TensorrtExecutionProvider: pip install 'bdcompile[gpu]'"
)


def require_onnx():
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "blockdance export: format 'onnx' needs onnx and onnxscript: pip install 'bdcompile[onnx]'"
        ) from e


def require_tensorrt():
    try:
        import torch_tensorrt  # noqa: F401
    except ImportError as e:
        raise ImportError(TENSORRT_HINT) from e
    return torch_tensorrt


def _rename_dims(model, names: dict) -> None:
    """Give ONNX's symbolic dims the names used in the manifest ("s47" -> "batch")."""
    if not names:
        return
    pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in sorted(names, key=len, reverse=True)) + r")\b")
    values = list(model.graph.input) + list(model.graph.output) + list(model.graph.value_info)
    for vi in values:
        t = vi.type.tensor_type
        if not t.HasField("shape"):
            continue
        for d in t.shape.dim:
            if d.dim_param:
                d.dim_param = pattern.sub(lambda m: names[m.group(1)], d.dim_param)


def write_onnx(var, path: Path, opset: int | None = None) -> list[Path]:
    """``torch.onnx.export(..., dynamo=True)`` of the variant's exported program, weights in
    ``<name>.onnx.data`` (ONNX protobufs stop at 2 GB), checked with ``onnx.checker``."""
    require_onnx()
    import onnx

    path.parent.mkdir(parents=True, exist_ok=True)
    for old in (path, Path(str(path) + ".data")):
        if old.exists():
            old.unlink()
    kwargs = {"opset_version": opset} if opset else {}
    torch.onnx.export(
        var.program,
        (),
        str(path),
        dynamo=True,
        input_names=list(var.input_names),
        output_names=list(var.output_names),
        external_data=True,
        optimize=True,
        verbose=False,
        **kwargs,
    )
    proto = onnx.load(str(path), load_external_data=False)
    _rename_dims(proto, var.dim_names)
    onnx.save(proto, str(path))
    onnx.checker.check_model(str(path), full_check=False)
    files = [path]
    data = Path(str(path) + ".data")
    if data.exists():
        files.append(data)
    return files


def write_aoti(var, path: Path, inductor_configs: dict | None = None) -> list[Path]:
    """``torch._inductor.aoti_compile_and_package`` of the variant: one ``.pt2`` holding the compiled
    library and the weights, for ``torch._inductor.aoti_load_package``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    torch._inductor.aoti_compile_and_package(var.program, package_path=str(path), inductor_configs=inductor_configs)
    return [path]


def write_tensorrt(var, path: Path, max_batch: int | None = None, precision=None) -> list[Path]:
    """``torch_tensorrt.dynamo.compile`` on the variant's exported program, saved with
    ``torch_tensorrt.save`` as an ExportedProgram (loaded with ``torch.export.load``).
    Dynamic dims get the range [1 (or the example), 2x the example] unless ``max_batch`` is given."""
    trt = require_tensorrt()
    path.parent.mkdir(parents=True, exist_ok=True)
    inputs = []
    phs = [n for n in var.program.graph.nodes if n.op == "placeholder"][-len(var.input_names) :]
    for x, n in zip(var.example_inputs, phs):
        v = n.meta.get("val")
        dyn = [not isinstance(d, int) for d in v.shape] if isinstance(v, torch.Tensor) else [False] * x.dim()
        if any(dyn):
            lo = [1 if (d and i == 0) else s for i, (s, d) in enumerate(zip(x.shape, dyn))]
            hi = [
                (max_batch if (i == 0 and max_batch) else 2 * s) if d else s
                for i, (s, d) in enumerate(zip(x.shape, dyn))
            ]
            inputs.append(trt.Input(min_shape=lo, opt_shape=list(x.shape), max_shape=hi, dtype=x.dtype))
        else:
            inputs.append(trt.Input(shape=list(x.shape), dtype=x.dtype))
    enabled = {precision or var.example_inputs[0].dtype}
    try:  # torch_tensorrt >= 2.5 names them arg_inputs; older releases inputs
        trt_gm = trt.dynamo.compile(var.program, arg_inputs=inputs, enabled_precisions=enabled)
    except TypeError:
        trt_gm = trt.dynamo.compile(var.program, inputs=inputs, enabled_precisions=enabled)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    example = [x.to(device) for x in var.example_inputs]
    try:
        trt.save(trt_gm, str(path), output_format="exported_program", arg_inputs=example)
    except TypeError:
        trt.save(trt_gm, str(path), output_format="exported_program", inputs=example)
    return [path]
