"""Ahead-of-time export of BlockDance's step variants: ONNX, AOTInductor, TensorRT, plus a manifest.

    from bdcompile.export import export_variants, load

    export_variants(transformer, example_kwargs, "out/pixart", formats=("onnx", "aoti"),
                    boundary=21, warmup=0.4, stop=0.95, interval=2, num_steps=20)
    runner = load("out/pixart", format="onnx")            # or providers=["CUDAExecutionProvider"]
    noise_pred = runner(hidden_states=x, encoder_hidden_states=c, timestep=t, return_dict=False)[0]

The model is traced once with ``torch.export``; the backend's passes (block regions, cut, full /
reuse / forecast variants) run on that graph; each variant is exported again and written per format.
The runner takes the backend's own step decision (bdcompile.runtime) for every call.
``bdcompile.export_variants`` is the same function.

Modules: ``variants.py`` (:func:`export_variants`), ``graph.py`` (the ``torch.export`` trace, in phases),
``manifest.py`` (building, reading and checking ``manifest.json``), ``schema.py`` (its JSON schema),
``artifacts.py`` (one writer per format), ``runner.py`` (:func:`load` and the runners), ``inputs.py``
(example inputs for a transformer class).

GPU deployment (ONNX is device independent, so the export itself can run on a CPU machine):

    pip install 'bdcompile[gpu]'        # onnx, onnxscript, onnxruntime-gpu (CUDA and TensorRT providers)
    bdcompile export --model-class PixArtTransformer2DModel --weights /models/PixArt-XL-2-1024-MS \
        --subfolder transformer --out out/pixart --format onnx --boundary 21 --num-steps 20
    runner = bdcompile.export.load("out/pixart", format="onnx", providers=[
        ("TensorrtExecutionProvider", {"trt_fp16_enable": True, "trt_engine_cache_enable": True,
                                       "trt_engine_cache_path": "out/pixart/trt_cache"}),
        "CUDAExecutionProvider"])
    pipe.transformer = runner; runner.attach(pipe)   # CUDA latents are bound by pointer, the cache stays on the GPU

AOTInductor and TensorRT (torch_tensorrt) artifacts are compiled for the device they are exported on:
``--device cuda --format aoti`` / ``pip install 'bdcompile[tensorrt]'`` and ``--device cuda --format tensorrt``.
"""

from .artifacts import FORMATS
from .graph import ExportError
from .manifest import FORMAT_VERSION, ManifestError
from .runner import ExportedModel, ExportOutput, load
from .variants import export_variants

__all__ = [
    "export_variants",
    "load",
    "ExportedModel",
    "ExportOutput",
    "ExportError",
    "ManifestError",
    "FORMAT_VERSION",
    "FORMATS",
]
