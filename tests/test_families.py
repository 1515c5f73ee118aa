"""The sweep: every diffusers transformer class that traces as one graph, through the one pass.

Each family (tiny config, random weights; tests/families.py) runs a 10-step loop through
``torch.compile(model, backend="blockdance", fullgraph=True)`` with the default block detection and
boundary; every step must match the eager oracle (tests/oracle.py) over the blocks the test
expects, listed independently of the pass: the family's module lists (recorded in the registry)
whose members are transformer blocks by their class name, in the order an eager call runs them.

Every family runs in two configs, the normal one (3-6 blocks per stack) and the minimal one (one block
per stack, as diffusers' model tests), at batch 1 and batch 2 (batch 1 takes other branches: Framepack
slices the text by a data-dependent length). A minimal config with one block in total must be refused
with "nothing to skip: the model has one transformer block" (test_one_block_falls_back: and run plainly with
fallback=True).
The default run holds one family per structural pattern (``REPRESENTATIVE``), batch 2 of its normal
config and batch 1 of its minimal one; every other family and combination carries the ``slow`` mark and
runs with ``BDC_RUN_SLOW=1`` (the whole sweep: about 1000 s of test time on the 2-core machine).
"""

from __future__ import annotations

import os

import pytest
import torch
from families import FAMILIES
from oracle import Oracle, eager_block_order, static_plan

import bdcompile

S = 10
WARMUP, STOP, N = 0.2, 1.0, 2
AUX = ("ResBlock", "Linear", "Projection")  # lists of these are not transformer blocks
# lists holding attention that are not the denoising stream's blocks but that the pass, seeing only
# the graph, rightly counts as blocks too (they run every step and their outputs can be cached)
EXTRA_ATTENTION_LISTS = {"consisid": ["perceiver_cross_attention"]}
# DualTransformer2DModel holds two whole Transformer2DModels in a list; the pass takes the outermost
# list of repeated modules, so its two "blocks" are the two transformers, run one after the other
LISTS_OVERRIDE = {"dual_transformer_2d": ["transformers"]}

RUN_SLOW = os.environ.get("BDC_RUN_SLOW") == "1"

# the default run: one family per structural pattern the pass must handle (the rest of the sweep is slow)
REPRESENTATIVE = {
    "pixart": "single-stream blocks with cross-attention; its minimal config has one block in total (refused)",
    "sd3": "two-stream joint blocks (MMDiT): both streams are cut values",
    "flux": "several stacks: double-stream then single-stream blocks, numbered in execution order; "
    "minimal config: one block per stack",
    "hunyuan_dit": "long skip connections: early blocks' outputs are read by late blocks",
    "wan": "video: 3-D latents, RoPE",
    "latte": "spatial and temporal stacks interleaved, reshapes between them (glue)",
    "stable_audio": "audio: 1-D sequence, prepended global conditioning",
    "z_image": "several stacks: noise and context refiners, then the main layers",
}


def _default_run(name: str, fam, minimal: bool, batch: int) -> bool:
    """The default run: for the ``REPRESENTATIVE`` families, the normal config at its largest batch (2, or 1
    where the family cannot batch) and the minimal config at batch 1; everything else is marked slow."""
    if name not in REPRESENTATIVE:
        return False
    return batch == 1 if minimal else batch == min(2, fam.max_batch_size or 2)


def _traceable(probe: dict) -> bool:
    # traced_via: "return_dict_false" (the deprecated output class breaks the graph; pipelines pass
    # return_dict=False), "after_eager" (a lazily built RoPE table; the oracle's first eager call builds it)
    return bool(probe.get("traces") or probe.get("traced_via"))


TRACEABLE = sorted(n for n, f in FAMILIES.items() if _traceable(f.probe))
UNTRACEABLE = sorted(n for n in FAMILIES if n not in TRACEABLE)


def _cases():
    for name in sorted(FAMILIES):
        fam = FAMILIES[name]
        for minimal in (False, True):
            if (minimal and fam.minimal is None) or not _traceable(fam.probe_for(minimal)):
                continue
            for batch in (1, 2):
                if batch > (fam.max_batch_size or batch):
                    continue
                marks = []
                if not _default_run(name, fam, minimal, batch):
                    marks = [pytest.mark.slow, pytest.mark.skipif(not RUN_SLOW, reason="BDC_RUN_SLOW=1 runs it")]
                yield pytest.param(
                    name, minimal, batch, marks=marks, id=f"{name}-{'minimal' if minimal else 'normal'}-b{batch}"
                )


def expected_lists(name, minimal=False):
    if name in LISTS_OVERRIDE:
        return LISTS_OVERRIDE[name]
    fam = FAMILIES[name]
    lists = [
        p
        for p, n, cls in fam.probe_for(minimal)["block_lists"]
        if not cls.endswith(AUX) and ("Block" in cls or "Layer" in cls)
    ]
    return lists + EXTRA_ATTENTION_LISTS.get(name, [])


def _err(a, b):
    a, b = a.double(), b.double()
    return ((a - b).norm() / b.norm().clamp_min(1e-12)).item()


@pytest.mark.parametrize("name, minimal, batch", list(_cases()))
def test_family_matches_oracle(name, minimal, batch):
    fam = FAMILIES[name]
    probe = fam.probe_for(minimal)
    torch.manual_seed(0)
    model = fam.make_model(seed=0, minimal=minimal)
    kwargs = fam.make_inputs(batch_size=batch, seed=0, minimal=minimal)
    if probe.get("traced_via") == "return_dict_false":
        kwargs["return_dict"] = False
    ts = fam.timesteps(S)
    order = eager_block_order(model, expected_lists(name, minimal), lambda: model(**fam.with_timestep(kwargs, ts[0])))
    step = dict(timestep_arg=fam.timestep_kwarg) if fam.timestep_kwarg else dict(step_source="counter")
    options = dict(num_steps=S, warmup=WARMUP, stop=STOP, interval=N, inner="eager", **step)
    if len(order) == 1:
        _one_block_is_refused(model, fam.with_timestep(kwargs, ts[0]), options, order[0])
        return
    boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
    plan = static_plan(S, WARMUP, STOP, N)
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=options)
    oracle = Oracle(model, order, boundary, plan)
    reuse_differs, skipped_outputs = [], []
    with torch.no_grad():
        for step, t in enumerate(ts):
            kw = fam.with_timestep(kwargs, t)
            got = fam.output_tensor(compiled(**kw))
            want, action = oracle(step, **kw)
            want = fam.output_tensor(want)
            assert _err(got, want) <= 1e-5, f"step {step} ({action}): relative error {_err(got, want):.2e}"
            if action == "reuse":
                reuse_differs.append(_err(got, fam.output_tensor(model(**kw))) > 1e-6)
            else:
                skipped_outputs.append(oracle.caches[0][1])  # the oracle's record of the skipped blocks' outputs
    info = bdcompile.explain(compiled)
    g = info["graphs"][0]
    assert g["blocks"] == [f"{n}.{i}" for n, i in order], "the pass found other blocks than the test expects"
    assert g["boundary"] == boundary and g["cut"], g
    assert [e[3] for e in info["log"]] == plan
    assert reuse_differs
    assert g["nodes"][f"reuse@{boundary}"] < g["nodes"]["full"], "the reuse variant runs as much as the full one"
    # with fixed inputs, reuse = full when nothing the skipped blocks compute changes from step to step: no
    # timestep, or skipped blocks that never read it (Krea2's and MiniMax-H3's text blocks in the minimal configs)
    if probe.get("t_sensitive") and fam.timestep_kwarg and _changes(skipped_outputs):
        assert any(reuse_differs), "reuse steps gave the uncached output: nothing was skipped"


def _changes(records: list[dict]) -> bool:
    def same(a, b):
        if isinstance(a, torch.Tensor):
            return torch.equal(a, b)
        if isinstance(a, (tuple, list)):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return a == b

    return any(not same(r[k], records[0][k]) for r in records[1:] for k in r)


def _one_block_is_refused(model, kwargs, options, block):
    """One block in total: nothing to skip. A clear error naming the block (test_one_block_falls_back checks
    that fallback=True then runs the plain inner backend)."""
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=options)
    with (
        pytest.raises(ValueError, match="nothing to skip: the model has one transformer block") as err,
        torch.no_grad(),
    ):
        compiled(**kwargs)
    assert f"({block[0]}.{block[1]})" in str(err.value), str(err.value)


@pytest.mark.parametrize("name, overrides", [("pixart", {}), ("flux", {"num_single_layers": 0})])
def test_one_block_falls_back(name, overrides):
    """fallback=True: a model with one block in total (PixArt's minimal config; Flux with one double-stream
    block and no single-stream block) runs with the plain inner backend, with a warning."""
    fam = FAMILIES[name]
    torch.manual_seed(0)
    model = fam.build(**{**fam.minimal, **overrides}).eval()
    kwargs = fam.with_timestep(fam.make_inputs(1, seed=0, minimal=True), fam.timesteps(S)[0])
    compiled = torch.compile(
        model,
        backend="blockdance",
        fullgraph=True,
        options=dict(num_steps=S, inner="eager", fallback=True, timestep_arg=fam.timestep_kwarg),
    )
    with pytest.warns(UserWarning, match="nothing to skip: the model has one transformer block"), torch.no_grad():
        got = fam.output_tensor(compiled(**kwargs))
    with torch.no_grad():
        assert _err(got, fam.output_tensor(model(**kwargs))) <= 1e-6


@pytest.mark.parametrize("name", UNTRACEABLE)
def test_untraceable_family_fails_with_a_clear_error(name):
    """Classes with data-dependent Python in forward cannot be one graph: fullgraph=True must say so
    (dynamo's error names the break), and without fullgraph the pass still runs on the pieces."""
    fam = FAMILIES[name]
    model = fam.make_model(seed=0)
    kwargs = fam.with_timestep(fam.make_inputs(batch_size=1, seed=0), fam.timesteps(S)[0])
    compiled = torch.compile(
        model, backend="blockdance", fullgraph=True, options=dict(num_steps=S, inner="eager", fallback=True)
    )
    with pytest.raises(Exception) as err, torch.no_grad():
        compiled(**kwargs)
    assert (
        "Unsupported" in type(err.value).__name__
        or "graph break" in str(err.value).lower()
        or "UserError" in type(err.value).__name__
        or "torch._check" in str(err.value)
    ), str(err.value)[:500]
