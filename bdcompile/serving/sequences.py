"""Per-sequence (= per-generation) state of a served runner.

A Triton *sequence* (one correlation id, START ... END flags) is one generation: its step clock and its
cut-value caches live here, on the server, keyed by the correlation id, and are dropped at END, on
``expire(idle_s)`` (the sequence timeout) or on ``start`` again with the same id.

Each sequence is a ``bdcompile.generation(runner, num_steps=...)`` handle: the unbatched path runs
``with handle.resume(): runner(**inputs)``; the cross-sequence batcher takes the runner's own step
decision (``runner.decide``) inside the same handle and keeps a full step's cut values with
``Call.keep``; ``end`` / ``expire`` close the handle, which frees its caches.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any, Optional

import torch

from ..runtime import generation
from ..schedules import FORECAST, FULL, REUSE, parse_action

__all__ = ["SequenceStore", "Sequence", "Decision", "SequenceError", "UnknownSequence", "NoCacheYet"]

ACTIONS_ASKED = ("auto", FULL, REUSE)


class SequenceError(ValueError):
    """A request that cannot run in its sequence (sent back to that client as a Triton error)."""


class UnknownSequence(SequenceError):
    pass


class NoCacheYet(SequenceError):
    pass


@dataclasses.dataclass
class Decision:
    """What one request of one sequence runs: the runtime's decision (:class:`bdcompile.runtime.Call`)
    and what the extra inputs need."""

    call: Any
    group: str = ""  # the cache group the action reads
    coeffs: tuple = ()  # forecast only: the extrapolation weights

    @property
    def action(self) -> str:
        return self.call.action

    @property
    def kind(self) -> str:
        return parse_action(self.call.action)[0]

    @property
    def cache(self):
        return self.call.cache if self.call.action != FULL else None

    @property
    def values(self) -> list:
        return self.call.values(self.group)


def _nbytes(v) -> int:
    if isinstance(v, torch.Tensor):
        return v.numel() * v.element_size()
    try:  # onnxruntime OrtValue
        return int(torch.from_dlpack(v).numel() * torch.from_dlpack(v).element_size())
    except Exception:
        return 0


class Sequence:
    """One generation in the server: a ``bdcompile.generation(runner)`` handle."""

    def __init__(self, corr_id, runner, num_steps: Optional[int], caching: bool):
        self.corr_id = corr_id
        self.runner = runner
        self.handle = generation(runner, num_steps=int(num_steps) if num_steps is not None else None)
        if caching:
            self.config = runner.runtime_config
        else:  # every step runs in full: a configuration of the runner whose plan has no reuse
            settings = dataclasses.replace(runner.settings, plan=(FULL,))
            self.config = runner.instance.config(("uncached",) + settings.key(), settings)
        self.last_used = time.monotonic()
        self.steps = 0
        self.full_steps = 0

    @property
    def track(self):
        return self.handle.generations[0].track(self.config)

    # -------------------------------------------------------------- the unbatched path
    def run(self, kwargs: dict):
        """One model call of this sequence through the runner itself (its own step decision)."""
        runner = self.runner
        with self.handle.resume():
            if self.config is runner.runtime_config:
                out = runner(**kwargs)
            else:
                given, flat = runner.prepare((), dict(kwargs))
                runner.decide(given, self.config)
                out = tuple(runner.run_variant("full", flat, [])[0][: runner.num_outputs])
        self.last_used = time.monotonic()
        self.steps += 1
        return out, self.config.log[-1][3]

    # -------------------------------------------------------------- the batched path (see batching.py)
    def decide(self, given: list, asked: str = "auto") -> Decision:
        """Advance this sequence's clock by one call and choose its variant (the runner's own decision)."""
        if asked not in ACTIONS_ASKED:
            raise SequenceError(f"ACTION must be one of {list(ACTIONS_ASKED)}; got {asked!r}")
        with self.handle.resume():
            track = self.track
            snap = track.snapshot()
            call = self.runner.decide(given, self.config, force=None if asked == "auto" else asked)
        if asked == REUSE and call.action != REUSE:
            step = call.step
            track.restore(snap)  # a refused request does not advance the sequence
            self.config.log.pop()
            why = (
                "no full step has run in this sequence yet"
                if call.cache is None
                else "the cached values were made for other input shapes/dtypes"
            )
            raise NoCacheYet(
                f"sequence {self.corr_id}: ACTION=reuse refused at step {step}: {why}; "
                "the first step of a generation must be a full step (send ACTION=auto or full)"
            )
        coeffs = ()
        group = (self.runner.spec.needs.get(call.action) or ("",))[0]
        if parse_action(call.action)[0] == FORECAST:
            coeffs = tuple(call.forecast_inputs(group, self.runner.settings.order, tuple)[0])
        self.last_used = time.monotonic()
        self.steps += 1
        return Decision(call=call, group=group, coeffs=coeffs)

    def store(self, decision: Decision, values: list) -> None:
        """Keep the cut values of a full step (torch tensors owned by this sequence)."""
        spec = self.runner.spec
        decision.call.keep(spec.groups(values), spec.history)
        self.full_steps += 1

    def cache_bytes(self) -> int:
        if self.handle.closed:
            return 0
        seen, total = set(), 0
        for c in self.track.caches.values():
            lists = list(c.groups.values()) + [values for hist in c.history.values() for _, values in hist]
            for values in lists:
                for v in values:
                    if id(v) not in seen:
                        seen.add(id(v))
                        total += _nbytes(v)
        return total

    def close(self) -> None:
        self.handle.close()


class SequenceStore:
    """Sequences by correlation id. Thread-safe; one execution at a time holds ``lock``."""

    def __init__(self, runner, caching: bool = True, default_num_steps: Optional[int] = None):
        self.runner = runner
        self.caching = caching
        self.default_num_steps = default_num_steps
        self.sequences: dict = {}
        self.lock = threading.RLock()
        self.started = 0
        self.ended = 0
        self.expired = 0

    def start(self, corr_id, num_steps: Optional[int] = None) -> Sequence:
        """A new generation for ``corr_id`` (a START flag); an old one with that id is dropped."""
        with self.lock:
            old = self.sequences.pop(corr_id, None)
            if old is not None:
                old.close()
            seq = Sequence(
                corr_id, self.runner, num_steps if num_steps is not None else self.default_num_steps, self.caching
            )
            self.sequences[corr_id] = seq
            self.started += 1
            return seq

    def get(self, corr_id) -> Sequence:
        with self.lock:
            seq = self.sequences.get(corr_id)
        if seq is None:
            raise UnknownSequence(
                f"sequence {corr_id} is unknown to the server: it never started (send START on its "
                "first request), it ended, or it expired after the idle timeout (its cached "
                "state is gone; start the generation again)"
            )
        return seq

    def run(self, corr_id, kwargs: dict):
        """One unbatched call of sequence ``corr_id``: (outputs, action)."""
        with self.lock:
            return self.get(corr_id).run(kwargs)

    def end(self, corr_id) -> None:
        with self.lock:
            seq = self.sequences.pop(corr_id, None)
            if seq is not None:
                seq.close()
                self.ended += 1

    def expire(self, idle_s: float) -> list:
        """Drop the sequences idle for more than ``idle_s`` seconds; returns their ids."""
        now = time.monotonic()
        with self.lock:
            gone = [cid for cid, s in self.sequences.items() if now - s.last_used > idle_s]
            for cid in gone:
                self.sequences.pop(cid).close()
            self.expired += len(gone)
        return gone

    @property
    def live(self) -> int:
        return len(self.sequences)

    def cache_bytes(self) -> int:
        with self.lock:
            return sum(s.cache_bytes() for s in self.sequences.values())

    def stats(self) -> dict:
        return {
            "live": self.live,
            "cache_bytes": self.cache_bytes(),
            "started": self.started,
            "ended": self.ended,
            "expired": self.expired,
        }
