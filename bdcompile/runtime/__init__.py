"""The runtime: which instance a call is for, which generation it belongs to, which step and
variant it is — one decision, shared by the backend's dispatcher and the exported runners.

    instances   model instance found at call time (from the parameters a graph receives)
    generation  generations and scopes (contextvars: per thread / asyncio task)
    step        the step clock, slot caches and the decision (Track.begin -> Call)
    dispatcher  the callable the backend returns to dynamo
"""

from .dispatcher import Dispatcher
from .generation import Generation, GenerationScope, active_for, current, generation
from .instances import Config, Instance, find_instance, instance_of
from .step import MAX_SLOTS, Call, SlotCache, Track, lagrange_coefficients

__all__ = [
    "Dispatcher",
    "Generation",
    "GenerationScope",
    "generation",
    "current",
    "active_for",
    "Instance",
    "Config",
    "instance_of",
    "find_instance",
    "Track",
    "SlotCache",
    "Call",
    "lagrange_coefficients",
    "MAX_SLOTS",
]
