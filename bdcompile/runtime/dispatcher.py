"""The dispatcher: the callable the backend hands back to dynamo for one traced graph.

Per call it finds the model instance from the parameter tensors it receives, the generation that
call belongs to in this context, and asks that generation's track (:mod:`.step`) which variant to
run. The only host-side work is that decision; with ``step_source="timestep"`` and no attached
scheduler it also reads the timestep once (a device-to-host copy on a GPU, free on the CPU), and an
adaptive step decided on the host (``decide="host"``) reads one scalar.
"""

from __future__ import annotations

import itertools
import logging
import weakref

import torch

from ..inner import LazyVariant
from ..keys import signature
from . import instances
from .execute import execute
from .generation import current
from .step import timestep_value

log = logging.getLogger(__name__)

__all__ = ["Dispatcher"]

_uid = itertools.count()


class Dispatcher:
    """Runs one traced graph's variants for whichever instance and generation a call belongs to."""

    def __init__(
        self,
        settings,
        config_key,
        variants: dict[str, LazyVariant],
        spec,
        timestep_index: int | None,
        input_positions: list[int],
        param_positions: list[int],
        report: dict,
        input_names: list[str] = (),
        key_positions: list[int] | None = None,
    ):
        self.uid = next(_uid)
        self.settings = settings
        self.config_key = config_key
        self.variants = variants
        self.spec = spec  # how the variants are fed (runtime.execute.VariantSet)
        self.timestep_index = timestep_index
        self.input_positions = input_positions  # positions of the user's (non-parameter) inputs
        self.param_positions = param_positions  # positions of the parameters: they identify the instance
        self.report = report
        self.input_names = list(input_names)  # names of the user's inputs, aligned with input_positions
        # the inputs a cache key is made of: not the symbolic ints dynamo derives from tensors (a storage offset
        # is new every step) nor a non-tensor timestep's value (see backend._key_positions)
        self.key_positions = list(input_positions if key_positions is None else key_positions)
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
        if self.uid not in cfg.reports:
            cfg.reports[self.uid] = self.report
            cfg.dispatchers.add(self)
        inst.last_config = cfg
        if self.param_positions:
            self._last = (weakref.ref(args[self.param_positions[0]]), weakref.ref(cfg))
        return cfg

    def _read_timestep(self, args, cfg) -> float:
        return timestep_value(args[self.timestep_index], cfg)

    # ------------------------------------------------------------------ call
    def __call__(self, *args):
        cfg = self._config(args)
        track = current(cfg.instance).track(cfg)
        key = (self.uid, signature([args[i] for i in self.key_positions]))
        call = track.begin(
            key,
            None if self.timestep_index is None else lambda: self._read_timestep(args, cfg),
            self.spec.needs,
            lambda: {n: args[i] for n, i in zip(self.input_names, self.input_positions)},
        )
        variants = self.variants
        return tuple(
            execute(call, self.spec, lambda name, extra: variants[name](*args, *extra), self._coeffs(args), cfg)
        )

    def _coeffs(self, args):
        ref = next((a for a in args if isinstance(a, torch.Tensor)), None)
        device = ref.device if ref is not None else "cpu"
        return lambda values: torch.tensor(values, dtype=torch.float32).to(device, non_blocking=True)
