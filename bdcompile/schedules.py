"""Step schedules: which graph variant runs at each denoising step.

A schedule is pure: it maps a step position to an *action*, a token naming a variant:

``"full"``              run every block; refresh the caches.
``"reuse"``             skip blocks ``[0, boundary)``, feed the cached values leaving them (BlockDance).
``"forecast"``          skip them, feed values extrapolated from the cache history (TaylorSeer-style).
``"residual"``          skip them, add the cached *residual* (what they added to their input at the last
                        full step) to the current input; ``boundary`` may be every block (skip the stack).
``"adaptive"``          run the first ``probe_blocks`` blocks; inside the graph, compare what they added
                        with the last computed step's and either run the rest or apply the cached residual
                        of the skipped range (FirstBlockCache / DBCache as one compiled graph).

A skip action may name its boundary: ``"reuse@6"``, ``"residual@12"`` (otherwise the configured one).
Plan strings write one step per letter, F r f R a, with an optional boundary: ``"FFFr6R12F"``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Sequence

FULL, REUSE, FORECAST, RESIDUAL, ADAPTIVE = "full", "reuse", "forecast", "residual", "adaptive"
ACTIONS = (FULL, REUSE, FORECAST, RESIDUAL, ADAPTIVE)
SKIP_KINDS = (REUSE, FORECAST, RESIDUAL)  # actions that take a boundary

__all__ = [
    "FULL",
    "REUSE",
    "FORECAST",
    "RESIDUAL",
    "ADAPTIVE",
    "ACTIONS",
    "SKIP_KINDS",
    "StaticSchedule",
    "PlanSchedule",
    "parse_action",
    "action_token",
    "parse_plan_string",
    "block_evaluations",
    "theoretical_speedup",
    "plan_string",
    "LETTERS",
]

LETTERS = {FULL: "F", REUSE: "r", FORECAST: "f", RESIDUAL: "R", ADAPTIVE: "a"}
_FROM_LETTER = {v: k for k, v in LETTERS.items()}


def parse_action(token: str) -> tuple[str, Optional[int]]:
    """``"reuse@6"`` -> ``("reuse", 6)``; ``"full"`` -> ``("full", None)``. Raises ValueError."""
    if not isinstance(token, str):
        raise ValueError(f"blockdance: a step action is a string such as 'full' or 'reuse@6'; got {token!r}")
    kind, sep, b = token.partition("@")
    if kind not in ACTIONS or (sep and (kind not in SKIP_KINDS or not b.isdigit() or int(b) < 1)):
        raise ValueError(
            f"blockdance: {token!r} is not a step action: one of {list(ACTIONS)}, and "
            f"{list(SKIP_KINDS)} may name a boundary >= 1 ('reuse@6', 'residual@12')"
        )
    return kind, (int(b) if sep else None)


def action_token(kind: str, boundary: Optional[int] = None) -> str:
    return kind if boundary is None else f"{kind}@{boundary}"


def parse_plan_string(text: str) -> tuple:
    """``"FFr6R12a"`` -> ``("full", "full", "reuse@6", "residual@12", "adaptive")``."""
    tokens = re.findall(r"([A-Za-z])(\d*)", text)
    if "".join(letter + digits for letter, digits in tokens) != text or not tokens:
        raise ValueError(
            f"blockdance: option plan={text!r} is not a plan string: one letter per step, F (full), "
            "r (reuse), f (forecast), R (residual), a (adaptive), each skip letter optionally followed "
            "by its boundary ('FFFr6R12')"
        )
    out = []
    for letter, digits in tokens:
        if letter not in _FROM_LETTER:
            raise ValueError(
                f"blockdance: option plan={text!r} holds letters {sorted({t for t, _ in tokens} - set(_FROM_LETTER))}: "
                "a plan string uses F (full), r (reuse), f (forecast), R (residual), a (adaptive)"
            )
        token = _FROM_LETTER[letter] + (f"@{digits}" if digits else "")
        parse_action(token)
        out.append(token)
    return tuple(out)


@dataclass(frozen=True)
class StaticSchedule:
    """BlockDance's static schedule.

    Steps ``i`` with ``warmup * S <= i < stop * S`` form the reuse window; inside it, steps come in
    groups of ``interval`` (N): the first step of a group runs in full and refreshes the cache, the
    other N-1 take ``skip_action``.  Steps outside the window run in full. With
    ``skip_action="adaptive"`` every window step decides for itself (``interval`` is not used).
    """

    warmup: float = 0.4
    stop: float = 0.95
    interval: int = 2
    skip_action: str = REUSE

    def __post_init__(self):
        if not (0.0 <= self.warmup <= 1.0) or not (0.0 <= self.stop <= 1.0):
            raise ValueError(
                "blockdance: warmup and stop are fractions of the steps in [0, 1]; "
                f"got warmup={self.warmup}, stop={self.stop}"
            )
        if self.warmup > self.stop:
            raise ValueError(
                f"blockdance: warmup ({self.warmup}) must not exceed stop ({self.stop}): "
                "the reuse window is [warmup, stop) of the steps"
            )
        if not isinstance(self.interval, int) or isinstance(self.interval, bool) or self.interval < 1:
            raise ValueError(
                "blockdance: interval (N) must be an integer >= 1 (1 = never reuse, 2 = every other step); "
                f"got {self.interval!r}"
            )
        if parse_action(self.skip_action)[0] == FULL:
            raise ValueError(f"blockdance: skip_action must be a skip action; got {self.skip_action!r}")

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
        if self.skip_action == ADAPTIVE:
            return ADAPTIVE  # every window step decides for itself (the first one without a cache runs in full)
        return FULL if steps_since_start % self.interval == 0 else self.skip_action

    def plan(self, num_steps: int) -> list[str]:
        return [self.action(i, num_steps) for i in range(num_steps)]


@dataclass(frozen=True)
class PlanSchedule:
    """An explicit per-step plan (e.g. from the BlockDance-Ada policy or a calibration); steps past
    its end run in full."""

    steps: tuple

    def __post_init__(self):
        for a in self.steps:
            parse_action(a)
        if self.steps and self.steps[0] != FULL:
            raise ValueError("blockdance: a plan must start with a 'full' step (there is nothing cached before it)")

    def action(self, step: int, num_steps: int | None = None) -> str:
        return self.steps[step] if 0 <= step < len(self.steps) else FULL

    def plan(self, num_steps: int) -> list[str]:
        return [self.action(i) for i in range(num_steps)]


def plan_string(plan: Sequence[str]) -> str:
    """A plan in one letter per step: F full, r reuse, f forecast, R residual, a adaptive, a skip letter
    followed by its boundary where the step names one."""
    out = []
    for a in plan:
        kind, b = parse_action(a)
        out.append(LETTERS[kind] + (str(b) if b is not None else ""))
    return "".join(out)


def block_evaluations(plan: Sequence[str], num_blocks: int, boundary: int) -> int:
    """Block evaluations of a plan: ``num_blocks`` per full step, ``num_blocks - b`` for a skip step at
    boundary ``b`` (the configured ``boundary`` where the step names none). Adaptive steps count in full
    (their skips are decided at run time: ``explain`` counts them)."""
    total = 0
    for a in plan:
        kind, b = parse_action(a)
        total += (
            num_blocks if kind in (FULL, ADAPTIVE) else num_blocks - min(b if b is not None else boundary, num_blocks)
        )
    return total


def theoretical_speedup(plan: Sequence[str], num_blocks: int, boundary: int) -> float:
    """Ratio of block evaluations without and with the plan (the ceiling if blocks were all the cost)."""
    return len(plan) * num_blocks / max(1, block_evaluations(plan, num_blocks, boundary))
