"""Block-level reuse when dynamo runs a model's forward eagerly (bdcompile/runtime/eager_blocks.py).

HiDream (the MoE feed-forward's torch.bincount in every block), HunyuanVideo-1.5 (data-dependent branching before
the blocks) and WanAnimate-2 (a graph break inside each attention) break dynamo's graph where it cannot resume: no
graph holds their block stack, dynamo compiles each block's frame alone. The blocks are then cached at their calls.
Every step must equal BlockDance by hand (tests/oracle.py: recorded block outputs replayed, no bdcompile code), over
two generations, with reuse changing the output; the model object called directly stays plain eager; a batch change
or a cancelled call never reads a stale cache.
"""

from __future__ import annotations

import copy
import warnings

import pytest
import torch
from families import FAMILIES
from oracle import Oracle, eager_block_order, repeated_block_lists, static_plan
from test_families import _err

import bdcompile

S = 10
WARMUP, STOP, N = 0.2, 1.0, 2
PLAN = static_plan(S, WARMUP, STOP, N)
# the block lists, in the order an eager call runs them (written here, not found by the code under test)
LISTS = {
    "hidream": ["double_stream_blocks", "single_stream_blocks"],
    "hunyuan_video15": ["transformer_blocks"],
    "wan_animate2": ["blocks"],
}


def _setup(name, batch=None):
    fam = FAMILIES[name]
    torch.manual_seed(0)
    model = fam.make_model(seed=0)
    plain = copy.deepcopy(model)
    kwargs = fam.make_inputs(batch_size=batch or min(2, fam.max_batch_size or 2), seed=0)
    ts = fam.timesteps(S)
    order = eager_block_order(model, LISTS[name], lambda: model(**fam.with_timestep(kwargs, ts[0])))
    options = dict(num_steps=S, warmup=WARMUP, stop=STOP, interval=N, inner="eager", step_source="counter")
    return fam, model, plain, kwargs, ts, order, options


@pytest.mark.parametrize(
    "name, clock",
    [pytest.param(n, "counter", marks=() if n == "hidream" else pytest.mark.slow) for n in LISTS]
    + [("hidream", "timestep")],
)
def test_graph_broken_family_is_cached_at_its_block_calls(name, clock):
    """``clock="timestep"``: steps from the timestep argument, also for the first call, which began before the hooks
    existed (its arguments are read from the model's ``Module._call_impl`` frame)."""
    fam, model, plain, kwargs, ts, order, options = _setup(name)
    if clock == "timestep":
        options = dict(options, step_source="timestep", timestep_arg=fam.timestep_kwarg)
    boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
    compiled = torch.compile(model, backend="blockdance", options=options)
    oracle = Oracle(model, order, boundary, PLAN)
    reuse_differs = []
    with torch.no_grad(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            oracle.new_generation()
            for step, t in enumerate(ts):
                kw = fam.with_timestep(kwargs, t)
                got = fam.output_tensor(compiled(**kw)).clone()
                want, action = oracle(step, **kw)
                want = fam.output_tensor(want)
                assert _err(got, want) <= 1e-5, f"step {step} ({action}): relative error {_err(got, want):.2e}"
                uncached = fam.output_tensor(plain(**kw))
                if action == "reuse":
                    reuse_differs.append(_err(got, uncached) > 1e-4)
                    # the model object itself, called directly (not through torch.compile), stays plain eager
                    assert _err(fam.output_tensor(model(**kw)), uncached) <= 1e-6
    assert reuse_differs and all(reuse_differs), reuse_differs
    said = [str(w.message) for w in caught if "cached block by block instead" in str(w.message)]
    assert len(said) == 1 and "TORCH_LOGS=graph_breaks" in said[0], said
    info = bdcompile.explain(compiled)
    assert [e[3] for e in info["log"]] == PLAN * 2
    eb = info["eager_blocks"]
    assert eb["lists"] == LISTS[name] and eb["blocks"] == len(order) and eb["boundaries"] == {"reuse": boundary}
    assert not info["graphs"]  # no graph holds the stack: the backend never specialised one
    assert "blocks cached at their calls" in str(info)


def test_a_batch_change_at_a_reuse_step_runs_in_full_and_a_cancelled_call_leaves_no_state():
    from bdcompile.runtime import eager_blocks

    fam, model, plain, kwargs, ts, order, options = _setup("hidream")
    compiled = torch.compile(model, backend="blockdance", options=dict(options, warmup=0.0, interval=2))
    one = fam.make_inputs(batch_size=1, seed=1)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fragment warnings (once per class and process)
        compiled(**fam.with_timestep(kwargs, ts[0]))  # step 0: full, keeps batch-2 outputs
        got = fam.output_tensor(compiled(**fam.with_timestep(one, ts[1])))  # step 1 wants reuse: other batch
        assert _err(got, fam.output_tensor(plain(**fam.with_timestep(one, ts[1])))) <= 1e-6
        assert bdcompile.explain(compiled)["log"][-1][3:] == ("full", "reuse")

        # a call cancelled inside a block (KeyboardInterrupt from the third block: torch runs no hook after a
        # BaseException) is dropped by the model's next call: called directly it is plain eager, and a new
        # generation is exact
        block = model.get_submodule(f"{order[2][0]}.{order[2][1]}")
        inner = block.block if hasattr(block, "block") else block

        def interrupt(*a, **k):
            raise KeyboardInterrupt

        inner.forward = interrupt
        with pytest.raises(KeyboardInterrupt):
            compiled(**fam.with_timestep(kwargs, ts[2]))
        del inner.forward
        assert eager_blocks._RUN.get() is not None  # what the interrupted call left
        kw = fam.with_timestep(kwargs, ts[3])
        assert _err(fam.output_tensor(model(**kw)), fam.output_tensor(plain(**kw))) <= 1e-6
        assert eager_blocks._RUN.get() is None
        # a new generation after it is exact against the oracle
        boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
        plan = static_plan(4, 0.0, 1.0, 2)
        oracle = Oracle(model, order, boundary, plan)
        with bdcompile.generation(compiled, num_steps=4):
            for step, t in enumerate(fam.timesteps(4)):
                kw = fam.with_timestep(kwargs, t)
                got = fam.output_tensor(compiled(**kw)).clone()
                want, action = oracle(step, **kw)
                assert _err(got, fam.output_tensor(want)) <= 1e-5, (step, action)
        assert "reuse" in plan


def test_steps_other_than_reuse_and_forecast_run_in_full_with_one_warning():
    """Only reuse and forecast at a boundary exist block by block: a residual schedule warns once and runs every
    step in full (equal to the uncached model)."""
    fam, model, plain, kwargs, ts, order, options = _setup("hidream")
    compiled = torch.compile(model, backend="blockdance", options=dict(options, reuse="residual"))
    with torch.no_grad(), pytest.warns(UserWarning, match="the residual steps of this schedule run in full"):
        for t in ts:
            kw = fam.with_timestep(kwargs, t)
            assert _err(fam.output_tensor(compiled(**kw)), fam.output_tensor(plain(**kw))) <= 1e-6
    assert {e[3] for e in bdcompile.explain(compiled)["log"]} == {"full"}


def test_once_cached_at_block_calls_a_model_stays_so_and_counts_each_step_once():
    """The same instance first graph-breaks inside its block loop (blocks cached at their calls), then would trace
    whole (its Python flag off): the block wrappers, which dynamo does not trace, keep its forward eager, so the
    blocks stay cached at their calls, exact against the oracle, one log entry per step. (The other order, a graph
    of the whole forward first: tests/test_fragments.py, the fragments then stay uncached.)"""
    from test_fragments import STEPS, _inputs, _Model

    from bdcompile.runtime import eager_blocks

    model = _Model()
    plan = static_plan(STEPS, 0.2, 1.0, 2)
    opts = {"inner": "eager", "warmup": 0.2, "stop": 1.0, "interval": 2, "num_steps": STEPS}
    compiled = torch.compile(model, backend="blockdance", options=opts)
    ts = [999.0, 800.0, 600.0, 400.0, 200.0][:STEPS]
    for breaks in (True, False):
        model.breaks = breaks
        oracle = Oracle(model, [("blocks", i) for i in range(3)], 2, plan)
        with torch.no_grad(), warnings.catch_warnings(), bdcompile.generation(compiled):
            warnings.simplefilter("ignore")
            for step, t in enumerate(ts):
                got = compiled(**_inputs(t, step))
                want, action = oracle(step, 0, **_inputs(t, step))
                assert _err(got, want) <= 1e-5, (breaks, step, action)
        info = bdcompile.explain(compiled)
        assert [e[3] for e in info["log"]][-STEPS:] == plan, (breaks, info["log"])
        assert info["eager_blocks"]["lists"] == ["blocks"] and not info["graphs"]
    assert len(info["log"]) == 2 * STEPS
    assert eager_blocks._RUN.get() is None


def test_two_configurations_of_one_model_each_cache_with_their_own_schedule():
    """One HiDream instance behind two torch.compile wrappers with different options, calls interleaved: each call
    follows the schedule of the wrapper it came through (each exact against its own oracle), and the model called
    directly stays plain eager."""
    fam, model, plain, kwargs, ts, order, options = _setup("hidream")
    plans = {
        "a": PLAN,
        "b": ["full", "full", "reuse@2", "reuse@2", "full", "reuse@2", "reuse@2", "full", "full", "full"],
    }
    wrappers = {
        "a": torch.compile(model, backend="blockdance", options=options),
        "b": torch.compile(model, backend="blockdance", options=dict(options, plan=plans["b"])),
    }
    boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
    oracles = {k: Oracle(copy.deepcopy(plain), order, boundary, plans[k]) for k in wrappers}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step, t in enumerate(ts):
            kw = fam.with_timestep(kwargs, t)
            for k, compiled in wrappers.items():
                got = fam.output_tensor(compiled(**kw)).clone()
                want, action = oracles[k](step, **kw)
                assert _err(got, fam.output_tensor(want)) <= 1e-5, (k, step, action)
            assert _err(fam.output_tensor(model(**kw)), fam.output_tensor(plain(**kw))) <= 1e-6
    for k, compiled in wrappers.items():
        assert [e[3] for e in bdcompile.explain(compiled)["log"]] == plans[k], k


@pytest.mark.parametrize("how", ["wrapper", "blocks_in_place"])
def test_two_generations_interleaved_in_threads_keep_their_own_caches(how):
    """Two requests on one compiled HiDream (through a ``torch.compile`` wrapper, or its blocks compiled in place),
    each in its own thread and generation scope, stepping in lockstep (a barrier between steps, then both call at
    once): each equals BlockDance by hand over its own inputs alone (oracle run beforehand)."""
    import threading

    fam, model, plain, kwargs, ts, order, options = _setup("hidream")
    options = {k: v for k, v in options.items() if k != "step_source"}  # timestep clock, scopes give num_steps
    boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
    inputs = [fam.make_inputs(batch_size=2, seed=s) for s in (1, 2)]
    want = []
    for kw0 in inputs:
        oracle = Oracle(plain, order, boundary, PLAN)
        with torch.no_grad():
            want.append(
                [fam.output_tensor(oracle(i, **fam.with_timestep(kw0, t))[0]).clone() for i, t in enumerate(ts)]
            )
    options = dict(options, timestep_arg=fam.timestep_kwarg)
    if how == "wrapper":
        compiled = torch.compile(model, backend="blockdance", options=options)
    else:
        for path in LISTS["hidream"]:
            for block in model.get_submodule(path):
                block.compile(backend="blockdance", options=options)
        compiled = model
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled(**fam.with_timestep(inputs[0], ts[0]))  # compiles (its own generation)
    got = [[None] * S for _ in inputs]
    barrier, errors = threading.Barrier(len(inputs)), []

    def request(r):
        try:
            with torch.no_grad(), bdcompile.generation(compiled, num_steps=S):
                for i, t in enumerate(ts):
                    barrier.wait(timeout=60)
                    got[r][i] = fam.output_tensor(compiled(**fam.with_timestep(inputs[r], t))).clone()
        except Exception as e:  # noqa: BLE001
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=request, args=(r,)) for r in range(len(inputs))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for r in range(len(inputs)):
        for i in range(S):
            assert _err(got[r][i], want[r][i]) <= 1e-5, (r, i, PLAN[i])
    assert _err(want[0][3], want[1][3]) > 1e-2  # the two requests differ: sharing a cache would show


def test_a_forward_that_changes_block_outputs_in_place_never_changes_the_kept_ones():
    """The forward adds to each block's output in place: a kept output must be a copy (else the full step's own
    ``add_`` and every reuse step's would drift the cache). Exact against the oracle over N=3 (two reuse steps read
    one full step's outputs)."""
    from test_fragments import STEPS, _inputs, _Model

    class InPlace(_Model):
        def forward(self, hidden_states, encoder_hidden_states, timestep):
            temb = self.t(timestep[:, None] / 1000)
            text = self.refiner(self.text(encoder_hidden_states), temb)
            x = self.proj_in(hidden_states)
            for blk in self.blocks:
                torch._dynamo.graph_break()
                x = blk(x, text, temb)
                x.add_(0.5)  # in place, on the block's output
            return self.proj_out(x)

    model = InPlace()
    plan = static_plan(STEPS, 0.2, 1.0, 3)
    assert plan.count("reuse") >= 2
    opts = {"inner": "eager", "warmup": 0.2, "stop": 1.0, "interval": 3, "num_steps": STEPS}
    compiled = torch.compile(model, backend="blockdance", options=opts)
    oracle = Oracle(model, [("blocks", i) for i in range(3)], 2, plan)
    with torch.no_grad(), warnings.catch_warnings(), bdcompile.generation(compiled):
        warnings.simplefilter("ignore")
        for step, t in enumerate([999.0, 800.0, 600.0, 400.0, 200.0][:STEPS]):
            got = compiled(**_inputs(t, step))
            want, action = oracle(step, 0, **_inputs(t, step))
            assert _err(got, want) <= 1e-5, (step, action)


# ------------------------------------------------------------------------------ compiled in place
def _run_against_oracle(
    fam, compiled, reference, kwargs, order, boundary, generations=2, tol=1e-5, plan=PLAN, forecast_order=1
):
    """Generations of ``compiled`` (scoped), each step against BlockDance by hand on ``reference`` (a copy made
    before compiling) following ``plan``; returns, per skipping step, whether it differs from what it could have been
    by mistake: a reuse step from the uncached model, a forecast step from a plain reuse of the last full step."""
    oracle = Oracle(reference, order, boundary, plan, order=forecast_order)
    reuse_differs = []
    with torch.no_grad():
        for _ in range(generations):
            oracle.new_generation()
            with bdcompile.generation(compiled, num_steps=S):
                for step, t in enumerate(fam.timesteps(S)):
                    kw = fam.with_timestep(kwargs, t)
                    got = fam.output_tensor(compiled(**kw)).clone()
                    want, action = oracle(step, **kw)
                    want = fam.output_tensor(want)
                    assert _err(got, want) <= tol, f"step {step} ({action}): relative error {_err(got, want):.2e}"
                    if action.startswith("reuse"):
                        reuse_differs.append(_err(got, fam.output_tensor(reference(**kw))) > 10 * tol)
                    elif action.startswith("forecast"):
                        newest = oracle.history[0][0][1]  # the last full step's block outputs, replayed as they are
                        plain = oracle._reuse(newest, kw, oracle._skipped_for(action))
                        reuse_differs.append(_err(got, fam.output_tensor(plain)) > 10 * tol)
    return reuse_differs


def _declares_repeated_blocks(fam) -> bool:
    import diffusers

    return bool(getattr(getattr(diffusers, fam.cls_name, None), "_repeated_blocks", None))


REGIONAL = [n for n, fam in FAMILIES.items() if _declares_repeated_blocks(fam)]


@pytest.mark.parametrize(
    "name, clock, fullgraph, inner",
    [("flux", "timestep", True, "eager"), ("flux", "counter", True, "inductor")]
    + [pytest.param(n, "counter", False, "eager", marks=pytest.mark.slow) for n in REGIONAL],
)
def test_regional_compilation_is_cached_at_the_block_calls(name, clock, fullgraph, inner):
    """``model.compile_repeated_blocks(backend="blockdance")`` (diffusers' regional compilation: each block compiled
    in place, the forward plain Python): the blocks are cached at their calls, each step exact against the oracle,
    over two generations, with ``fullgraph=True`` too (the wrappers sit outside the compiled blocks); other modules
    compiled in place (an embedder, a token refiner) run plainly; no warning (nothing is wrong)."""
    fam = FAMILIES[name]
    model = fam.make_model(seed=0)
    reference = copy.deepcopy(model)
    kwargs = fam.make_inputs(batch_size=min(2, fam.max_batch_size or 2), seed=0)
    lists = repeated_block_lists(model)
    order = eager_block_order(reference, lists, lambda: reference(**fam.with_timestep(kwargs, fam.timesteps(S)[0])))
    boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
    options = dict(warmup=WARMUP, stop=STOP, interval=N, boundary=boundary, inner=inner, step_source=clock)
    if clock == "timestep":
        options["timestep_arg"] = fam.timestep_kwarg
    model.compile_repeated_blocks(backend="blockdance", fullgraph=fullgraph, options=options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tol = 1e-5 if inner == "eager" else 1e-3  # Inductor: the suite's tolerance (measured here: 1.3e-7)
        reuse_differs = _run_against_oracle(fam, model, reference, kwargs, order, boundary, tol=tol)
    assert reuse_differs and all(reuse_differs), reuse_differs
    assert not [str(w.message) for w in caught if "blockdance" in str(w.message)]
    info = bdcompile.explain(model)
    assert [e[3] for e in info["log"]] == PLAN * 2
    eb = info["eager_blocks"]
    ran = {path for path, _ in order}  # a list this input never runs (FLUX.3's image_cond blocks) is not counted
    assert ran <= set(eb["lists"]) <= set(lists) and eb["blocks"] == len(order), (eb, lists)
    assert eb["regional"] and "blocks compiled in place: blocks cached at their calls" in str(info)


@pytest.mark.parametrize("how", ["wrapper", "in_place", "blocks_in_place"])
def test_every_model_of_a_class_is_cached_however_it_is_compiled(how):
    """Two HiDream models (graph-broken: blocks cached at their calls), compiled through ``torch.compile`` wrappers,
    in place (``model.compile``), or block by block in place, with the same options: dynamo hands the second model
    the frames it compiled for the first (the backend never sees it), and it must be cached all the same; each
    exact against its own oracle, generations of the two alternating."""
    fam = FAMILIES["hidream"]
    models = [fam.make_model(seed=s) for s in (0, 1)]
    references = [copy.deepcopy(m) for m in models]
    kwargs = fam.make_inputs(batch_size=2, seed=0)
    lists = LISTS["hidream"]
    order = eager_block_order(models[0], lists, lambda: models[0](**fam.with_timestep(kwargs, fam.timesteps(S)[0])))
    boundary = min(max(1, round(0.75 * len(order))), len(order) - 1)
    options = dict(warmup=WARMUP, stop=STOP, interval=N, boundary=boundary, inner="eager", step_source="counter")
    if how == "wrapper":
        compiled = [torch.compile(m, backend="blockdance", options=options) for m in models]
    else:
        for m in models:
            parts = [b for path in lists for b in m.get_submodule(path)] if how == "blocks_in_place" else [m]
            for part in parts:
                part.compile(backend="blockdance", options=options)
        compiled = models
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the graph-break warning (its own test)
        for _ in range(2):
            for c, ref in zip(compiled, references):
                reuse_differs = _run_against_oracle(fam, c, ref, kwargs, order, boundary, generations=1)
                assert reuse_differs and all(reuse_differs), reuse_differs
    for c in compiled:
        info = bdcompile.explain(c)
        assert [e[3] for e in info["log"]] == PLAN * 2
        assert info["eager_blocks"]["lists"] == lists and info["eager_blocks"]["blocks"] == len(order)


def test_a_policy_plans_a_regionally_compiled_model_from_its_inputs():
    """A ``policy`` option (BlockDance-Ada's interface: ``policy(inputs_by_name, start, num_steps) -> actions``) on a
    model whose blocks are cached at their calls: it is asked once per generation at ``policy_start``, gets that
    call's arguments by the forward's names, and its plan runs, exact against the oracle following the same plan."""
    fam = FAMILIES["flux"]
    model = fam.make_model(seed=0)
    reference = copy.deepcopy(model)
    kwargs = fam.make_inputs(batch_size=1, seed=0)
    lists = repeated_block_lists(model)
    order = eager_block_order(reference, lists, lambda: reference(**fam.with_timestep(kwargs, fam.timesteps(S)[0])))
    start, asked = 4, []

    def policy(inputs, first, n):
        asked.append((first, n, inputs["hidden_states"], float(inputs[fam.timestep_kwarg].reshape(-1)[0])))
        return ["reuse@2" if (i - first) % 3 else "full" for i in range(first, n)]

    policy.actions = ("reuse@2",)  # what it may choose (bdcompile.ada's policies say so too): a deeper cut than 3

    model.compile_repeated_blocks(
        backend="blockdance", options=dict(inner="eager", policy=policy, policy_start=start / S, boundary=3)
    )
    plan = ["full"] * start + ["reuse@2" if (i - start) % 3 else "full" for i in range(start, S)]
    _run_against_oracle(fam, model, reference, kwargs, order, 3, generations=1, plan=plan)
    assert len(asked) == 1 and asked[0][:2] == (start, S)
    assert asked[0][2] is kwargs["hidden_states"] and asked[0][3] == pytest.approx(fam.timesteps(S)[start])
    assert [e[3] for e in bdcompile.explain(model)["log"]] == plan and "reuse@2" in plan


def test_regional_minimal_configs_one_block_per_stack_and_batch_1():
    """Configs nobody tuned: Flux with one double- and one single-stream block, batch 1, the default boundary (1 of
    2), exact against the oracle; Wan with one block in all: nothing to skip, a clear error naming the fix, and
    with fallback=True every call runs in full (equal to the eager model) after one warning."""
    fam = FAMILIES["flux"]
    model = fam.make_model(seed=0, minimal=True)
    reference = copy.deepcopy(model)
    kwargs = fam.make_inputs(batch_size=1, seed=0, minimal=True)
    order = eager_block_order(
        reference, repeated_block_lists(model), lambda: reference(**fam.with_timestep(kwargs, fam.timesteps(S)[0]))
    )
    assert len(order) == 2
    model.compile_repeated_blocks(
        backend="blockdance", options=dict(warmup=WARMUP, stop=STOP, interval=N, inner="eager")
    )
    reuse_differs = _run_against_oracle(fam, model, reference, kwargs, order, boundary=1)
    assert reuse_differs and all(reuse_differs)

    fam = FAMILIES["wan"]
    kwargs = fam.make_inputs(batch_size=1, seed=0, minimal=True)
    for fallback in (False, True):
        model = fam.make_model(seed=0, minimal=True)
        reference = copy.deepcopy(model)
        model.compile_repeated_blocks(backend="blockdance", options=dict(inner="eager", fallback=fallback))
        with torch.no_grad(), bdcompile.generation(model, num_steps=S), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for t in fam.timesteps(S):
                kw = fam.with_timestep(kwargs, t)
                if not fallback:  # caching is on from the scope's start (blocks compiled in place): the first call
                    with pytest.raises(
                        ValueError, match=r"nothing to skip: .* one transformer block .*'fallback': True"
                    ):
                        model(**kw)
                    break
                got = fam.output_tensor(model(**kw))
                assert _err(got, fam.output_tensor(reference(**kw))) <= 1e-6
        said = [str(w.message) for w in caught if "nothing to skip" in str(w.message)]
        assert len(said) == (1 if fallback else 0), said


def test_blocks_compiled_in_place_by_hand_cache_from_the_first_step():
    """SD3 declares no ``_repeated_blocks``; a user compiles each block in place with ``block.compile(...)``. In a
    generation scope caching is on before the first call, so the plan F r F r ... reuses at step 1 already (the
    first step's outputs are kept): exact against the oracle from the first generation on."""
    fam = FAMILIES["sd3"]
    model = fam.make_model(seed=0)
    reference = copy.deepcopy(model)
    kwargs = fam.make_inputs(batch_size=2, seed=0)
    order = eager_block_order(
        reference, ["transformer_blocks"], lambda: reference(**fam.with_timestep(kwargs, fam.timesteps(S)[0]))
    )
    for block in model.transformer_blocks:
        block.compile(backend="blockdance", options=dict(warmup=0.0, stop=STOP, interval=N, boundary=2, inner="eager"))
    _run_against_oracle(fam, model, reference, kwargs, order, 2, generations=1, plan=static_plan(S, 0.0, STOP, N))
    assert [e[3] for e in bdcompile.explain(model)["log"]][:2] == ["full", "reuse"]


@pytest.mark.parametrize("how, order", [("wrapper", 1), ("regional", 2)])
def test_forecast_steps_extrapolate_each_skipped_blocks_output(how, order):
    """``reuse="forecast"`` block by block: on a forecast step each block before the boundary returns the
    polynomial through its outputs on the last ``order + 1`` full steps, evaluated at this step (TaylorSeer-style),
    exact against the oracle's Newton extrapolation (float64), over two generations; HiDream through a
    ``torch.compile`` wrapper (graph-broken) and Flux compiled regionally."""
    fam = FAMILIES["hidream" if how == "wrapper" else "flux"]
    model = fam.make_model(seed=0)
    reference = copy.deepcopy(model)
    kwargs = fam.make_inputs(batch_size=2, seed=0)
    lists = LISTS["hidream"] if how == "wrapper" else repeated_block_lists(model)
    order_of_blocks = eager_block_order(
        reference, lists, lambda: reference(**fam.with_timestep(kwargs, fam.timesteps(S)[0]))
    )
    boundary = min(max(1, round(0.75 * len(order_of_blocks))), len(order_of_blocks) - 1)
    interval = 3
    options = dict(warmup=WARMUP, stop=STOP, interval=interval, boundary=boundary, inner="eager", reuse="forecast")
    options.update(order=order, step_source="counter")
    if how == "wrapper":
        compiled = torch.compile(model, backend="blockdance", options=options)
    else:
        model.compile_repeated_blocks(backend="blockdance", options=options)
        compiled = model
    plan = ["forecast" if a == "reuse" else a for a in static_plan(S, WARMUP, STOP, interval)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HiDream's graph-break warning (its own test)
        differs = _run_against_oracle(
            fam, compiled, reference, kwargs, order_of_blocks, boundary, plan=plan, forecast_order=order
        )
    assert [e[3] for e in bdcompile.explain(compiled)["log"]] == plan * 2 and plan.count("forecast") >= 4
    assert differs and all(differs), differs


def test_the_default_boundary_counts_the_blocks_a_call_runs():
    """FLUX.3 compiled regionally: its ``mode_blocks.image_cond`` blocks are compiled (declared) but this input never
    runs them; the default boundary is that of the blocks a call runs (as the graph path counts the traced blocks),
    exact against the oracle with it, and explain counts those blocks."""
    from bdcompile.options import default_boundary

    fam = FAMILIES["flux3"]
    model = fam.make_model(seed=0)
    reference = copy.deepcopy(model)
    kwargs = fam.make_inputs(batch_size=1, seed=0)
    lists = repeated_block_lists(model)
    order = eager_block_order(reference, lists, lambda: reference(**fam.with_timestep(kwargs, fam.timesteps(S)[0])))
    assert {p for p, _ in order} < set(lists)  # a declared list that does not run
    model.compile_repeated_blocks(
        backend="blockdance", options=dict(warmup=WARMUP, stop=STOP, interval=N, inner="eager")
    )
    boundary = default_boundary(len(order))
    assert boundary != default_boundary(sum(len(model.get_submodule(p)) for p in lists))  # the test can tell
    reuse_differs = _run_against_oracle(fam, model, reference, kwargs, order, boundary)
    assert reuse_differs and all(reuse_differs)
    eb = bdcompile.explain(model)["eager_blocks"]
    assert eb["blocks"] == len(order) and eb["boundaries"] == {"reuse": boundary}


@pytest.mark.parametrize("how", ["wrapper", "regional"])
def test_a_model_cached_at_its_block_calls_is_freed_once_dropped(how):
    """Nothing of bdcompile keeps a dropped model alive: not the instance registry (whose configuration holds the
    block caching), not the kept block outputs of an unscoped generation (they hold their blocks, whose wrappers
    must not hold the model), not the compiled block frames dynamo keeps. Both used to leak the whole model."""
    import gc
    import weakref

    fam = FAMILIES["hidream" if how == "wrapper" else "flux"]

    def use():
        model = fam.make_model(seed=0)
        options = dict(inner="eager", num_steps=4, warmup=0.0, interval=2)
        if how == "wrapper":
            compiled = torch.compile(model, backend="blockdance", options=options)
        else:
            model.compile_repeated_blocks(backend="blockdance", options=options)
            compiled = model
        kwargs = fam.make_inputs(batch_size=1, seed=0)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for t in fam.timesteps(4):  # unscoped: the caches stay with the instance's ambient generation
                compiled(**fam.with_timestep(kwargs, t))
        assert "reuse" in [e[3] for e in bdcompile.explain(compiled)["log"]]
        return weakref.ref(model)

    ref = use()
    gc.collect()
    assert ref() is None, [type(r).__name__ for r in gc.get_referrers(ref())][:10]
