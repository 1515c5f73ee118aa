"""Per-sequence (= per-generation) state of a served runner.

A Triton *sequence* (one correlation id, START ... END flags) is one generation: its step clock and its
cut-value caches live here, on the server, keyed by the correlation id, and are dropped at END, on
``expire(idle_s)`` (the sequence timeout) or on ``start`` again with the same id.

SEAM: this module is the only place that knows how a generation's state is held. Today it keeps one
:class:`bdcompile.state.ModelState` per sequence (a copy of the runner's settings) and, for the unbatched
path, assigns ``runner.state`` around the call. When ``bdcompile.generation(runner)`` lands, replace the
body of :class:`Sequence` with a generation handle: ``start`` -> ``bdcompile.generation(runner,
num_steps=...)``, ``run`` -> ``with handle.resume(): runner(**inputs)``, ``end``/``expire`` ->
``handle.close()``; ``decide``/``cached``/``store`` (used by the cross-sequence batcher) read and write
that handle's slot cache.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any, Optional

import torch

from ..inner import signature
from ..schedules import FORECAST, FULL, REUSE
from ..state import ModelState, SlotCache

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
    """What one request of one sequence runs: the action, its cache key, and what the extra inputs need."""

    action: str  # full | reuse | forecast
    wanted: str
    key: Any
    cache: Optional[SlotCache]
    coeffs: tuple = ()  # forecast only: the extrapolation weights


def _nbytes(v) -> int:
    if isinstance(v, torch.Tensor):
        return v.numel() * v.element_size()
    try:  # onnxruntime OrtValue
        return int(torch.from_dlpack(v).numel() * torch.from_dlpack(v).element_size())
    except Exception:
        return 0


class Sequence:
    """One generation in the server. SEAM: replace with a ``bdcompile.generation(runner)`` handle."""

    def __init__(self, corr_id, runner, num_steps: Optional[int], caching: bool):
        self.corr_id = corr_id
        self.runner = runner
        self.state = ModelState()  # SEAM: replace with bdcompile.generation(runner) handles
        settings = runner.state.settings
        changes = {}
        if num_steps is not None:
            changes["num_steps"] = int(num_steps)
        if not caching:
            changes["plan"] = (FULL,)  # every step runs in full (the plan's steps past its end run in full)
        self.state.settings = dataclasses.replace(settings, **changes) if changes else settings
        self.forecast = "forecast" in runner.variant_inputs
        self.last_used = time.monotonic()
        self.steps = 0
        self.full_steps = 0

    # -------------------------------------------------------------- the unbatched path
    def run(self, kwargs: dict):
        """One model call of this sequence through the runner itself (its own step decision)."""
        runner = self.runner
        saved = runner.state
        runner.state = self.state  # SEAM: `with handle.resume(): runner(**kwargs)`
        try:
            out = runner(**kwargs)
        finally:
            runner.state = saved
        self.last_used = time.monotonic()
        self.steps += 1
        return out, self.state.log[-1][3]

    # -------------------------------------------------------------- the batched path (see batching.py)
    def decide(self, given: list, asked: str = "auto") -> Decision:
        """Advance this sequence's clock by one call and choose its variant (as ``ExportedModel.__call__``)."""
        if asked not in ACTIONS_ASKED:
            raise SequenceError(f"ACTION must be one of {list(ACTIONS_ASKED)}; got {asked!r}")
        st = self.state
        runner = self.runner
        clock = {k: (dict(v) if isinstance(v, dict) else v) for k, v in vars(st).items() if k != "log"}
        if st.settings.step_source == "counter":
            st.advance_counter()
        else:
            t = given[runner.timestep_index]
            st.host_reads += 1
            st.advance_timestep(float(t.reshape(-1)[0].item()))
        wanted = st.action() if asked == "auto" else asked
        cache = st.caches.get(st.slot)
        key = signature(given)
        valid = cache is not None and cache.key == key and cache.generation == st.generation
        if asked == REUSE and not valid:
            step = st.step
            vars(st).update(clock)  # a refused request does not advance the sequence
            why = ("no full step has run in this sequence yet" if cache is None else
                   "the cached values were made for other input shapes/dtypes or an earlier generation")
            raise NoCacheYet(f"sequence {self.corr_id}: ACTION=reuse refused at step {step}: {why}; "
                             "the first step of a generation must be a full step (send ACTION=auto or full)")
        action = wanted
        if wanted != FULL and not valid:
            action = FULL
        elif wanted == FORECAST and not self.forecast:
            action = REUSE
        coeffs = ()
        if action == FORECAST:
            from ..runtime import lagrange_coefficients

            k = st.settings.order + 1
            hist = cache.history[:k]
            coeffs = tuple(lagrange_coefficients(st.step, [h[0] for h in hist]) + [0.0] * (k - len(hist)))
        st.log.append((st.generation, st.step, st.slot, action, wanted))
        self.last_used = time.monotonic()
        self.steps += 1
        return Decision(action=action, wanted=wanted, key=key, cache=cache if valid else None, coeffs=coeffs)

    def store(self, decision: Decision, values: list) -> None:
        """Keep the cut values of a full step (torch tensors owned by this sequence)."""
        st = self.state
        order = st.settings.order if self.forecast else 0
        history = ([(st.step, values)] + (decision.cache.history if decision.cache is not None else []))[: order + 1]
        st.caches[st.slot] = SlotCache(key=decision.key, generation=st.generation, step=st.step, values=values,
                                       history=history)
        self.full_steps += 1

    def cache_bytes(self) -> int:
        seen, total = set(), 0
        for c in self.state.caches.values():
            for _, values in c.history or [(None, c.values)]:
                for v in values:
                    if id(v) not in seen:
                        seen.add(id(v))
                        total += _nbytes(v)
        return total

    def close(self) -> None:
        self.state.caches.clear()  # SEAM: handle.close()


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
            seq = Sequence(corr_id, self.runner, num_steps if num_steps is not None else self.default_num_steps,
                           self.caching)
            self.sequences[corr_id] = seq
            self.started += 1
            return seq

    def get(self, corr_id) -> Sequence:
        with self.lock:
            seq = self.sequences.get(corr_id)
        if seq is None:
            raise UnknownSequence(f"sequence {corr_id} is unknown to the server: it never started (send START on its "
                                  "first request), it ended, or it expired after the idle timeout (its cached "
                                  "state is gone; start the generation again)")
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
        return {"live": self.live, "cache_bytes": self.cache_bytes(), "started": self.started, "ended": self.ended,
                "expired": self.expired}
