"""The backend's options: the public contract of ``torch.compile(..., backend="blockdance", options=...)``.

Every option is a field of :class:`Settings` whose ``metadata`` says what it means (``doc``), whether it
decides which variant runs when (``schedule``: such options are recorded in an export's manifest and
must match at load), and whether the export command line offers it (``cli``). The manifest's schedule
keys, the export command's flags and the README's options table are derived from these fields.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from typing import Callable, Optional, Sequence, Union

from .schedules import ACTIONS, ADAPTIVE, FORECAST, RESIDUAL, REUSE, PlanSchedule, StaticSchedule, parse_action

__all__ = [
    "Settings",
    "INNER_BACKENDS",
    "REUSE_KINDS",
    "default_boundary",
    "parse_plan",
    "schedule_keys",
    "options_table",
]

INNER_BACKENDS = ("inductor", "eager", "tensorrt")
STEP_SOURCES = ("timestep", "counter")
REUSE_KINDS = {"cache": REUSE, "forecast": FORECAST, "residual": RESIDUAL, "adaptive": ADAPTIVE}
DECISIONS = ("graph", "host")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_real(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parse_plan(plan) -> tuple:
    """A plan as a tuple of step actions, from action names (``"reuse@6"``) or a plan string of letters
    (``"FFFr6R12"``: F full, r reuse, f forecast, R residual, a adaptive, with optional boundaries)."""
    from .schedules import parse_plan_string

    if isinstance(plan, str):
        return parse_plan_string(plan)
    if not isinstance(plan, (list, tuple)) or not plan:
        raise ValueError(
            f"blockdance: option plan={plan!r} is not allowed: plan must be a non-empty list of step "
            f"actions ({list(ACTIONS)}, a skip optionally '@boundary') or a plan string such as 'FFFrFr'"
        )
    wrong = []
    for a in plan:
        try:
            parse_action(a)
        except ValueError:
            wrong.append(a)
    if wrong:
        raise ValueError(
            f"blockdance: option plan holds {wrong[:3]}: each step is one of {list(ACTIONS)}, a skip "
            "optionally naming its boundary ('reuse@6')"
        )
    return tuple(plan)


def default_boundary(num_blocks: int) -> int:
    """The paper's 21 of 28 blocks (75% of the depth), scaled to the model's depth."""
    return min(max(1, round(0.75 * num_blocks)), num_blocks - 1)


def _opt(default, doc: str, *, schedule: bool = False, cli: bool = False, shown: Optional[str] = None, **kw):
    meta = {"doc": doc, "schedule": schedule, "cli": cli, "shown": shown}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: default, metadata=meta, **kw)
    return field(default=default, metadata=meta, **kw)


@dataclass
class Settings:
    """Options of the ``blockdance`` backend (each field's ``metadata["doc"]`` says what it does)."""

    boundary: Optional[int] = _opt(
        None,
        "reuse steps skip blocks `[0, boundary)` and start at block `boundary`; blocks are counted in execution "
        'order over all stacks (Flux: double-stream blocks, then single-stream ones). With `reuse="residual"` it may '
        "be the number of blocks: skip the whole stack",
        schedule=True,
        cli=True,
        shown="`round(0.75 * blocks)` (21 of 28)",
    )
    warmup: float = _opt(0.4, "fraction of steps that always run in full", schedule=True, cli=True)
    stop: float = _opt(0.95, "fraction of steps at which the reuse window ends", schedule=True, cli=True)
    interval: int = _opt(
        2,
        "N: groups of N steps in the window, the first full (refreshes the cache), N-1 skipped",
        schedule=True,
        cli=True,
    )
    num_steps: Optional[int] = _opt(
        None,
        "steps per generation; not needed with `bdcompile.attach(pipe)` or "
        "`bdcompile.generation(model, num_steps=...)`",
        schedule=True,
        cli=True,
    )
    inner: Union[str, Callable] = _opt(
        "inductor",
        '`"inductor"`, `"eager"`, `"tensorrt"` (needs `pip install \'bdcompile[tensorrt]\'`) or a '
        "callable `(gm, example_inputs) -> callable`",
    )
    reuse: str = _opt(
        "cache",
        'what a skipped step feeds in place of blocks `[0, boundary)`: `"cache"` the values they left at the '
        'last full step (BlockDance), `"forecast"` values extrapolated from the last `order + 1` full steps, '
        '`"residual"` the current input plus the residual they added at the last full step, `"adaptive"` a probe '
        "decides per step inside the graph (see `threshold`)",
        schedule=True,
        cli=True,
    )
    order: int = _opt(1, "forecast order (1-3)", schedule=True, cli=True)
    plan: Optional[Sequence[str]] = _opt(
        None,
        'explicit per-step actions (`"full"`, `"reuse"`, `"forecast"`, `"residual"`, `"adaptive"`, a '
        'skip optionally at its own boundary: `"reuse@6"`), or a plan string (`"FFFr6rR12"`); one generation is '
        "`len(plan)` steps; overrides the static schedule",
        schedule=True,
        cli=True,
    )
    threshold: float = _opt(
        0.08,
        '`reuse="adaptive"`: the rest of the stack is skipped when what the probe blocks added changed by '
        "less than this (relative mean absolute difference) since the last computed step",
        schedule=True,
        cli=True,
    )
    probe_blocks: int = _opt(
        1, '`reuse="adaptive"`: blocks computed on every step to decide (Fn)', schedule=True, cli=True
    )
    tail_blocks: int = _opt(0, '`reuse="adaptive"`: last blocks computed on every step (Bn)', schedule=True, cli=True)
    decide: str = _opt(
        "graph",
        '`reuse="adaptive"`: `"graph"` decides inside one compiled graph (`torch.cond`, no host read); '
        '`"host"` reads one scalar per step and launches one of two graphs',
        schedule=True,
        cli=True,
    )
    step_source: str = _opt(
        "timestep",
        '`"counter"`: count calls instead of reading the timestep (no device-to-host read; needs '
        "`num_steps`, a scope's `num_steps` or `attach`)",
        schedule=True,
        cli=True,
    )
    calls_per_step: int = _opt(
        1, 'with `step_source="counter"`: 2 when CFG runs as two calls per step', schedule=True, cli=True
    )
    stacks: Optional[Sequence[str]] = _opt(
        None, 'names of the block lists to use, e.g. `["transformer_blocks"]`', cli=True, shown="detected"
    )
    timestep_arg: str = _opt("timestep", "forward argument carrying the timestep", schedule=True)
    fallback: bool = _opt(False, "if the graph cannot be cut, warn and run the plain inner backend instead of raising")
    policy: Optional[Union[Callable, str]] = _opt(
        None,
        "BlockDance-Ada: `policy(inputs_by_name, start, num_steps) -> actions for steps [start, num_steps)`, "
        "called once per generation at step `ceil(policy_start * num_steps)` (see `bdcompile.ada.dispatch_policy`), "
        "or the path of a trained policy file; the variants of every action the policy may choose are built",
    )
    policy_start: float = _opt(0.4, "fraction of the steps at which a `policy` plans the rest")

    @classmethod
    def from_options(cls, options: dict | None) -> "Settings":
        options = dict(options or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"blockdance: unknown option(s) {unknown}; allowed options are {sorted(known)}")
        s = cls(**options)
        s.validate()
        return s

    def validate(self) -> None:
        """Types and ranges of every option; a ``ValueError`` naming the option and what it allows."""

        def bad(name, allowed):
            v = getattr(self, name)
            raise ValueError(
                f"blockdance: option {name}={v!r} ({type(v).__name__}) is not allowed: {name} must be {allowed}"
            )

        if self.inner not in INNER_BACKENDS and not callable(self.inner):
            raise ValueError(
                f"blockdance: unknown inner backend {self.inner!r}; allowed: {list(INNER_BACKENDS)} or a "
                "callable (gm, example_inputs) -> callable"
            )
        for name in ("warmup", "stop", "policy_start"):
            if not _is_real(getattr(self, name)):
                bad(name, "a number (a fraction of the steps in [0, 1])")
            if not 0.0 <= getattr(self, name) <= 1.0:
                bad(name, "a fraction of the steps in [0, 1]")
        if not _is_int(self.interval) or self.interval < 1:
            bad("interval", "an integer >= 1 (N: 1 = never reuse, 2 = every other step)")
        if self.boundary is not None and (not _is_int(self.boundary) or self.boundary < 1):
            bad("boundary", "an integer >= 1 (reuse steps skip blocks [0, boundary)) or None for the default")
        if self.num_steps is not None and (not _is_int(self.num_steps) or self.num_steps < 1):
            bad("num_steps", "a positive integer or None")
        if self.reuse not in REUSE_KINDS:
            bad("reuse", f"one of {list(REUSE_KINDS)}")
        if not _is_int(self.order) or not 1 <= self.order <= 3:
            bad("order", "1, 2 or 3 (the forecast order)")
        if not _is_real(self.threshold) or self.threshold < 0:
            bad("threshold", "a number >= 0 (relative change of the probe blocks' residual)")
        if not _is_int(self.probe_blocks) or self.probe_blocks < 1:
            bad("probe_blocks", "an integer >= 1 (blocks computed on every adaptive step)")
        if not _is_int(self.tail_blocks) or self.tail_blocks < 0:
            bad("tail_blocks", "an integer >= 0 (last blocks computed on every adaptive step)")
        if self.decide not in DECISIONS:
            bad("decide", f"one of {list(DECISIONS)}")
        if self.step_source not in STEP_SOURCES:
            bad("step_source", f"one of {list(STEP_SOURCES)}")
        if not _is_int(self.calls_per_step) or self.calls_per_step < 1:
            bad("calls_per_step", "an integer >= 1")
        if self.stacks is not None and (
            isinstance(self.stacks, str)
            or not isinstance(self.stacks, (list, tuple))
            or not all(isinstance(x, str) for x in self.stacks)
            or not self.stacks
        ):
            bad("stacks", "a non-empty list of module-list names, e.g. ['transformer_blocks'] (not a single string)")
        if not isinstance(self.timestep_arg, str) or not self.timestep_arg:
            bad("timestep_arg", "the name (a string) of the forward argument carrying the timestep")
        if not isinstance(self.fallback, bool):
            bad("fallback", "True or False")
        if isinstance(self.policy, (str, os.PathLike)):
            from .ada import policy_option

            try:
                self.policy = policy_option(self.policy)  # a trained policy file: load it (once per file version)
            except (OSError, ValueError, KeyError) as e:
                raise ValueError(
                    f"blockdance: option policy={self.policy!r}: cannot load a BlockDance-Ada policy "
                    f"from it ({type(e).__name__}: {e}); give a .safetensors file with its .json "
                    "record (bdcompile.ada_train) or a callable"
                ) from e
        if self.policy is not None and not callable(self.policy):
            bad(
                "policy",
                "a callable (inputs, start, num_steps) -> list of actions (see "
                "bdcompile.ada.dispatch_policy) or the path of a trained policy file",
            )
        if self.policy is not None and getattr(self.policy, "actions", None) is not None:
            for a in self.policy.actions:
                parse_action(a)
        if self.plan is not None:
            self.plan = parse_plan(self.plan)
        self.schedule()  # validates warmup <= stop and the plan's first step

    def key(self) -> tuple:
        """What identifies this configuration: equal options give equal keys (dynamo shares one compiled
        graph between models compiled with equal options); callables count by identity."""
        out = []
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, (list, tuple)):
                v = tuple(v)
            elif callable(v):
                v = ("callable", id(v))
            out.append(v)
        return tuple(out)

    @property
    def skip_action(self) -> str:
        """The action of the static schedule's skipped steps."""
        return REUSE_KINDS[self.reuse]

    def schedule(self):
        if self.plan is not None:
            return PlanSchedule(tuple(self.plan))
        return StaticSchedule(self.warmup, self.stop, self.interval, self.skip_action)

    def actions(self) -> set:
        """Every step action this configuration can ask for (the variants the backend builds)."""
        acts = set(self.plan) if self.plan is not None else {self.skip_action}
        if self.policy is not None and self.plan is None and self.policy_start <= self.warmup:
            acts = set()  # the policy plans from a step at or before the static window: its skips never run
        if self.policy is not None:
            # a policy made by bdcompile.ada names the actions it may choose; another callable may ask
            # for reuse or forecast at the configured boundary
            acts |= set(getattr(self.policy, "actions", None) or (REUSE, FORECAST))
        return acts - {"full"}


def schedule_keys() -> tuple:
    """Options that decide which variant runs when: recorded in an export's manifest."""
    return tuple(f.name for f in fields(Settings) if f.metadata.get("schedule"))


def cli_options() -> list:
    """(name, default, doc) of the options the export command offers as flags."""
    return [
        (f.name, f.default if f.default is not dataclasses.MISSING else None, f.metadata["doc"])
        for f in fields(Settings)
        if f.metadata.get("cli")
    ]


def options_table() -> str:
    """The README's options table (Markdown), from the fields' metadata."""
    rows = ["| option | default | meaning |", "|---|---|---|"]
    for f in fields(Settings):
        default = f.metadata.get("shown") or (f"`{f.default!r}`".replace("'", '"') if f.default is not None else "none")
        rows.append(f"| `{f.name}` | {default} | {f.metadata['doc']} |")
    return "\n".join(rows)
