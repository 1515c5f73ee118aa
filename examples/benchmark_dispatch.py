"""Per-call dispatch overhead of ``backend="blockdance"``, in microseconds (median).

The variants are replaced by no-op callables (an inner compiler that runs the graph once for its
outputs and then returns them as they are), so what is timed is dynamo's guard check plus the
backend's host-side work per call: finding the model's state, the step decision, the cache
bookkeeping. A plain backend with the same no-op inner is timed side by side; the difference is the
dispatcher's own cost.

    python examples/benchmark_dispatch.py --calls 20000
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def noop_inner(gm, example_inputs):
    with torch.no_grad():
        out = gm(*example_inputs)
    out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    return lambda *args: out


def plain_backend(gm, example_inputs):
    return noop_inner(gm, example_inputs)


def _time(fn, calls: int, repeats: int) -> float:
    """Median over ``repeats`` of the mean µs per call of ``calls`` calls."""
    per = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(calls):
            fn(i)
        per.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(per)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    import bdcompile  # noqa: F401  (registers the backend)
    from models import dit_inputs, timesteps, tiny_dit

    model = tiny_dit(num_layers=4)
    ts = timesteps(args.steps)
    inputs = [dit_inputs(2, t) for t in ts]
    n = len(inputs)
    rows = {}
    with torch.no_grad():
        plain = torch.compile(model, backend=plain_backend)
        for kw in inputs:
            plain(**kw)
        rows["plain backend (no-op graph)"] = _time(lambda i: plain(**inputs[i % n]), args.calls, args.repeats)
        for mode, extra in (("timestep", {}), ("counter", {"step_source": "counter"})):
            torch._dynamo.reset()
            bd = torch.compile(model, backend="blockdance",
                               options=dict(num_steps=n, boundary=2, inner=noop_inner, **extra))
            for kw in inputs:
                bd(**kw)
            rows[f"blockdance, step_source={mode}"] = _time(lambda i: bd(**inputs[i % n]), args.calls, args.repeats)
    base = rows["plain backend (no-op graph)"]
    print(f"{'strategy':40s} {'us/call':>8s} {'overhead us':>12s}")
    for name, us in rows.items():
        print(f"{name:40s} {us:8.2f} {us - base:12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
