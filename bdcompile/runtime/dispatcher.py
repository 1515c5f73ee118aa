"""The dispatcher: the callable the backend hands back to dynamo for one traced graph.

Per call it finds the model instance from the parameter tensors it receives, the generation that
call belongs to in this context, and asks that generation's track (:mod:`.step`) which variant to
run. The only host-side work is that decision; with ``step_source="timestep"`` and no attached
scheduler it also reads the timestep once (a device-to-host copy on a GPU, free on the CPU).
"""
from __future__ import annotations

import itertools
import logging
import weakref

import torch

from ..inner import LazyVariant, signature
from ..schedules import FULL, REUSE
from . import instances
from .generation import current

log = logging.getLogger(__name__)

__all__ = ["Dispatcher"]

_uid = itertools.count()


class Dispatcher:
    """Runs one traced graph's variants for whichever instance and generation a call belongs to."""

    def __init__(self, settings, config_key, variants: dict[str, LazyVariant], num_outputs: int,
                 timestep_index: int | None, input_positions: list[int], param_positions: list[int], report: dict,
                 input_names: list[str] = ()):
        self.uid = next(_uid)
        self.settings = settings
        self.config_key = config_key
        self.variants = variants
        self.available = frozenset(variants)
        self.num_outputs = num_outputs
        self.timestep_index = timestep_index
        self.input_positions = input_positions  # positions of the user's (non-parameter) inputs
        self.param_positions = param_positions  # positions of the parameters: they identify the instance
        self.report = report
        self.input_names = list(input_names)  # names of the user's inputs, aligned with input_positions
        self.order = settings.order if "forecast" in variants else 0
        self._last = None  # (weakref to the last call's first parameter, Config): the common case is one model
        self._no_params = None

    # ------------------------------------------------------------------ helpers
    def _config(self, args):
        if not self.param_positions:
            if self._no_params is None:
                self._no_params = instances.Instance(name="model")
            inst = self._no_params
        else:
            t = args[self.param_positions[0]]
            last = self._last
            if last is not None and last[0]() is t:
                cfg = last[1]()
                if cfg is not None:
                    return cfg
            inst = instances.for_tensor(t, [args[i] for i in self.param_positions])
        cfg = inst.config(self.config_key, self.settings)
        cfg.reports.setdefault(self.uid, self.report)
        inst.last_config = cfg
        if self.param_positions:
            self._last = (weakref.ref(args[self.param_positions[0]]), weakref.ref(cfg))
        return cfg

    def _read_timestep(self, args, cfg) -> float:
        t = args[self.timestep_index]
        if isinstance(t, torch.Tensor):
            cfg.host_reads += 1
            return float(t.reshape(-1)[0].item())
        return float(t)

    # ------------------------------------------------------------------ call
    def __call__(self, *args):
        cfg = self._config(args)
        track = current(cfg.instance).track(cfg)
        key = (self.uid, signature([args[i] for i in self.input_positions]))
        call = track.begin(key, None if self.timestep_index is None else lambda: self._read_timestep(args, cfg),
                           self.available,
                           lambda: {n: args[i] for n, i in zip(self.input_names, self.input_positions)})
        action = call.action
        if action == FULL:
            out = self.variants["full"](*args)
            call.keep(list(out[self.num_outputs:]), self.order)
            return tuple(out[: self.num_outputs])
        if action == REUSE:
            return tuple(self.variants["reuse"](*args, *call.cache.values))
        c, hist = call.forecast_inputs(self.settings.order, self._coeffs(call.cache.values[0]))
        return tuple(self.variants["forecast"](*args, c, *hist))

    @staticmethod
    def _coeffs(ref):
        return lambda values: torch.tensor(values, dtype=torch.float32).to(ref.device, non_blocking=True)
