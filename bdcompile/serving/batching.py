"""Requests of different sequences at the same variant, run as one execution.

One Triton execution hands the model a list of requests, each from its own sequence (the sequence
batcher's Oldest strategy). :meth:`StepBatcher.run`:

  1. per request: validate its inputs (the runner's own checks) and let its sequence decide
     (full / reuse / forecast) -- an error here goes to that request only;
  2. group the requests by (variant, input shapes without the batch dim, values of unbatched inputs,
     forecast weights);
  3. per group: concatenate the inputs and the sequences' cached cut values along the batch dim, run
     the variant once;
  4. split the outputs and the new cut values back by each request's batch and store them per sequence.

Batching needs every model input and every cut value to carry the batch in dim 0 (``manifest.json``:
``dynamic_axes {"0": "batch"}`` and cut shapes starting with ``"batch"``); otherwise each group runs one
request at a time (``StepBatcher.batchable`` is False).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from typing import Optional

import torch

from ..schedules import ADAPTIVE, FULL, RESIDUAL, REUSE
from .sequences import Decision, Sequence, SequenceError

log = logging.getLogger(__name__)

__all__ = ["StepRequest", "StepResult", "StepBatcher", "model_kwargs"]


@dataclasses.dataclass
class StepRequest:
    seq: Optional[Sequence]
    kwargs: dict  # the transformer's keyword arguments (torch tensors)
    asked: str = "auto"
    error: Optional[Exception] = None  # set before run(): the request is answered with this error


@dataclasses.dataclass
class StepResult:
    outputs: Optional[tuple] = None
    action: Optional[str] = None
    batched: int = 0  # how many requests shared the execution
    error: Optional[Exception] = None


def model_kwargs(manifest: dict, tensors: dict) -> dict:
    """The transformer's keyword arguments from flat tensors named as the manifest's inputs (nested
    paths such as ``added_cond_kwargs.resolution`` rebuilt) plus the constants torch.export specialized."""
    kw: dict = {}

    def put(path, value):
        node = kw
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = value

    for c in manifest.get("constants", []):
        if c["path"]:
            put(c["path"], c["value"])
    for spec in manifest["inputs"]:
        if spec["name"] in tensors:
            put(spec["path"], tensors[spec["name"]])
    kw.pop("return_dict", None)
    return kw


def _value_key(x: torch.Tensor):
    x = x.detach().contiguous().cpu()
    return (tuple(x.shape), str(x.dtype), hashlib.sha1(x.view(torch.uint8).numpy().tobytes()).hexdigest())


def _torch(v) -> torch.Tensor:
    return v if isinstance(v, torch.Tensor) else torch.from_dlpack(v)


class StepBatcher:
    """Cross-sequence batching over an :class:`~bdcompile.export.ExportedModel` (see the module docstring)."""

    def __init__(self, runner, batching: bool = True):
        self.runner = runner
        m = runner.manifest
        self.batch_inputs = [spec.get("dynamic_axes", {}).get("0") == "batch" for spec in m["inputs"]]
        cut_ok = all(c["shape"] and c["shape"][0] == "batch" for c in m["cut"])
        self.batchable = bool(batching and any(self.batch_inputs) and cut_ok)
        self.executions = 0
        self.grouped_requests = 0

    # -------------------------------------------------------------- one execution
    def run(self, requests: list[StepRequest]) -> list[StepResult]:
        results = [StepResult(error=r.error) for r in requests]
        pending = [i for i, r in enumerate(requests) if r.error is None]
        while pending:  # a sequence appearing twice runs in order: one round per occurrence
            seen, now, later = set(), [], []
            for i in pending:
                sid = id(requests[i].seq)
                (later if sid in seen else now).append(i)
                seen.add(sid)
            self._round(requests, results, now)
            pending = later
        return results

    def _round(self, requests, results, idx: list[int]) -> None:
        runner = self.runner
        groups: dict = {}
        prepared = {}
        for i in idx:
            r = requests[i]
            try:
                given, flat = runner.prepare((), dict(r.kwargs))
                decision = r.seq.decide(given, r.asked)
            except (SequenceError, ValueError, TypeError) as e:
                results[i].error = e
                continue
            prepared[i] = (flat, decision)
            key = self._group_key(flat, decision) if self.batchable else ("alone", i)
            groups.setdefault(key, []).append(i)
        for members in groups.values():
            try:
                self._run_group(requests, results, prepared, members)
            except Exception as e:  # the variant failed: every request of this group gets the error
                log.exception("blockdance serving: execution failed")
                for i in members:
                    results[i].error = RuntimeError(
                        f"executing the {prepared[i][1].action} variant failed: {type(e).__name__}: {e}"
                    )

    def _group_key(self, flat, decision: Decision):
        shapes = []
        for x, batched in zip(flat, self.batch_inputs):
            shapes.append((tuple(x.shape[1:]), str(x.dtype), str(x.device)) if batched else _value_key(x))
        if decision.kind == ADAPTIVE:  # each adaptive step decides for itself: never share an execution
            return ("alone", id(decision))
        return (decision.action, tuple(shapes), decision.coeffs)

    def _run_group(self, requests, results, prepared, members: list[int]) -> None:
        runner = self.runner
        decisions = [prepared[i][1] for i in members]
        flats = [prepared[i][0] for i in members]
        action = decisions[0].action
        if decisions[0].kind == ADAPTIVE:
            return self._run_alone(requests, results, prepared, members[0])
        sizes = [f[self.batch_inputs.index(True)].shape[0] if self.batchable else None for f in flats]
        if len(members) == 1:
            flat = flats[0]
        else:
            flat = [torch.cat([f[j] for f in flats]) if b else flats[0][j] for j, b in enumerate(self.batch_inputs)]
        if action == FULL:
            extra = []
        elif decisions[0].kind in (REUSE, RESIDUAL):
            extra = self._cat([[_torch(v) for v in d.values] for d in decisions])
        else:
            k = len(decisions[0].coeffs)
            per_seq = []
            for d in decisions:
                hist = d.call.cache.history[d.group][:k]
                hist = hist + [hist[0]] * (k - len(hist))
                per_seq.append([_torch(h[1][i]) for i in range(len(d.values)) for h in hist])
            extra = [runner.backend.coeffs(list(decisions[0].coeffs), flat[0])] + self._cat(per_seq)
        variant = "full" if action == FULL else runner.spec.variant[action]
        outs, values = runner.run_variant(variant, flat, extra)
        outs = [_torch(o) for o in outs[: runner.num_outputs]]
        values = [_torch(v) for v in values]
        self.executions += 1
        self.grouped_requests += len(members)
        if len(members) == 1:
            split_outs = [outs]
            split_vals = [[v.clone() for v in values]]
        else:
            split_outs = list(zip(*[o.split(sizes) for o in outs]))
            split_vals = list(zip(*[v.split(sizes) for v in values])) if values else [()] * len(members)
            split_vals = [[v.clone() for v in vs] for vs in split_vals]
            split_outs = [[o.clone() for o in os_] for os_ in split_outs]
        for n, i in enumerate(members):
            if action == FULL:
                requests[i].seq.store(decisions[n], split_vals[n])
            results[i].outputs = tuple(split_outs[n])
            results[i].action = action
            results[i].batched = len(members)

    def _run_alone(self, requests, results, prepared, i: int) -> None:
        """An adaptive step: the runner's own execution (it refreshes its probe and tail residuals)."""
        from ..runtime.execute import execute

        runner, (flat, decision) = self.runner, prepared[i]
        seq = requests[i].seq
        outs = execute(
            decision.call,
            runner.spec,
            lambda name, extra: runner._run_all(name, flat, extra),
            lambda v: runner.backend.coeffs(v, flat[0]),
            seq.config,
        )
        self.executions += 1
        self.grouped_requests += 1
        results[i].outputs = tuple(_torch(o).clone() for o in outs[: runner.num_outputs])
        results[i].action = decision.action
        results[i].batched = 1

    @staticmethod
    def _cat(per_seq: list[list[torch.Tensor]]) -> list:
        if len(per_seq) == 1:
            return list(per_seq[0])
        return [torch.cat(col) for col in zip(*per_seq)]
