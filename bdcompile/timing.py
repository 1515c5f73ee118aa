"""Timing on a shared machine: thread pinning, interleaved repeats, spread, and honest warnings.

The one timing helper of bdcompile (``bdcompile demo / bench / tradeoff`` and ``examples/``)::

    threads = timing.pin_threads()                      # torch threads = free cores, never more
    runs = timing.time_interleaved({"inductor": f, "blockdance": g}, repeats=3)
    print(timing.describe(runs["blockdance"]))          # median, min-max of the timed runs
    print(timing.speedup(runs["inductor"], runs["blockdance"]))  # per-round ratios: median [min-max]
    for w in timing.warnings(runs): print("warning:", w)

Strategies run once first (compiles, warm-ups: reported apart, with how long they took), then
``repeats`` rounds in a rotated order (A B C, B C A, ...) so that drift in the machine's load hits every
strategy alike. A ratio is the median of the per-round ratios, with their range. :func:`warnings` says
when the machine's load or the run-to-run spread makes such a ratio meaningless. No torch import at
module level (the CLI's ``--help`` stays fast).
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

__all__ = [
    "cores",
    "load",
    "free_cores",
    "pin_threads",
    "Timing",
    "Ratio",
    "time_interleaved",
    "speedup",
    "describe",
    "warnings",
    "stage",
    "show_compiles",
    "SPREAD_LIMIT",
]

SPREAD_LIMIT = 0.10  # relative spread ((max - min) / median) above which a timed figure is flagged


def cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def load() -> float:
    """The 1-minute load average (runnable processes, ours included); 0 where the OS does not tell."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover
        return 0.0


def free_cores() -> int:
    """Cores that other processes leave free now (at least 1)."""
    return max(1, min(cores(), round(cores() - load())))


def pin_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads to ``threads``, or (``None``/0) to the free cores; returns the count.

    More threads than free cores spin against the other processes: on a busy 2-core machine two
    threads ran kernels 20-50x slower than one."""
    import torch

    n = threads if threads else free_cores()
    n = max(1, min(n, cores()))
    torch.set_num_threads(n)
    return n


@dataclass
class Timing:
    """Seconds of the timed runs of one strategy (``first_s``: its first run, compile included)."""

    name: str
    times: list = field(default_factory=list)
    first_s: float = float("nan")
    load: list = field(default_factory=list)  # load average sampled at each timed run
    output: object = None  # what the first run returned

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def iqr(self) -> float:
        if len(self.times) < 4:
            return self.max - self.min
        q = statistics.quantiles(self.times, n=4)
        return q[2] - q[0]

    @property
    def spread(self) -> float:
        """(max - min) / median of the timed runs: 0.05 means the runs agree within 5%."""
        return (self.max - self.min) / self.median if len(self.times) > 1 and self.median > 0 else 0.0

    @property
    def compile_s(self) -> float:
        """First run minus a timed one: roughly the time spent compiling."""
        return max(0.0, self.first_s - self.median) if self.times else self.first_s


@dataclass
class Ratio:
    """``baseline / other`` per round: median and range over the rounds."""

    median: float
    lo: float
    hi: float

    def __str__(self) -> str:
        return f"{self.median:.2f}x" + (f" [{self.lo:.2f}-{self.hi:.2f}]" if self.hi > self.lo else "")

    @property
    def clear(self) -> bool:
        """The whole range is on one side of 1: a speedup (or a slowdown) that every round agrees on."""
        return self.lo > 1.0 or self.hi < 1.0


def _fmt_s(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def describe(t: Timing, per: int = 1, unit: str = "") -> str:
    """``12.3 ms (median of 5; 11.9-14.0, spread 14%)``, divided by ``per`` (e.g. images per run)."""
    if not t.times:
        return "not timed"
    if len(t.times) == 1:
        return f"{_fmt_s(t.median / per)}{unit} (one timed run: spread unknown)"
    return (
        f"{_fmt_s(t.median / per)}{unit} (median of {len(t.times)}; {_fmt_s(t.min / per)}-{_fmt_s(t.max / per)}, "
        f"spread {t.spread:.0%})"
    )


def speedup(baseline: Timing, other: Timing) -> Ratio:
    """``baseline / other``: the median of the per-round ratios (rounds are interleaved), and their range."""
    pairs = [b / o for b, o in zip(baseline.times, other.times, strict=False) if o > 0]
    if not pairs:
        return Ratio(float("nan"), float("nan"), float("nan"))
    return Ratio(statistics.median(pairs), min(pairs), max(pairs))


def time_interleaved(
    strategies: dict[str, Callable[[], object]],
    repeats: int = 3,
    progress: bool = True,
    desc: str = "timing",
    first: bool = True,
) -> dict[str, Timing]:
    """Run each strategy once (``first``: compiles and warm-ups, reported with their time), then
    ``repeats`` rounds in a rotated order; returns name -> :class:`Timing`."""
    from tqdm import tqdm

    out = {name: Timing(name) for name in strategies}
    names = list(strategies)
    if first:
        for name in names:
            with stage(f"first run of {name} (compiles)", progress=progress) as st:
                out[name].output = strategies[name]()
            out[name].first_s = st.elapsed
    bar = tqdm(total=repeats * len(names), desc=desc, disable=not progress, leave=False, file=sys.stderr)
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            t0 = time.perf_counter()
            result = strategies[name]()
            out[name].times.append(time.perf_counter() - t0)
            out[name].load.append(load())
            if out[name].output is None:
                out[name].output = result
            bar.update(1)
    bar.close()
    return out


def warnings(
    timings: dict[str, Timing] | list[Timing], threads: int | None = None, spread_limit: float = SPREAD_LIMIT
) -> list[str]:
    """Why the figures of ``timings`` may not mean much: a machine busier than its free cores, or
    runs that disagree by more than ``spread_limit``. Empty when they look sound."""
    ts = list(timings.values()) if isinstance(timings, dict) else list(timings)
    out = []
    n = cores()
    if threads is None:
        import torch

        threads = torch.get_num_threads()
    loads = [v for t in ts for v in t.load] or [load()]
    peak = max(loads)
    # the load counts our own `threads` too: more runnable threads than cores means someone waited for a core
    if peak > n + 0.5:
        out.append(
            f"the machine is busy: load average up to {peak:.1f} on {n} cores while timing "
            f"({threads} thread(s) of ours); other processes took CPU time, so times and ratios are "
            "unreliable: rerun on an idle machine"
        )
    single = [t.name for t in ts if len(t.times) == 1]
    if single:
        out.append(f"one timed run of {', '.join(single)}: the spread is unknown; use more repeats for a ratio")
    wide = [t for t in ts if t.spread > spread_limit]
    if wide:
        out.append(
            "runs disagree by more than {:.0%}: {}; a ratio within that spread means nothing".format(
                spread_limit, ", ".join(f"{t.name} {t.spread:.0%}" for t in wide)
            )
        )
    return out


@dataclass
class _Stage:
    elapsed: float = 0.0


@contextmanager
def stage(what: str, progress: bool = True):
    """``what ...`` now, ``what: 12.3 s`` when done: long work is never silent."""
    st = _Stage()
    if progress:
        print(f"{what} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        yield st
    finally:
        st.elapsed = time.perf_counter() - t0
        if progress:
            print(f"{what}: {st.elapsed:.1f} s", file=sys.stderr, flush=True)


class _CompileLog(logging.Handler):
    def emit(self, record):
        msg = record.getMessage()
        if "compil" in msg:
            from tqdm import tqdm

            tqdm.write("  " + msg.removeprefix("blockdance: "), file=sys.stderr)


@contextmanager
def show_compiles():
    """Print the backend's "compiling the full variant ..." / "compiled ... in 12.3 s" lines meanwhile."""
    logger = logging.getLogger("bdcompile.inner")
    handler, level = _CompileLog(logging.INFO), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
