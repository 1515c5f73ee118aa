"""bdcompile: BlockDance feature caching as a torch.compile backend.

    model = torch.compile(model, backend="blockdance", options={"boundary": 21, "warmup": 0.4})

The public names are imported on first use (PEP 562), so ``import bdcompile`` (and the CLI's ``--help``)
does not import torch.
"""

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Settings": "options",
    "StaticSchedule": "schedules",
    "PlanSchedule": "schedules",
    "block_evaluations": "schedules",
    "theoretical_speedup": "schedules",
    "attach": "api",
    "explain": "api",
    "generation": "api",
    "reset": "api",
    "export_variants": "export",  # bdcompile.export_variants(model, example_kwargs, out_dir, ...)
}
__all__ = [*_EXPORTS, "blockdance", "export"]


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    if name == "export":
        # the export subpackage (torch.export, onnx): ``bdcompile.export.export_variants``, ``bdcompile.export.load``
        return importlib.import_module(f"{__name__}.export")
    raise AttributeError(f"module 'bdcompile' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])


def blockdance(gm, example_inputs, **kwargs):
    """The backend itself (also reachable as ``backend="blockdance"`` once installed)."""
    from .backend import blockdance as _b

    return _b(gm, example_inputs, **kwargs)
