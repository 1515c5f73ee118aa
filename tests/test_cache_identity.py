"""Cache identity: a reuse step only ever sees features of the same model, request and generation.

One test per scenario of the cache-identity issue, each against the independent eager oracle
(tests/oracle.py): every call of the compiled model must equal BlockDance by hand over *that*
generation alone.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import warnings

import pytest
import torch
from models import (
    TinyTextDiT,
    dit_inputs,
    flux_prompt,
    pixart_inputs,
    timesteps,
    tiny_dit,
    tiny_dit_pipeline,
    tiny_flux,
    tiny_flux_pipeline,
    tiny_pixart,
    tiny_text_inputs,
)
from oracle import Oracle, OracleModel, rel_err, static_plan

import bdcompile
from bdcompile.runtime import MAX_SLOTS, find_instance

S = 10
WARMUP, STOP, N = 0.2, 1.0, 2
PLAN = static_plan(S, WARMUP, STOP, N)
OPTS = dict(warmup=WARMUP, stop=STOP, interval=N, inner="eager", boundary=3)
BLOCKS = [("transformer_blocks", i) for i in range(4)]
TEXT_BLOCKS = [("blocks", i) for i in range(4)]


def _check(got, want, what, tol=1e-5):
    err = rel_err(got, want)
    assert err <= tol, f"{what}: relative error {err:.2e} > {tol}"


def _step(compiled, oracle, step, slot=0, **kw):
    with torch.no_grad():
        got = compiled(**kw)
        want, action = oracle(step, slot, **kw)
    _check(got, want, f"step {step} slot {slot} ({action})")
    return action


# ------------------------------------------------------------------------------ 1. two models, one class
def test_two_models_of_one_class_with_equal_options_keep_their_own_caches():
    """Wan 2.2's high/low-noise experts, a base + refiner: dynamo shares one compiled graph between
    them; the second model's first call must not reuse the first model's features."""
    a, b = tiny_pixart(num_layers=4, seed=0), tiny_pixart(num_layers=4, seed=1)
    ca = torch.compile(a, backend="blockdance", options=dict(OPTS, num_steps=S))
    cb = torch.compile(b, backend="blockdance", options=dict(OPTS, num_steps=S))
    oa, ob = Oracle(a, BLOCKS, 3, PLAN), Oracle(b, BLOCKS, 3, PLAN)
    ts = timesteps(S)
    # the expert hand-over: a runs steps 0..5 of its generation, then b runs steps 0..5 of its own,
    # at the timesteps a would have continued with; then both alternate (two pipelines in turn)
    acts_a = [_step(ca, oa, i, **pixart_inputs(2, ts[i])) for i in range(6)]
    acts_b = [_step(cb, ob, i, **pixart_inputs(2, ts[i], seed=1)) for i in range(6)]
    assert acts_a == PLAN[:6] and acts_b == PLAN[:6]
    for i in range(6, S):
        _step(ca, oa, i, **pixart_inputs(2, ts[i]))
        _step(cb, ob, i, **pixart_inputs(2, ts[i], seed=1))
    ea, eb = bdcompile.explain(ca), bdcompile.explain(cb)  # both instances explain themselves
    assert len(ea["log"]) == S and len(eb["log"]) == S
    assert [e[3] for e in ea["log"]] == PLAN and [e[3] for e in eb["log"]] == PLAN
    bdcompile.reset(cb)  # resets b only
    with torch.no_grad():
        ca(**pixart_inputs(2, ts[0]))
        cb(**pixart_inputs(2, ts[0], seed=1))
    assert bdcompile.explain(ca)["log"][-1][0] == ea["log"][-1][0] + 1  # a: new generation (timestep went up)
    assert bdcompile.explain(cb)["log"][-1][1] == 0


def test_same_weights_two_instances_do_not_share_state():
    a = tiny_pixart(num_layers=4)
    b = copy.deepcopy(a)
    ca = torch.compile(a, backend="blockdance", options=dict(OPTS, num_steps=S))
    cb = torch.compile(b, backend="blockdance", options=dict(OPTS, num_steps=S))
    ts = timesteps(S)
    with torch.no_grad():
        for t in ts[:5]:
            ca(**pixart_inputs(2, t))
        cb(**pixart_inputs(2, ts[5]))  # b's first call: step 0 of its own generation
    assert bdcompile.explain(cb)["log"] == [(0, 0, 0, "full", "full")]
    assert find_instance(a) is not find_instance(b)


# ------------------------------------------------------------------------------ 2. attach, two pipelines
def _cancel_at(pipe, k):
    """Make pipe's scheduler raise at its k-th step (a user cancelling a generation)."""
    step = pipe.scheduler.step
    count = [0]

    def cancelling(*args, **kwargs):
        count[0] += 1
        if count[0] > k:
            raise KeyboardInterrupt("cancelled")
        return step(*args, **kwargs)

    pipe.scheduler.step = cancelling
    return lambda: setattr(pipe.scheduler, "step", step)


def test_attach_on_a_second_pipeline_of_the_same_class():
    """Two DiTPipelines (one class, their own transformers), both attached: a cancelled run of the
    second one leaves nothing the next (shorter, img2img-like) run could reuse."""
    models = [tiny_dit(num_layers=4, seed=s) for s in (0, 1)]
    pipes = [tiny_dit_pipeline(m) for m in models]
    for p in pipes:
        p.transformer = torch.compile(p.transformer, backend="blockdance", options=dict(OPTS))
        bdcompile.attach(p)
    ref = tiny_dit_pipeline(OracleModel(copy.deepcopy(models[1]), BLOCKS, 3))

    def run(p, n, seed):
        return p(
            class_labels=[1, 2], num_inference_steps=n, output_type="np", generator=torch.Generator().manual_seed(seed)
        ).images

    run(pipes[0], S, 0)
    restore = _cancel_at(pipes[1], 6)  # cancelled inside the reuse window, with a cache
    with pytest.raises(KeyboardInterrupt):
        run(pipes[1], S, 1)
    restore()
    got = run(pipes[1], 6, 2)
    ref.transformer.new_generation(static_plan(6, WARMUP, STOP, N))
    want = run(ref, 6, 2)
    assert ref.transformer.actions[0] == "full" and "reuse" in ref.transformer.actions
    log = bdcompile.explain(pipes[1].transformer)["log"]
    assert [e[3] for e in log[-6:]] == ref.transformer.actions
    torch.testing.assert_close(torch.from_numpy(got), torch.from_numpy(want), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------ 3. cancelled, then img2img
def test_cancelled_txt2img_then_img2img_starting_lower_in_a_scope():
    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS))
    ts = timesteps(S)
    oracle = Oracle(model, BLOCKS, 3, PLAN)
    with pytest.raises(KeyboardInterrupt):
        with bdcompile.generation(compiled, num_steps=S):
            for i in range(7):
                _step(compiled, oracle, i, **pixart_inputs(2, ts[i]))
            raise KeyboardInterrupt  # cancelled at step 7, a reuse step's cache in hand
    lower = ts[4:]  # img2img with strength 0.6: starts at a lower timestep
    oracle = Oracle(model, BLOCKS, 3, static_plan(len(lower), WARMUP, STOP, N))
    with bdcompile.generation(compiled, num_steps=len(lower)):
        acts = [_step(compiled, oracle, i, **pixart_inputs(2, t, seed=5)) for i, t in enumerate(lower)]
    assert acts[0] == "full" and "reuse" in acts


# ------------------------------------------------------------------------------ 4. interleaved requests
def _requests(n=2):
    return [dict(seed=10 + i, batch=1 + i % 2) for i in range(n)]


def test_two_requests_interleaved_on_one_model_in_threads():
    """Two requests on one compiled model in two threads, steps strictly alternating (barriers):
    each equals its own generation run alone."""
    model = TinyTextDiT()
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=2))
    ts = timesteps(S)
    reqs = _requests()
    outs = {i: [] for i in range(len(reqs))}
    turn = threading.Condition()
    state = {"next": 0}
    errors = []

    def worker(i):
        try:
            r = reqs[i]
            with bdcompile.generation(compiled, num_steps=S), torch.no_grad():
                for _step, t in enumerate(ts):
                    with turn:
                        turn.wait_for(lambda: state["next"] == i)
                        outs[i].append(compiled(**tiny_text_inputs(r["batch"], t, seed=r["seed"]))[0])
                        state["next"] = (i + 1) % len(reqs)
                        turn.notify_all()
        except BaseException as e:  # noqa: BLE001  (reported in the main thread)
            errors.append(e)
            with turn:
                state["next"] = -1
                turn.notify_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(reqs))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for i, r in enumerate(reqs):
        oracle = Oracle(model, TEXT_BLOCKS, 2, PLAN)
        with torch.no_grad():
            for step, t in enumerate(ts):
                want, action = oracle(step, **tiny_text_inputs(r["batch"], t, seed=r["seed"]))
                _check(outs[i][step], want, f"request {i} step {step} ({action})")
    assert sum(e[3] == "reuse" for e in bdcompile.explain(compiled)["log"]) == 2 * PLAN.count("reuse")


def test_two_requests_interleaved_as_asyncio_tasks():
    model = TinyTextDiT()
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=2))
    ts = timesteps(S)
    reqs = _requests()

    async def request(r):
        outs = []
        with bdcompile.generation(compiled, num_steps=S):
            for t in ts:
                with torch.no_grad():  # grad mode is per thread, not per task: never hold it across an await
                    outs.append(compiled(**tiny_text_inputs(r["batch"], t, seed=r["seed"]))[0])
                await asyncio.sleep(0)  # the other request runs a step here
        return outs

    async def main():
        return await asyncio.gather(*(request(r) for r in reqs))

    results = asyncio.run(main())
    for r, outs in zip(reqs, results):
        oracle = Oracle(model, TEXT_BLOCKS, 2, PLAN)
        with torch.no_grad():
            for step, t in enumerate(ts):
                want, action = oracle(step, **tiny_text_inputs(r["batch"], t, seed=r["seed"]))
                _check(outs[step], want, f"step {step} ({action})")


def test_interleaved_requests_in_one_thread_with_resumed_generations():
    """A server's view: two generations open at once, their steps arriving in any order."""
    model = TinyTextDiT()
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=2))
    ts = timesteps(S)
    gens = [bdcompile.generation(compiled, num_steps=S) for _ in range(2)]
    oracles = [Oracle(model, TEXT_BLOCKS, 2, PLAN) for _ in range(2)]
    order = [0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1]
    steps = [0, 0]
    for i in order:
        with gens[i].resume():
            _step(compiled, oracles[i], steps[i], **tiny_text_inputs(1, ts[steps[i]], seed=i))
        steps[i] += 1
    assert steps == [S, S]
    for g in gens:
        g.close()
    with pytest.raises(RuntimeError, match="closed"):
        with gens[0].resume():
            pass


# ------------------------------------------------------------------------------ 5. stopped after step 0
def test_generation_stopped_after_step_zero_then_new_prompt_at_the_same_first_timestep():
    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, num_steps=S))
    ts = timesteps(S)
    with bdcompile.generation(compiled):
        with torch.no_grad():
            compiled(**pixart_inputs(2, ts[0], seed=0))  # prompt A, stopped after step 0
    oracle = Oracle(model, BLOCKS, 3, PLAN)
    with bdcompile.generation(compiled):
        acts = [_step(compiled, oracle, i, **pixart_inputs(2, t, seed=1)) for i, t in enumerate(ts)]
    assert acts == PLAN
    assert [e[2] for e in bdcompile.explain(compiled)["log"]] == [0] * (S + 1)  # never "slot 1 of A's step"


# ------------------------------------------------------------------------------ 6. counter mode, interrupted
def test_counter_mode_interrupted_generation_then_a_new_one():
    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, num_steps=S, step_source="counter"))
    ts = timesteps(S)
    with bdcompile.generation(compiled), torch.no_grad():
        for t in ts[:5]:
            compiled(**pixart_inputs(2, t))
    oracle = Oracle(model, BLOCKS, 3, PLAN)
    with bdcompile.generation(compiled):
        acts = [_step(compiled, oracle, i, **pixart_inputs(2, t, seed=3)) for i, t in enumerate(ts)]
    assert acts == PLAN and bdcompile.explain(compiled)["host_reads"] == 0


def test_decorated_function_runs_each_call_in_a_new_generation():
    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, num_steps=S, step_source="counter"))
    ts = timesteps(S)

    @bdcompile.generation(compiled)
    def generate(seed, stop_at=S):
        with torch.no_grad():
            return [compiled(**pixart_inputs(2, t, seed=seed))[0] for t in ts[:stop_at]]

    generate(0, stop_at=5)  # interrupted: the next call must not continue its count
    outs = generate(1)
    oracle = Oracle(model, BLOCKS, 3, PLAN)
    with torch.no_grad():
        for i, t in enumerate(ts):
            want, action = oracle(i, **pixart_inputs(2, t, seed=1))
            _check(outs[i], want, f"step {i} ({action})")


# ------------------------------------------------------------------------------ 7. one-step generations
def test_one_step_generations_at_a_constant_timestep_hold_bounded_caches():
    model = TinyTextDiT()
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=2, num_steps=1))
    inst = None
    with torch.no_grad():
        for i in range(2000):
            compiled(**tiny_text_inputs(1, 500.0, seed=i % 7))
            if inst is None:
                inst = find_instance(model)
            held = sum(len(tr.caches) for tr in inst.ambient.tracks.values())
            assert held <= MAX_SLOTS, f"call {i}: {held} caches held"
        for i in range(50):  # scoped one-step generations hold nothing once they end
            with bdcompile.generation(compiled):
                compiled(**tiny_text_inputs(1, 500.0, seed=i))
    assert all(e[3] == "full" for e in bdcompile.explain(compiled)["log"])


# ------------------------------------------------------------------------------ training mode, weights
def test_training_mode_with_a_backward_per_step():
    """Cached values are detached: a reuse step's backward does not reach into the previous step's
    graph (gradients do not flow into the skipped blocks on reuse steps)."""
    model = tiny_pixart(num_layers=4).train()
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, num_steps=S))
    oracle = Oracle(model, BLOCKS, 3, PLAN)
    ts = timesteps(S)
    with bdcompile.generation(compiled):
        for i, t in enumerate(ts):
            kw = pixart_inputs(2, t)
            model.zero_grad()
            out = compiled(**kw)[0]
            out.square().mean().backward()
            first = model.transformer_blocks[0].attn1.to_q.weight.grad
            last = model.transformer_blocks[3].attn1.to_q.weight.grad
            with torch.no_grad():
                want, action = oracle(i, **kw)
            _check(out.detach(), want, f"step {i} ({action})")
            assert last is not None and last.abs().sum() > 0
            assert (first is None or first.abs().sum() == 0) == (action == "reuse"), (i, action)


def test_load_state_dict_assign_after_compiling_keeps_explain_and_reset():
    model = tiny_dit(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, num_steps=S))
    ts = timesteps(S)
    with torch.no_grad():
        for t in ts[:4]:
            compiled(**dit_inputs(2, t))
        new = {k: v + 0.01 * torch.randn_like(v) for k, v in model.state_dict().items()}
        model.load_state_dict(new, assign=True)
        info = bdcompile.explain(compiled)
        assert len(info["log"]) == 4
        bdcompile.reset(compiled)
        oracle = Oracle(model, BLOCKS, 3, PLAN)
        acts = [_step(compiled, oracle, i, **dit_inputs(2, t)) for i, t in enumerate(ts)]
    assert acts == PLAN
    assert len(bdcompile.explain(model)["log"]) == 4 + S


# ------------------------------------------------------------------------------ unscoped calls
def test_unscoped_reuse_without_num_steps_warns_once_naming_the_scope():
    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS))
    with warnings.catch_warnings(record=True) as caught, torch.no_grad():
        warnings.simplefilter("always")
        for _ in range(2):
            for t in timesteps(S):
                compiled(**pixart_inputs(2, t))
    mine = [w for w in caught if "outside any generation scope" in str(w.message)]
    assert len(mine) == 1 and "bdcompile.generation(model)" in str(mine[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning inside a scope
        with bdcompile.generation(compiled), torch.no_grad():
            for t in timesteps(S):
                compiled(**pixart_inputs(2, t))


def test_heun_scheduler_with_attach_counts_every_model_evaluation():
    """Heun evaluates the model twice per step (its timesteps repeat): with attach the schedule runs
    over the scheduler's entries (model calls), not over distinct timesteps."""
    from diffusers import HeunDiscreteScheduler

    model = tiny_dit(num_layers=4)
    pipe = tiny_dit_pipeline(model)
    pipe.scheduler = HeunDiscreteScheduler.from_config(pipe.scheduler.config)
    pipe.transformer = torch.compile(model, backend="blockdance", options=dict(OPTS))
    bdcompile.attach(pipe)
    pipe(class_labels=[1, 2], num_inference_steps=S, output_type="np", generator=torch.Generator().manual_seed(0))
    entries = len(pipe.scheduler.timesteps)
    assert entries == 2 * S - 1
    got = [e[3] for e in bdcompile.explain(pipe.transformer)["log"]]
    assert got == static_plan(entries, WARMUP, STOP, N)
    assert bdcompile.explain(pipe.transformer)["host_reads"] == 0


# ------------------------------------------------------------------------------ Flux pipeline end to end
@pytest.mark.parametrize("true_cfg", [False, True])
def test_flux_pipeline_with_attach_end_to_end(true_cfg):
    """FluxPipeline inspects scheduler.set_timesteps for ``sigmas``: attach must keep the signature.
    Two generations in a row (the first cancelled), CFG as two calls per step when true_cfg."""
    model = tiny_flux()
    pipe = tiny_flux_pipeline(model)
    ref = tiny_flux_pipeline(
        OracleModel(
            copy.deepcopy(model),
            [("transformer_blocks", i) for i in range(2)] + [("single_transformer_blocks", i) for i in range(4)],
            4,
            slots=2 if true_cfg else 1,
        )
    )
    pipe.transformer = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=4))
    bdcompile.attach(pipe)
    neg = flux_prompt(9)
    kw = dict(flux_prompt(1), height=8, width=8, output_type="latent")
    if true_cfg:
        kw.update(
            negative_prompt_embeds=neg["prompt_embeds"],
            negative_pooled_prompt_embeds=neg["pooled_prompt_embeds"],
            true_cfg_scale=3.0,
        )

    def cancel(p, i, t, k):
        if i == 5:
            raise KeyboardInterrupt
        return k

    with pytest.raises(KeyboardInterrupt):
        pipe(**kw, num_inference_steps=S, generator=torch.Generator().manual_seed(0), callback_on_step_end=cancel)
    for n in (S, 7):
        got = pipe(**kw, num_inference_steps=n, generator=torch.Generator().manual_seed(n)).images
        ref.transformer.new_generation(static_plan(n, WARMUP, STOP, N))
        want = ref(**kw, num_inference_steps=n, generator=torch.Generator().manual_seed(n)).images
        assert "reuse" in ref.transformer.actions
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
        ref.transformer.actions.clear()


# ------------------------------------------------------------------------------ option types
@pytest.mark.parametrize(
    "options, words",
    [
        ({"warmup": "0.2"}, r"warmup='0.2' \(str\)"),
        ({"interval": True}, r"interval=True \(bool\)"),
        ({"interval": 2.0}, r"interval=2.0 \(float\)"),
        ({"boundary": 2.5}, r"boundary=2.5"),
        ({"stacks": "transformer_blocks"}, r"stacks='transformer_blocks'.*not a single string"),
        ({"plan": "FFxr"}, r"plan='FFxr' holds letters \['x'\]"),
        ({"plan": ["full", "again"]}, r"plan holds \['again'\]"),
        ({"plan": ["reuse", "full"]}, r"must start with a 'full' step"),
        ({"fallback": "yes"}, r"fallback='yes'"),
        ({"num_steps": 0}, r"num_steps=0"),
    ],
)
def test_option_types_raise_value_errors_naming_the_option(options, words):
    compiled = torch.compile(tiny_dit(num_layers=4), backend="blockdance", options=dict(options, inner="eager"))
    with pytest.raises(ValueError, match=words) as err, torch.no_grad():
        compiled(**dit_inputs(2, 999))
    assert "report a bug" not in str(err.value).lower()


def test_plan_letters_are_a_plan():
    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, plan="FFFrFrrFrF"))
    with bdcompile.generation(compiled), torch.no_grad():
        for t in timesteps(S):
            compiled(**pixart_inputs(2, t))
    assert bdcompile.explain(compiled)["plan"] == [{"F": "full", "r": "reuse"}[c] for c in "FFFrFrrFrF"]


# ------------------------------------------------------------------------------ attach and the pipeline's own checks
def test_attach_keeps_the_scheduler_class_and_a_users_step_wrapper():
    """attach follows the scheduler without changing its class (BriaPipeline runs ``scale_model_input`` unless
    ``type(self.scheduler) == FlowMatchEulerDiscreteScheduler``, which FlowMatchEuler does not have); a wrapper of
    ``step`` the user set before attach is still called; a deep copy of the scheduler steps itself, followed by
    nothing; ``set_timesteps`` keeps its signature."""
    import inspect

    import diffusers

    pipe = tiny_dit_pipeline(tiny_dit(num_layers=4))
    cls = type(pipe.scheduler)
    seen = []
    user_step = pipe.scheduler.step
    pipe.scheduler.step = lambda *a, **k: seen.append(1) or user_step(*a, **k)
    pipe.transformer = torch.compile(pipe.transformer, backend="blockdance", options=dict(OPTS, boundary=3))
    bdcompile.attach(pipe)
    assert type(pipe.scheduler) is cls
    with torch.no_grad():
        pipe(class_labels=[1], num_inference_steps=6, output_type="np", generator=torch.Generator().manual_seed(0))
    assert type(pipe.scheduler) is cls and len(seen) == 6
    log = bdcompile.explain(pipe.transformer)["log"]
    assert [e[1] for e in log] == list(range(6)) and [e[3] for e in log] == static_plan(6, WARMUP, STOP, N)
    assert (
        list(inspect.signature(pipe.scheduler.set_timesteps).parameters)
        == list(inspect.signature(cls.set_timesteps).parameters)[1:]
    )
    twin = copy.deepcopy(pipe.scheduler)
    assert twin.step.__self__ is twin and twin.set_timesteps.__self__ is twin

    flow = diffusers.FlowMatchEulerDiscreteScheduler()
    fake = type("P", (), {"scheduler": flow, "transformer": pipe.transformer})()
    bdcompile.attach(fake)
    assert type(flow) is diffusers.FlowMatchEulerDiscreteScheduler


@pytest.mark.parametrize("how", ["uncompiled", "inductor"])
def test_attached_pipeline_whose_transformer_never_reaches_the_backend_warns_once(how):
    """A first-hour slip: bdcompile.attach(pipe) after torch.compile without backend="blockdance" (or without
    torch.compile): the pipeline runs, uncached; the end of the generation says so once, naming the fix. A pipeline
    whose transformer is compiled with the backend says nothing."""
    model = tiny_dit(num_layers=4)
    transformer = model if how == "uncompiled" else torch.compile(model, backend="eager")
    pipe = bdcompile.attach(tiny_dit_pipeline(transformer))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for seed in range(2):
            pipe(
                class_labels=[1], num_inference_steps=4, output_type="np", generator=torch.Generator().manual_seed(seed)
            )
    mine = [str(w.message) for w in caught if "nothing was cached" in str(w.message)]
    assert len(mine) == 1, mine
    assert "ran 4 steps" in mine[0] and "torch.compile(pipe.transformer, backend='blockdance')" in mine[0]

    good = bdcompile.attach(
        tiny_dit_pipeline(torch.compile(tiny_dit(num_layers=4), backend="blockdance", options=OPTS))
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        good(class_labels=[1], num_inference_steps=4, output_type="np", generator=torch.Generator().manual_seed(0))
    assert not [w for w in caught if "nothing was cached" in str(w.message)]
