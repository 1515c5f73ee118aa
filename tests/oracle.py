"""An independent eager implementation of BlockDance, for tests.

No FX, no bdcompile code: the model runs eagerly; on a full step forward hooks record the output of every block
before the boundary; on a reuse step those blocks' ``forward`` is replaced by a stub that returns the recorded
outputs without computing anything, so the first block after the boundary receives the cached hidden states (and
long skips receive the cached early outputs) while everything else runs with the current timestep and conditioning.
"""

from __future__ import annotations

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
    return tuple((k, tuple(v.shape), v.dtype) for k, v in sorted(kwargs.items()) if isinstance(v, torch.Tensor))


def newton_extrapolate(points: list, s: int):
    """The polynomial through ``(step, value)`` points evaluated at step ``s``, by Newton's divided differences
    (tensors in float64; tuples and lists of them element by element; anything else: the newest point's)."""
    v0 = points[0][1]
    if isinstance(v0, (tuple, list)):
        return type(v0)(newton_extrapolate([(x, v[i]) for x, v in points], s) for i in range(len(v0)))
    if not isinstance(v0, torch.Tensor):
        return v0
    xs = [p[0] for p in points]
    table = [p[1].double() for p in points]
    coefs = [table[0]]
    for level in range(1, len(points)):
        table = [(table[i + 1] - table[i]) / (xs[i + level] - xs[i]) for i in range(len(table) - 1)]
        coefs.append(table[0])
    out, prod = torch.zeros_like(coefs[0]), 1.0
    for j, c in enumerate(coefs):
        out = out + c * prod
        prod = prod * (s - xs[j])
    return out.to(v0.dtype)


class Oracle:
    """BlockDance by hand.  ``blocks``: (list name, index) of every block in execution order.

    A "forecast" (or "forecast@b") step replays, for each skipped block, the polynomial through its outputs on the
    slot's last ``order + 1`` full steps (fewer at the start), evaluated at this step."""

    def __init__(self, model: nn.Module, blocks: list[tuple[str, int]], boundary: int, plan: list[str], order: int = 1):
        self.model = model
        self.blocks = blocks
        self.boundary = boundary
        self.skipped = blocks[:boundary]
        self.plan = plan
        self.order = order
        self.caches: dict[int, tuple] = {}  # slot -> (signature, {block: output})
        self.history: dict[int, list] = {}  # slot -> [(step, {block: output})] of its full steps, newest first

    def _skipped_for(self, action: str) -> list:
        """A plan step "reuse@b" / "forecast@b" skips blocks [0, b); a plain "reuse" the configured boundary."""
        b = int(action.split("@")[1]) if "@" in action else self.boundary
        return self.blocks[:b]

    def new_generation(self):
        self.caches.clear()
        self.history.clear()

    def _module_list(self, name: str) -> nn.ModuleList:
        mod = self.model
        for part in name.split("."):
            mod = getattr(mod, part)
        return mod

    def __call__(self, step: int, slot: int = 0, **kwargs):
        sig = _signature(kwargs)
        cached = self.caches.get(slot)
        action = self.plan[step] if step < len(self.plan) else "full"
        if action.startswith("reuse") and cached is not None and cached[0] == sig:
            return self._reuse(cached[1], kwargs, self._skipped_for(action)), action
        if action.startswith("forecast") and cached is not None and cached[0] == sig:
            skipped = self._skipped_for(action)
            points = self.history[slot][: self.order + 1]
            record = {key: newton_extrapolate([(x, rec[key]) for x, rec in points], step) for key in skipped}
            return self._reuse(record, kwargs, skipped), action
        return self._full(slot, sig, kwargs, step), "full"

    def recompute(self, slot: int = 0, step: int | None = None, **kwargs):
        """This call run in full whatever the plan says (a step the code under test may recompute): its block
        outputs become the slot's cache, as after any full step."""
        return self._full(slot, _signature(kwargs), kwargs, step)

    def _full(self, slot, sig, kwargs, step=None):
        record, handles = {}, []
        deepest = max([len(self._skipped_for(a)) for a in self.plan if a.startswith(("reuse", "forecast"))], default=0)
        for name, idx in self.blocks[: max(deepest, len(self.skipped))]:
            block = self._module_list(name)[idx]
            handles.append(
                block.register_forward_hook(lambda m, a, out, key=(name, idx): record.__setitem__(key, _snapshot(out)))
            )
        try:
            out = self.model(**kwargs)
        finally:
            for h in handles:
                h.remove()
        before = self.history.get(slot, []) if slot in self.caches and self.caches[slot][0] == sig else []
        self.caches[slot] = (sig, record)
        self.history[slot] = [(step, record)] + before
        return out

    def _reuse(self, record, kwargs, skipped=None):
        blocks = []
        for name, idx in skipped if skipped is not None else self.skipped:
            block = self._module_list(name)[idx]
            blocks.append((block, block.__dict__.get("forward")))  # what the instance had (a wrapper of its own)
            block.forward = lambda *a, _out=record[(name, idx)], **k: _snapshot(_out)  # replay, compute nothing
        try:
            return self.model(**kwargs)
        finally:
            for block, before in blocks:
                if before is None:
                    del block.forward
                else:
                    block.forward = before


def repeated_block_lists(model: nn.Module) -> list[str]:
    """The module lists whose members diffusers' ``compile_repeated_blocks`` compiles (classes named in the model's
    ``_repeated_blocks``) and attend: read from the model's own declaration."""
    names = set(getattr(model, "_repeated_blocks", None) or ())
    return [
        path
        for path, sub in model.named_modules()
        if isinstance(sub, nn.ModuleList)
        and len(sub)
        and all(type(m).__name__ in names for m in sub)
        and any("Attention" in type(x).__name__ for x in sub.modules())
    ]


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
            handles.append(
                block.register_forward_pre_hook(
                    lambda m, a, key=(name, idx): order.append(key) if key not in order else None
                )
            )
    try:
        with torch.no_grad():
            call()
    finally:
        for h in handles:
            h.remove()
    return order


class TransformerStandIn(nn.Module):
    """What a pipeline reads from its transformer, passed through to ``self.model``: ``config``, ``dtype``,
    ``device`` and anything else (``cache_context``, ...). Base of the oracles that stand in for a pipeline's
    transformer."""

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


class OracleModel(TransformerStandIn):
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


# ---------------------------------------------------------------------------------------------- residual caching
def _tensors(out) -> list:
    """The tensors a block returns, in order (a tensor, or a tuple holding some)."""
    if isinstance(out, torch.Tensor):
        return [out]
    return [o for o in out if isinstance(o, torch.Tensor)] if isinstance(out, (tuple, list)) else []


def _streams_in(args, kwargs, like: list) -> list:
    """For each output tensor of a block, the input tensor of the same shape it is the stream of."""
    cands = [a for a in list(args) + list(kwargs.values()) if isinstance(a, torch.Tensor)]
    out = []
    for t in like:
        match = next((c for c in cands if c.shape == t.shape and c.dtype == t.dtype), None)
        out.append(match)
    return out


def _rebuild(template, tensors: list):
    """``template``'s structure (a tensor, or a tuple with non-tensors kept) with new tensors."""
    if isinstance(template, torch.Tensor):
        return tensors[0]
    it = iter(tensors)
    return type(template)(next(it) if isinstance(o, torch.Tensor) else o for o in template)


class ResidualOracle:
    """Residual caching by hand, at module level: a full step records, for the blocks
    ``[lo, hi)``, what they added to each stream (the output of block ``hi - 1`` minus the input of
    block ``lo`` of the same shape); a skipped step runs no block of the range: they pass their
    streams through, and block ``hi - 1`` returns its input plus the cached residual.

    ``mode="plan"``: ``plan[step]`` is "full" or "residual" (``lo = 0``, ``hi = boundary``).
    ``mode="adaptive"``: FirstBlockCache: blocks ``[0, probe)`` always run; their residual is compared
    with the last computed step's (sum of mean abs differences over sum of mean abs values); below
    ``threshold`` the range ``[probe, hi)`` is skipped, else everything runs and both residuals are
    refreshed. ``plan[step] == "full"`` forces a computed step.
    """

    def __init__(
        self,
        model: nn.Module,
        blocks: list,
        hi: int,
        plan: list,
        probe: int = 0,
        threshold: float = 0.0,
        mode: str = "plan",
    ):
        self.model, self.blocks, self.hi, self.plan = model, blocks, hi, plan
        self.probe, self.threshold, self.mode = probe, threshold, mode
        self.caches: dict = {}  # slot -> (signature, {"t": residuals of the range, "h": probe residuals})
        self.decisions: list = []
        self._templates: dict = {}  # block -> an output of it (its structure, for the pass-through stubs)

    def new_generation(self):
        self.caches.clear()

    def _block(self, i):
        name, idx = self.blocks[i]
        return self.model.get_submodule(name)[idx]

    def __call__(self, step: int, slot: int = 0, **kwargs):
        sig = _signature(kwargs)
        cached = self.caches.get(slot)
        action = self.plan[step] if step < len(self.plan) else "full"
        valid = cached is not None and cached[0] == sig
        if action == "full" or not valid:
            out, rec = self._run(kwargs, skip=False)
            self.caches[slot] = (sig, rec)
            return out, "full"
        if self.mode == "plan":
            out, _ = self._run(kwargs, skip=True, t=cached[1]["t"])
            return out, action
        out, rec = self._run(kwargs, skip=None, t=cached[1]["t"], h_prev=cached[1]["h"])
        if not rec["skipped"]:
            self.caches[slot] = (sig, rec)
        self.decisions.append(rec["skipped"])
        return out, action

    def _run(self, kwargs, skip, t=None, h_prev=None):
        """One forward. ``skip``: True skip the range, False run it, None decide after the probe."""
        lo = self.probe if self.mode == "adaptive" else 0
        rec = {"skipped": False}
        state = {"skip": skip}
        entry, handles, patched = {}, [], []

        def record_in(i):
            def hook(m, args, kwargs_):
                entry[i] = (args, kwargs_)

            return hook

        def record_out(i):
            def hook(m, args, kwargs_, out):
                self._templates[i] = out
                if i == self.probe - 1 and self.mode == "adaptive":  # the probe's residual decides
                    a0, k0 = entry[0]
                    outs = [o.clone() for o in _tensors(out)]
                    ins = _streams_in(a0, k0, outs)
                    rec["h"] = [o - x for o, x in zip(outs, ins) if x is not None]
                    rec["h_out"] = outs
                    if state["skip"] is None:
                        num = sum((h - p).abs().mean() for h, p in zip(rec["h"], h_prev))
                        den = sum(p.abs().mean() for p in h_prev)
                        state["skip"] = bool(num / den.clamp_min(1e-12) < self.threshold)
                if i == lo - 1 and self.mode == "adaptive":
                    rec["lo_out"] = [o.clone() for o in _tensors(out)]
                if i == self.hi - 1 and not state["skip"]:
                    outs = [o.clone() for o in _tensors(out)]
                    if lo == 0:
                        a0, k0 = entry[0]
                        ins = _streams_in(a0, k0, outs)
                    else:
                        ins = [next((x for x in rec["lo_out"] if x.shape == o.shape), None) for o in outs]
                    rec["t"] = [o - x if x is not None else o for o, x in zip(outs, ins)]
                return out

            return hook

        for i in range(self.hi):
            blk = self._block(i)
            handles.append(blk.register_forward_pre_hook(record_in(i), with_kwargs=True))
            handles.append(blk.register_forward_hook(record_out(i), with_kwargs=True))
        templates = {}

        def stub(i, original):
            def forward(*args, **kw):
                if not state["skip"]:
                    return original(*args, **kw)
                tmpl = templates[i]
                outs = _streams_in(args, kw, _tensors(tmpl))
                if i == self.hi - 1:
                    outs = [x + r for x, r in zip(outs, t)]
                return _rebuild(tmpl, outs)

            return forward

        if skip is not False:
            for i in range(lo, self.hi):
                blk = self._block(i)
                templates[i] = self._templates[i]
                blk.forward = stub(i, blk.forward)
                patched.append(blk)
        try:
            out = self.model(**kwargs)
        finally:
            for h in handles:
                h.remove()
            for blk in patched:
                del blk.forward
        rec["skipped"] = bool(state["skip"])
        return out, rec
