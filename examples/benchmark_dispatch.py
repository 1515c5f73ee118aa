"""Per-call dispatch overhead of ``backend="blockdance"``, in microseconds.

The variants are replaced by no-op callables (an inner compiler that runs the graph once for its
outputs and then returns them as they are), and the backend's dispatcher is called directly with
the flat inputs dynamo would pass, a new timestep per step: what is timed is the backend's own
host-side work per call (finding the model's state, the step decision, the cache bookkeeping).
CPU time of this process (``time.process_time``), best of ``--repeats`` rounds, so that other
processes on a busy machine disturb the figure as little as possible. The same script runs against
an older checkout for a before/after comparison:

    python examples/benchmark_dispatch.py --calls 20000
    PYTHONPATH=/path/to/old/checkout python /path/to/old/checkout/examples/benchmark_dispatch.py
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


def _capture(model, kwargs, options):
    """Compile ``model`` with the backend, returning (dispatcher, flat example inputs)."""
    from bdcompile.backend import blockdance

    got = {}

    def backend(gm, example_inputs):
        got["dispatcher"] = blockdance(gm, example_inputs, options=options)
        got["inputs"] = list(example_inputs)
        return got["dispatcher"]

    torch._dynamo.reset()
    with torch.no_grad():
        torch.compile(model, backend=backend)(**kwargs)
    return got["dispatcher"], got["inputs"]


def _time(fn, calls: int, repeats: int) -> tuple[float, float]:
    """(best, median) over ``repeats`` rounds of the CPU µs per call of ``calls`` calls."""
    per = []
    for _ in range(repeats):
        t0 = time.process_time()
        for i in range(calls):
            fn(i)
        per.append((time.process_time() - t0) / calls * 1e6)
    return min(per), statistics.median(per)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    from models import dit_inputs, tiny_dit

    model = tiny_dit(num_layers=4)
    n = args.steps
    rows = {}
    with torch.no_grad():
        for mode, extra in (("timestep", {}), ("counter", {"step_source": "counter"})):
            disp, inputs = _capture(model, dit_inputs(2, 999), dict(num_steps=n, boundary=2, inner=noop_inner, **extra))
            ti = disp.timestep_index
            per_step = []
            for t in torch.linspace(999, 0, n).round():
                a = list(inputs)
                if ti is not None:
                    a[ti] = torch.full_like(inputs[ti], int(t))
                per_step.append(a)
            for a in per_step:  # the first generation compiles the reuse variant
                disp(*a)

            def call(i, disp=disp, per_step=per_step):
                return disp(*per_step[i % n])

            rows[f"step_source={mode}"] = _time(call, args.calls, args.repeats)
            import bdcompile

            if hasattr(bdcompile, "generation"):  # newer versions: the same calls inside a generation scope
                with bdcompile.generation(model):
                    rows[f"step_source={mode}, scoped"] = _time(call, args.calls, args.repeats)
    print(f"{'dispatcher':24s} {'best us/call':>13s} {'median':>8s}")
    for name, (best, med) in rows.items():
        print(f"{name:24s} {best:13.2f} {med:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
