"""The blockdance backend against the hand-written eager oracle (tests/oracle.py)."""

from __future__ import annotations

import pytest
import torch
from models import dit_inputs, pixart_inputs, timesteps, tiny_dit, tiny_pixart
from oracle import Oracle, first, rel_err, static_plan

import bdcompile

S = 20
OPTS = dict(warmup=0.4, stop=0.95, interval=2, num_steps=S)
TOL = {"eager": 1e-5, "inductor": 1e-3}


def _blocks(model, n):
    return [("transformer_blocks", i) for i in range(n)]


def _actions(compiled):
    return [entry[3] for entry in bdcompile.explain(compiled)["log"]]


def run_generation(compiled, oracle, make, ts, slots=1, tol=1e-5, check_reuse_differs=True):
    """One denoising loop; every call compared with the oracle. Returns the oracle's actions."""
    oracle.new_generation()
    actions = []
    with torch.no_grad():
        for step, t in enumerate(ts):
            for slot in range(slots):
                kw = make(step, slot, t)
                got = compiled(**kw)
                want, action = oracle(step, slot, **kw)
                err = rel_err(got, want)
                assert err <= tol, f"step {step} slot {slot} ({action}): relative error {err:.2e} > {tol}"
                if action == "reuse" and check_reuse_differs:
                    plain = oracle.model(**kw)
                    assert rel_err(got, plain) > 10 * tol, "a reuse step gave the uncached output: nothing was reused"
                actions.append(action)
    return actions


@pytest.mark.parametrize("inner", ["eager", "inductor"])
def test_dit_cfg_as_doubled_batch_matches_oracle(inner):
    model = tiny_dit()
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=dict(OPTS, boundary=6, inner=inner))
    oracle = Oracle(model, _blocks(model, 8), boundary=6, plan=static_plan(S, 0.4, 0.95, 2))
    ts = timesteps(S)

    def make(step, slot, t):
        return dit_inputs(4, t)  # cond + uncond halves in one batch of 4

    actions = run_generation(compiled, oracle, make, ts, tol=TOL[inner])
    assert actions.count("reuse") == static_plan(S, 0.4, 0.95, 2).count("reuse") == 5
    assert _actions(compiled) == actions


def test_pixart_cfg_as_two_calls_two_generations_batch_and_resolution_changes():
    model = tiny_pixart()
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=dict(OPTS, boundary=6, inner="eager"))
    plan = static_plan(S, 0.4, 0.95, 2)
    oracle = Oracle(model, _blocks(model, 8), boundary=6, plan=plan)
    ts = timesteps(S)

    def make(step, slot, t, batch=2, size=8):
        return pixart_inputs(batch, t, size=size, seed=slot)  # slot 0: cond, slot 1: uncond

    a1 = run_generation(compiled, oracle, make, ts, slots=2)
    a2 = run_generation(compiled, oracle, make, ts, slots=2)  # a second generation right after
    assert a1 == a2 and a1.count("reuse") == 2 * plan.count("reuse")

    # batch size change at step 12 (inside the reuse window), resolution change at step 16
    def changed(step, slot, t):
        return make(step, slot, t, batch=3 if step >= 12 else 2, size=16 if step >= 16 else 8)

    a3 = run_generation(compiled, oracle, changed, ts, slots=2)
    # steps 12 and 16 were planned as reuse but the cache is for other shapes: the oracle computes in full
    assert plan[12] == "full" and plan[13] == "reuse"
    assert a3[2 * 16] == "full" and plan[16] == "full"
    assert _actions(compiled) == a1 + a2 + a3


def test_shape_change_on_a_planned_reuse_step_recomputes():
    model = tiny_pixart(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=dict(OPTS, boundary=2, inner="eager"))
    plan = static_plan(S, 0.4, 0.95, 2)
    oracle = Oracle(model, _blocks(model, 4), boundary=2, plan=plan)
    first_reuse = plan.index("reuse")

    def make(step, slot, t):
        return pixart_inputs(3 if step >= first_reuse else 2, t)

    actions = run_generation(compiled, oracle, make, timesteps(S))
    assert actions[first_reuse] == "full", "a cache made for batch 2 must not be reused for batch 3"
    assert actions.count("reuse") == plan.count("reuse") - 1


def test_dtype_change_recomputes():
    model = tiny_dit(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=2, inner="eager"))
    plan = static_plan(S, 0.4, 0.95, 2)
    r = plan.index("reuse")
    with torch.no_grad():
        for step, t in enumerate(timesteps(S)):
            kw = dit_inputs(2, t)
            if step == r:
                model.to(torch.float64)
            if step >= r:
                kw["hidden_states"] = kw["hidden_states"].double()
            compiled(**kw)
    log = bdcompile.explain(compiled)["log"]
    assert log[r][3] == "full" and log[r][4] == "reuse"
    assert log[r + 2][3] == "reuse"


def test_full_steps_equal_uncompiled_model():
    model = tiny_dit()
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=dict(OPTS, boundary=6, inner="eager"))
    with torch.no_grad():
        for _step, t in enumerate(timesteps(S)):
            kw = dit_inputs(2, t)
            got, want = first(compiled(**kw)), first(model(**kw))
            if bdcompile.explain(compiled)["log"][-1][3] == "full":
                torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)


def test_counter_mode_reads_nothing_and_matches_timestep_mode():
    model = tiny_pixart(num_layers=4)
    plan = static_plan(S, 0.4, 0.95, 2)
    opts = dict(OPTS, boundary=2, inner="eager", step_source="counter", calls_per_step=2)
    compiled = torch.compile(model, backend="blockdance", fullgraph=True, options=opts)
    oracle = Oracle(model, _blocks(model, 4), boundary=2, plan=plan)

    def make(step, slot, t):
        return pixart_inputs(2, t, seed=slot)

    for _ in range(2):
        run_generation(compiled, oracle, make, timesteps(S), slots=2)
    info = bdcompile.explain(compiled)
    assert info["host_reads"] == 0
    assert info["calls_by_action"]["reuse"] == 2 * 2 * plan.count("reuse")


def test_without_num_steps_fractions_map_onto_the_timestep_range():
    model = tiny_dit(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(boundary=2, inner="eager"))
    ts = timesteps(S)
    with torch.no_grad():
        for t in ts:
            compiled(**dit_inputs(2, t))
    got = [e[3] for e in bdcompile.explain(compiled)["log"]]
    # window: 0.4 <= 1 - t/999 < 0.95, groups of 2 counted from the first step inside it
    expected, k = [], 0
    for t in ts:
        p = 1 - t / ts[0]
        if 0.4 <= p < 0.95:
            expected.append("full" if k % 2 == 0 else "reuse")
            k += 1
        else:
            expected.append("full")
    assert got == expected and "reuse" in got


def test_explicit_reset_starts_a_new_generation():
    model = tiny_dit(num_layers=4)
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=2, inner="eager"))
    with torch.no_grad():
        for t in timesteps(S)[:10]:
            compiled(**dit_inputs(2, t))
        bdcompile.reset(compiled)
        for t in timesteps(S)[10:12]:  # a new generation that starts mid-range: step 0 and 1 of it
            compiled(**dit_inputs(2, t))
    log = bdcompile.explain(compiled)["log"]
    assert log[10][0] == log[9][0] + 1 and log[10][1] == 0 and log[11][1] == 1


def test_reuse_variant_has_no_skipped_block_nodes():
    model = tiny_pixart()
    compiled = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=5, inner="eager"))
    with torch.no_grad():
        compiled(**pixart_inputs(2, 999))
    g = bdcompile.explain(compiled)["graphs"][0]
    assert g["blocks"] == [f"transformer_blocks.{i}" for i in range(8)]
    assert g["boundary"] == 5 and len(g["cut"]) == 1 and g["cut"][0]["shape"] == (2, 16, 16)
    assert set(g["nodes"]) == {"traced", "full", "reuse@5"} and g["nodes"]["reuse@5"] < g["nodes"]["full"]
    # the plan says "reuse" (the configured boundary); "variants" names the graph that runs each plan action
    info = bdcompile.explain(compiled, num_steps=10)
    assert set(info["plan"]) == {"full", "reuse"} and g["variants"]["reuse"] == "reuse@5"
    assert all(g["variants"][a] in g["nodes"] for a in info["plan"])


def test_attach_follows_the_pipeline_scheduler():
    from diffusers import AutoencoderKL, DDIMScheduler, DiTPipeline

    torch.manual_seed(0)
    vae = AutoencoderKL(
        block_out_channels=(8,),
        down_block_types=("DownEncoderBlock2D",),
        up_block_types=("UpDecoderBlock2D",),
        latent_channels=4,
        norm_num_groups=8,
        sample_size=8,
    ).eval()
    model = tiny_dit()
    pipe = DiTPipeline(transformer=model, vae=vae, scheduler=DDIMScheduler())
    pipe.set_progress_bar_config(disable=True)
    ref = pipe(
        class_labels=[1, 2], num_inference_steps=10, generator=torch.Generator().manual_seed(0), output_type="np"
    ).images
    pipe.transformer = torch.compile(model, backend="blockdance", options=dict(boundary=6, inner="eager"))
    bdcompile.attach(pipe)
    for n in (10, 12):
        pipe(class_labels=[1, 2], num_inference_steps=n, generator=torch.Generator().manual_seed(0), output_type="np")
    info = bdcompile.explain(pipe.transformer)
    got = [e[3] for e in info["log"]]
    assert got == static_plan(10, 0.4, 0.95, 2) + static_plan(12, 0.4, 0.95, 2)
    assert ref.shape == (2, 8, 8, 3)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"boundary": 8}, "boundary=8 is outside"),
        ({"boundary": 0}, "boundary must be an integer >= 1"),
        ({"warmup": 0.9, "stop": 0.5}, "must not exceed stop"),
        ({"interval": 0}, "interval"),
        ({"inner": "tvm-ish"}, "unknown inner backend"),
        ({"bogus": 1}, "unknown option"),
    ],
)
def test_bad_options_raise_value_error(options, words):
    model = tiny_dit()
    compiled = torch.compile(model, backend="blockdance", options=dict(options, num_steps=S))
    with pytest.raises(ValueError, match=words), torch.no_grad():
        compiled(**dit_inputs(2, 999))


def test_model_without_block_stack_is_refused_with_the_lists_seen():
    class NoBlocks(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(4, 4)
            self.heads = torch.nn.ModuleList([torch.nn.Linear(4, 4), torch.nn.ReLU()])

        def forward(self, x, timestep):
            return self.heads[1](self.heads[0](self.proj(x))) * timestep

    compiled = torch.compile(NoBlocks(), backend="blockdance")
    with pytest.raises(ValueError, match=r"no stack of transformer blocks.*'heads': 2"):
        compiled(torch.randn(2, 4), torch.tensor(1.0))
    with pytest.warns(UserWarning, match="falling back"):
        torch._dynamo.reset()
        out = torch.compile(NoBlocks(), backend="blockdance", options={"fallback": True, "inner": "eager"})(
            torch.randn(2, 4), torch.tensor(1.0)
        )
    assert out.shape == (2, 4)


def test_backend_is_listed_after_install():
    assert "blockdance" in torch._dynamo.list_backends()


def test_two_compiles_of_one_model_keep_their_own_options_and_state():
    model = tiny_dit(num_layers=4)
    a = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=1, inner="eager"))
    b = torch.compile(model, backend="blockdance", options=dict(OPTS, boundary=3, interval=3, inner="eager"))
    with torch.no_grad():
        for t in timesteps(S):
            a(**dit_inputs(2, t))
            b(**dit_inputs(2, t))
    ea, eb = bdcompile.explain(a), bdcompile.explain(b)
    assert ea["graphs"][0]["boundary"] == 1 and eb["graphs"][0]["boundary"] == 3
    assert [e[3] for e in ea["log"]] == static_plan(S, 0.4, 0.95, 2)
    assert [e[3] for e in eb["log"]] == static_plan(S, 0.4, 0.95, 3)


def test_tensorrt_inner_without_torch_tensorrt_names_the_install():
    pytest.importorskip("diffusers")
    try:
        import torch_tensorrt  # noqa: F401

        pytest.skip("torch_tensorrt is installed here; the GPU path is exercised on a GPU machine")
    except ImportError:
        pass
    compiled = torch.compile(tiny_dit(num_layers=4), backend="blockdance", options=dict(OPTS, inner="tensorrt"))
    with pytest.raises(ImportError, match=r"pip install 'bdcompile\[tensorrt\]'"), torch.no_grad():
        compiled(**dit_inputs(2, 999))
