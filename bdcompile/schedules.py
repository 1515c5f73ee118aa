"""Step schedules: which graph variant runs at each denoising step.

A schedule is pure: it maps a step position to ``"full"`` (run every block, refresh the cache),
``"reuse"`` (skip blocks ``[0, boundary)`` and feed the cached values) or ``"forecast"``
(skip them and feed values extrapolated from the cache history).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

FULL, REUSE, FORECAST = "full", "reuse", "forecast"
ACTIONS = (FULL, REUSE, FORECAST)

__all__ = ["FULL", "REUSE", "FORECAST", "StaticSchedule", "PlanSchedule", "block_evaluations", "theoretical_speedup", "plan_string"]


@dataclass(frozen=True)
class StaticSchedule:
    """BlockDance's static schedule.

    Steps ``i`` with ``warmup * S <= i < stop * S`` form the reuse window; inside it, steps come in
    groups of ``interval`` (N): the first step of a group runs in full and refreshes the cache, the
    other N-1 skip the cached blocks.  Steps outside the window run in full.
    """

    warmup: float = 0.4
    stop: float = 0.95
    interval: int = 2
    skip_action: str = REUSE

    def __post_init__(self):
        if not (0.0 <= self.warmup <= 1.0) or not (0.0 <= self.stop <= 1.0):
            raise ValueError(f"blockdance: warmup and stop are fractions of the steps in [0, 1]; got warmup={self.warmup}, stop={self.stop}")
        if self.warmup > self.stop:
            raise ValueError(f"blockdance: warmup ({self.warmup}) must not exceed stop ({self.stop}): the reuse window is [warmup, stop) of the steps")
        if not isinstance(self.interval, int) or isinstance(self.interval, bool) or self.interval < 1:
            raise ValueError(f"blockdance: interval (N) must be an integer >= 1 (1 = never reuse, 2 = every other step); got {self.interval!r}")
        if self.skip_action not in (REUSE, FORECAST):
            raise ValueError(f"blockdance: skip_action must be 'reuse' or 'forecast'; got {self.skip_action!r}")

    def window(self, num_steps: int) -> tuple[int, int]:
        """First step of the window and the step after its last (``range(start, end)``)."""
        start = math.ceil(self.warmup * num_steps - 1e-9)
        end = math.ceil(self.stop * num_steps - 1e-9)
        return start, max(start, end)

    def action(self, step: int, num_steps: int) -> str:
        start, end = self.window(num_steps)
        return self.action_in_window(step - start) if start <= step < end else FULL

    def action_in_window(self, steps_since_start: int) -> str:
        """Action for the ``k``-th step of an open window (k = 0 is the window's first step)."""
        return FULL if steps_since_start % self.interval == 0 else self.skip_action

    def plan(self, num_steps: int) -> list[str]:
        return [self.action(i, num_steps) for i in range(num_steps)]


@dataclass(frozen=True)
class PlanSchedule:
    """An explicit per-step plan (e.g. from the BlockDance-Ada policy); steps past its end run in full."""

    steps: tuple

    def __post_init__(self):
        bad = [a for a in self.steps if a not in ACTIONS]
        if bad:
            raise ValueError(f"blockdance: a plan holds 'full', 'reuse' or 'forecast' per step; got {bad[:3]}")
        if self.steps and self.steps[0] != FULL:
            raise ValueError("blockdance: a plan must start with a 'full' step (there is nothing cached before it)")

    def action(self, step: int, num_steps: int | None = None) -> str:
        return self.steps[step] if 0 <= step < len(self.steps) else FULL

    def plan(self, num_steps: int) -> list[str]:
        return [self.action(i) for i in range(num_steps)]


LETTERS = {FULL: "F", REUSE: "r", FORECAST: "f"}


def plan_string(plan: Sequence[str]) -> str:
    """A plan in one letter per step: F full, r reuse, f forecast."""
    return "".join(LETTERS[a] for a in plan)


def block_evaluations(plan: Sequence[str], num_blocks: int, boundary: int) -> int:
    """Block evaluations of a plan: ``num_blocks`` per full step, ``num_blocks - boundary`` otherwise."""
    return sum(num_blocks if a == FULL else num_blocks - boundary for a in plan)


def theoretical_speedup(plan: Sequence[str], num_blocks: int, boundary: int) -> float:
    """Ratio of block evaluations without and with the plan (the ceiling if blocks were all the cost)."""
    return len(plan) * num_blocks / block_evaluations(plan, num_blocks, boundary)
