"""bdcompile: BlockDance feature caching as a torch.compile backend.

    model = torch.compile(model, backend="blockdance", options={"boundary": 21, "warmup": 0.4})
"""
from .options import Settings
from .schedules import PlanSchedule, StaticSchedule, block_evaluations, theoretical_speedup
from .api import attach, explain, generation, reset

__version__ = "0.1.0"
__all__ = ["Settings", "StaticSchedule", "PlanSchedule", "attach", "explain", "generation", "reset", "block_evaluations",
           "theoretical_speedup", "blockdance", "export"]


def __getattr__(name):
    # ``bdcompile.export(model, example_kwargs, out_dir, ...)``: the export subpackage, imported on first
    # use (it pulls in torch.export / onnx), is callable; ``bdcompile.export.load`` loads a runner
    if name == "export":
        import importlib

        return importlib.import_module(f"{__name__}.export")
    raise AttributeError(f"module 'bdcompile' has no attribute {name!r}")


def blockdance(gm, example_inputs, **kwargs):
    """The backend itself (also reachable as ``backend="blockdance"`` once installed)."""
    from .backend import blockdance as _b

    return _b(gm, example_inputs, **kwargs)
