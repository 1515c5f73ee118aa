"""bdcompile: BlockDance feature caching as a torch.compile backend.

    model = torch.compile(model, backend="blockdance", options={"boundary": 21, "warmup": 0.4})
"""
from .options import Settings
from .schedules import PlanSchedule, StaticSchedule, block_evaluations, theoretical_speedup
from .api import attach, explain, reset

__version__ = "0.1.0"
__all__ = ["Settings", "StaticSchedule", "PlanSchedule", "attach", "explain", "reset", "block_evaluations",
           "theoretical_speedup", "blockdance"]


def blockdance(gm, example_inputs, **kwargs):
    """The backend itself (also reachable as ``backend="blockdance"`` once installed)."""
    from .backend import blockdance as _b

    return _b(gm, example_inputs, **kwargs)
