"""An independent eager implementation of BlockDance, for tests.

No FX, no bdcompile code: the model runs eagerly; on a full step forward hooks record the output of
every block before the boundary; on a reuse step those blocks' ``forward`` is replaced by a stub that returns the recorded outputs without computing anything, so the first block after the
boundary receives the cached hidden states (and long skips receive the cached early outputs) while
everything else runs with the current timestep and conditioning.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def static_plan(num_steps: int, warmup: float, stop: float, interval: int) -> list[str]:
    """BlockDance's static schedule, written out step by step from the paper's description."""
    plan, in_group = [], 0
    for i in range(num_steps):
        if i / num_steps >= warmup - 1e-12 and i / num_steps < stop - 1e-12:
            plan.append("full" if in_group % interval == 0 else "reuse")
            in_group += 1
        else:
            plan.append("full")
    return plan


def _snapshot(out):
    """A copy of a block's output (the model may write into it in place after the block returns)."""
    if isinstance(out, torch.Tensor):
        return out.clone()
    if isinstance(out, (tuple, list)):
        return type(out)(_snapshot(o) for o in out)
    return out


def _signature(kwargs) -> tuple:
    return tuple(
        (k, tuple(v.shape), v.dtype) for k, v in sorted(kwargs.items()) if isinstance(v, torch.Tensor)
    )


class Oracle:
    """BlockDance by hand.  ``blocks``: (list name, index) of every block in execution order."""

    def __init__(self, model: nn.Module, blocks: list[tuple[str, int]], boundary: int, plan: list[str]):
        self.model = model
        self.skipped = blocks[:boundary]
        self.plan = plan
        self.caches: dict[int, tuple] = {}  # slot -> (signature, {block: output})

    def new_generation(self):
        self.caches.clear()

    def _module_list(self, name: str) -> nn.ModuleList:
        mod = self.model
        for part in name.split("."):
            mod = getattr(mod, part)
        return mod

    def __call__(self, step: int, slot: int = 0, **kwargs):
        sig = _signature(kwargs)
        cached = self.caches.get(slot)
        action = self.plan[step] if step < len(self.plan) else "full"
        if action == "reuse" and cached is not None and cached[0] == sig:
            return self._reuse(cached[1], kwargs), "reuse"
        return self._full(slot, sig, kwargs), "full"

    def _full(self, slot, sig, kwargs):
        record, handles = {}, []
        for name, idx in self.skipped:
            block = self._module_list(name)[idx]
            handles.append(block.register_forward_hook(lambda m, a, out, key=(name, idx): record.__setitem__(key, _snapshot(out))))
        try:
            out = self.model(**kwargs)
        finally:
            for h in handles:
                h.remove()
        self.caches[slot] = (sig, record)
        return out

    def _reuse(self, record, kwargs):
        blocks = []
        for name, idx in self.skipped:
            block = self._module_list(name)[idx]
            block.forward = lambda *a, _out=record[(name, idx)], **k: _snapshot(_out)  # replay, compute nothing
            blocks.append(block)
        try:
            return self.model(**kwargs)
        finally:
            for block in blocks:
                del block.forward


def first(out):
    if isinstance(out, (tuple, list)):
        return out[0]
    return out.sample if hasattr(out, "sample") else out


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = first(a).float(), first(b).float()
    return ((a - b).norm() / b.norm().clamp_min(1e-12)).item()


def eager_block_order(model: nn.Module, list_names: list[str], call) -> list[tuple[str, int]]:
    """(list name, index) of the blocks of the named module lists, in the order an eager call runs them."""
    order, handles = [], []
    for name in list_names:
        lst = model.get_submodule(name)
        for idx, block in enumerate(lst):
            handles.append(block.register_forward_pre_hook(
                lambda m, a, key=(name, idx): order.append(key) if key not in order else None))
    try:
        with torch.no_grad():
            call()
    finally:
        for h in handles:
            h.remove()
    return order


class OracleModel(nn.Module):
    """A pipeline's denoiser that runs BlockDance by hand: call ``i`` of a generation is step
    ``i // slots``, slot ``i % slots``; ``new_generation(plan)`` before each pipeline call."""

    def __init__(self, model: nn.Module, blocks: list[tuple[str, int]], boundary: int, slots: int = 1):
        super().__init__()
        import inspect

        self.model = model
        self.slots = slots
        self.oracle = Oracle(model, blocks, boundary, plan=[])
        self.names = list(inspect.signature(type(model).forward).parameters)[1:]
        self.calls = 0
        self.actions: list[str] = []

    @property
    def config(self):
        return self.model.config

    def __getattr__(self, name):  # anything else a pipeline reads (cache_context, ...) is the model's
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["model"], name)

    @property
    def dtype(self):
        return next(self.model.parameters()).dtype

    @property
    def device(self):
        return next(self.model.parameters()).device

    def new_generation(self, plan: list[str]) -> None:
        self.oracle.plan = list(plan)
        self.oracle.new_generation()
        self.calls = 0

    def forward(self, *args, **kwargs):
        kwargs.update(zip(self.names, args))
        step, slot = divmod(self.calls, self.slots)
        self.calls += 1
        out, action = self.oracle(step, slot, **kwargs)
        self.actions.append(action)
        return out
