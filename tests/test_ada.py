"""BlockDance-Ada: REINFORCE learns a rewarded plan; the dispatcher follows the policy's plan."""

from __future__ import annotations

import pytest
import torch
from diffusers import DDIMScheduler
from models import dit_inputs, timesteps, tiny_dit
from oracle import Oracle, ResidualOracle, rel_err

import bdcompile
from bdcompile.ada import AdaPolicy, Reinforce, dispatch_policy, greedy_plan


@pytest.mark.parametrize("samples,init", [(1, None), (4, "opposite")])
def test_reinforce_learns_to_reuse_exactly_on_rewarded_steps(samples, init):
    """Moving-average baseline from p = 0.5, and RLOO (4 rollouts per state) from the opposite plan."""
    torch.manual_seed(0)
    decisions = 8
    target = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0], dtype=torch.float32)
    policy = AdaPolicy(latent_channels=4, latent_size=8, num_decisions=decisions, num_classes=10, dim=32, depth=1)
    if init == "opposite":
        policy.init_plan((1 - target).tolist())
        assert torch.equal((policy(torch.randn(2, 4, 8, 8), torch.arange(2)) > 0.5).float(), (1 - target).expand(2, -1))
    # quality: 1 when every action is on a rewarded step, minus the share of wrong reuses/misses
    quality = lambda a: 1.0 - ((a - target).abs().mean(1) * 2) - a.mean(1) / 2  # noqa: E731  (cancels the reuse bonus)
    trainer = Reinforce(policy, lr=3e-3, lam=2.0, samples=samples)
    for _ in range(300):
        trainer.step(torch.randn(16 // samples, 4, 8, 8), torch.randint(0, 10, (16 // samples,)), quality)
    probs = policy(torch.randn(4, 4, 8, 8), torch.randint(0, 10, (4,)))
    assert torch.equal((probs > 0.5).float(), target.expand(4, -1)), probs
    assert trainer.history[-1]["reward"] > trainer.history[0]["reward"]


def test_dispatcher_follows_the_policy_plan():
    torch.manual_seed(0)
    S, start = 12, 5
    policy = AdaPolicy(latent_channels=4, latent_size=8, num_decisions=S - start, num_classes=1000, dim=16, depth=1)
    with torch.no_grad():  # a policy that wants to reuse on every other remaining step
        policy.head[-1].bias.copy_(torch.tensor([-5.0, 5.0] * 3 + [-5.0]))
    model = tiny_dit(num_layers=4)
    compiled = torch.compile(
        model,
        backend="blockdance",
        options=dict(num_steps=S, boundary=2, inner="eager", policy=dispatch_policy(policy), policy_start=start / S),
    )
    expected = ["full"] * start + ["full", "reuse"] * 3 + ["full"]
    oracle = Oracle(model, [("transformer_blocks", i) for i in range(4)], 2, expected)
    with torch.no_grad():
        for gen in range(2):
            oracle.new_generation()
            for step, t in enumerate(timesteps(S)):
                kw = dit_inputs(2, t, seed=gen)
                got, (want, _) = compiled(**kw), oracle(step, **kw)
                assert rel_err(got, want) < 1e-5
    info = bdcompile.explain(compiled)
    assert [e[3] for e in info["log"]] == expected * 2
    assert info["plan"] == expected
    assert greedy_plan(torch.tensor([0.9, 0.1]), 1, 3) == ["full", "reuse", "full"]


def test_training_environment_is_what_the_backend_runs():
    """Ada is trained in an eager environment with per-sample plans; each sample's result must equal a
    batch-1 generation through backend='blockdance' following that sample's plan."""
    from bdcompile.ada_train import Env

    torch.manual_seed(0)
    S = 10
    model = tiny_dit(num_layers=4)
    env = Env(model, num_steps=S, guidance=3.0)  # boundary round(0.75 * 4) = 3, window opens at step 4
    assert (env.boundary, env.start, env.decisions) == (3, 4, 6)
    noise = torch.randn(3, 4, 8, 8)
    labels = torch.tensor([1, 5, 7])
    actions = torch.tensor([[0, 1, 0, 1, 1, 0], [0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        x, cache = env.warm(noise, labels)
        got = env.finish(x, cache, labels, actions)
        uncached = env.finish(x, cache, labels, None)

    for i in range(3):
        plan = ["full"] * env.start + ["reuse" if a else "full" for a in actions[i].tolist()]
        torch._dynamo.reset()
        compiled = torch.compile(
            model, backend="blockdance", options=dict(num_steps=S, boundary=3, inner="eager", plan=plan)
        )
        sched = DDIMScheduler()
        sched.set_timesteps(S)
        xi, lab = noise[i : i + 1], torch.tensor([labels[i], 1000])
        with torch.no_grad():
            for t in sched.timesteps:  # CFG as one doubled batch, written out by hand
                out = compiled(torch.cat([xi, xi]), timestep=t.expand(2), class_labels=lab, return_dict=False)[0][:, :4]
                cond, uncond = out.chunk(2)
                xi = sched.step(uncond + 3.0 * (cond - uncond), t, xi).prev_sample
        assert rel_err(got[i : i + 1], xi) < 1e-5, (i, rel_err(got[i : i + 1], xi))
        assert [e[3] for e in bdcompile.explain(compiled)["log"]] == plan
    assert rel_err(got[:2], uncached[:2]) > 1e-3  # the reuse plans made a difference ...
    assert rel_err(got[2:], uncached[2:]) < 1e-6  # ... and the all-full plan none


# ---------------------------------------------------------------------------------------------- multi-action Ada
MULTI = ("full", "reuse@2", "residual@3", "residual@4")  # prefix reuse, prefix residual, the whole stack (4 blocks)


def _sd3_encode():
    """Label embeddings for the tiny SD3 model: (prompt, negative prompt, pooled, negative pooled), null row 10."""
    g = torch.Generator().manual_seed(3)
    pe, pooled = torch.randn(11, 5, 32, generator=g), torch.randn(11, 64, generator=g)

    def encode(labels):
        labels = torch.as_tensor(labels).reshape(-1)
        null = torch.full_like(labels, 10)
        return pe[labels], pe[null], pooled[labels], pooled[null]

    return encode


def _env_and_model(family, actions):
    from diffusers import FlowMatchEulerDiscreteScheduler

    from bdcompile.ada_train import Env

    if family == "dit":
        model = tiny_dit(num_layers=4)
        return Env(model, num_steps=S_MULTI, guidance=3.0, actions=actions), model
    from models import tiny_sd3

    model = tiny_sd3(num_layers=4)
    return Env(
        model,
        num_steps=S_MULTI,
        guidance=3.0,
        actions=actions,
        encode=_sd3_encode(),
        scheduler=FlowMatchEulerDiscreteScheduler(),
    ), model


S_MULTI = 10


def _batch1(env, model, noise, label, predict_model):
    """One sample's generation, CFG as one doubled batch, through ``predict_model(**inputs)`` (a compiled
    model or an oracle), the sampling loop of the pipelines (:func:`bdcompile.sampling.denoise`)."""
    from bdcompile.sampling import denoise

    if not env.mmdit:
        lab = torch.tensor([int(label), env.null])

        def predict(x2, t):
            return predict_model(hidden_states=x2, timestep=t.expand(2), class_labels=lab, return_dict=False)[0]
    else:
        pe, npe, pooled, npooled = env.encode(torch.tensor([int(label)]))
        ctx, pool = torch.cat([npe, pe]), torch.cat([npooled, pooled])

        def predict(x2, t):
            return predict_model(
                hidden_states=x2,
                timestep=t.expand(2),
                encoder_hidden_states=ctx,
                pooled_projections=pool,
                return_dict=False,
            )[0]

    sched = type(env.scheduler).from_config(env.scheduler.config)
    sched.set_timesteps(env.num_steps)
    return denoise(predict, sched, noise, guidance=env.guidance, cond_first=env.cond_first)


def _rollout(env, noise, labels, actions):
    with torch.no_grad():
        x, cache = env.warm(noise, labels)
        return env.finish(x, cache, labels, actions), env.finish(x, cache, labels, None)


# each sample mixes the kinds differently; index 0 full, 1 reuse@2, 2 residual@3, 3 residual@4
MULTI_ACTIONS = torch.tensor([[0, 1, 2, 0, 3, 1], [0, 3, 3, 0, 2, 2], [0, 1, 1, 1, 0, 3]])


@pytest.mark.parametrize("family", ["dit", "sd3"])
def test_environment_runs_every_action_kind_as_the_backend(family):
    """Per-sample plans mixing prefix reuse, prefix residual and whole-stack residual: each sample equals a
    batch-1 generation through backend='blockdance' following that sample's plan."""
    torch.manual_seed(0)
    env, model = _env_and_model(family, MULTI)
    assert (env.start, env.decisions) == (4, 6)
    c = model.config.in_channels
    noise = torch.randn(3, c, 8, 8, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([1, 5, 7])
    got, uncached = _rollout(env, noise, labels, MULTI_ACTIONS)
    plans = env.plans(MULTI_ACTIONS)
    for i in range(3):
        torch._dynamo.reset()
        compiled = torch.compile(
            model, backend="blockdance", options=dict(num_steps=S_MULTI, inner="eager", plan=plans[i])
        )
        want = _batch1(env, model, noise[i : i + 1], labels[i], compiled)
        assert rel_err(got[i : i + 1], want) < 1e-5, (i, rel_err(got[i : i + 1], want))
        assert [e[3] for e in bdcompile.explain(compiled)["log"]] == plans[i]
        assert rel_err(got[i : i + 1], uncached[i : i + 1]) > 1e-4  # every plan made a difference


class _MixedOracle:
    """Oracle (value reuse at any boundary) and ResidualOracle (one per residual boundary) side by side:
    every full step runs through all of them (each records what it caches), a skip through its own."""

    def __init__(self, model, blocks, plan):
        self.plan = plan
        self.value = Oracle(model, blocks, 2, [a if a.startswith("reuse") or a == "full" else "full" for a in plan])
        self.residual = {
            b: ResidualOracle(model, blocks, hi=b, plan=["residual" if a == f"residual@{b}" else "full" for a in plan])
            for b in {int(a.split("@")[1]) for a in plan if a.startswith("residual")}
        }
        self.step = 0

    def __call__(self, **kw):
        action, step = self.plan[self.step], self.step
        self.step += 1
        if action == "full":
            out, _ = self.value(step, **kw)
            for r in self.residual.values():
                again, _ = r(step, **kw)
                assert rel_err(again, out) == 0.0
            return out
        if action.startswith("reuse"):
            out, ran = self.value(step, **kw)
        else:
            out, ran = self.residual[int(action.split("@")[1])](step, **kw)
        assert ran != "full", (step, action)
        return out


@pytest.mark.parametrize("family", ["dit", "sd3"])
def test_environment_matches_the_eager_oracles(family):
    """The same per-sample plans against tests/oracle.py (no bdcompile code): module-level replay of the
    cached block outputs for reuse@b, input + cached residual of blocks [0, b) for residual@b."""
    torch.manual_seed(0)
    env, model = _env_and_model(family, MULTI)
    c = model.config.in_channels
    noise = torch.randn(3, c, 8, 8, generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([1, 5, 7])
    got, _ = _rollout(env, noise, labels, MULTI_ACTIONS)
    blocks = [("transformer_blocks", i) for i in range(4)]
    for i, plan in enumerate(env.plans(MULTI_ACTIONS)):
        oracle = _MixedOracle(model, blocks, plan)
        with torch.no_grad():
            want = _batch1(env, model, noise[i : i + 1], labels[i], oracle)
        assert rel_err(got[i : i + 1], want) < 1e-5, (i, rel_err(got[i : i + 1], want))


@pytest.mark.parametrize("samples,init", [(4, None), (4, "wrong")])
def test_reinforce_learns_the_best_categorical_plan(samples, init):
    """Four actions with savings 0, 1/2, 3/4, 1; a toy quality that, with the savings, rewards exactly one
    plan (a mix of all four actions): REINFORCE with a categorical head finds it, from uniform
    probabilities and from a confident wrong plan."""
    from bdcompile.ada import action_savings

    torch.manual_seed(0)
    savings = action_savings(MULTI, num_blocks=4, boundary=3)
    assert savings == [0.0, 0.5, 0.75, 1.0]
    target = torch.tensor([0, 2, 1, 3, 3, 0, 2, 1])
    policy = AdaPolicy(
        latent_channels=4, latent_size=8, num_decisions=8, num_classes=10, dim=32, depth=1, actions=MULTI
    )
    if init == "wrong":
        policy.init_plan([(t + 1) % 4 for t in target.tolist()])
        wrong = policy(torch.randn(2, 4, 8, 8), torch.arange(2)).argmax(-1)
        assert torch.equal(wrong, ((target + 1) % 4).expand(2, -1))
    sav = torch.tensor(savings)
    lam = 2.0
    # reward = saved + lam * quality = -(share of steps off the target plan)
    quality = lambda a: (-(a != target).float().mean(1) - sav[a].mean(1)) / lam  # noqa: E731
    trainer = Reinforce(policy, lr=3e-3, lam=lam, samples=samples, savings=savings)
    for _ in range(300):
        trainer.step(torch.randn(16 // samples, 4, 8, 8), torch.randint(0, 10, (16 // samples,)), quality)
    probs = policy(torch.randn(4, 4, 8, 8), torch.randint(0, 10, (4,)))
    assert probs.shape == (4, 8, 4)
    assert torch.equal(probs.argmax(-1), target.expand(4, -1)), probs
    assert trainer.history[-1]["reward"] > trainer.history[0]["reward"]
    assert greedy_plan(probs[0], 2, 10, MULTI) == ["full"] * 2 + [MULTI[t] for t in target.tolist()]


def test_multi_action_policy_file_runs_through_the_backend(tmp_path):
    """options={"policy": path}: the backend builds a variant for every action of the policy and follows
    its greedy plan; the result equals the eager oracles on that plan."""
    from bdcompile.ada import load_policy, save_policy
    from bdcompile.options import Settings

    torch.manual_seed(0)
    S, start = 10, 4
    policy = AdaPolicy(
        latent_channels=4, latent_size=8, num_decisions=S - start, num_classes=1000, dim=16, depth=1, actions=MULTI
    )
    want_idx = [0, 1, 2, 0, 3, 1]
    policy.init_plan(want_idx, confidence=0.9)
    path = tmp_path / "multi.safetensors"
    save_policy(policy, path, boundary=3, start=start, num_steps=S)
    loaded, meta = load_policy(path)
    assert loaded.actions == MULTI and meta["actions"] == list(MULTI)
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(loaded(x, torch.arange(2)), policy(x, torch.arange(2)))

    settings = Settings.from_options(dict(num_steps=S, policy=str(path), policy_start=start / S, inner="eager"))
    assert settings.actions() == {"reuse@2", "residual@3", "residual@4"}
    model = tiny_dit(num_layers=4)
    torch._dynamo.reset()
    compiled = torch.compile(
        model, backend="blockdance", options=dict(num_steps=S, inner="eager", policy=str(path), policy_start=start / S)
    )
    expected = ["full"] * start + [MULTI[i] for i in want_idx]
    oracle = _MixedOracle(model, [("transformer_blocks", i) for i in range(4)], expected)
    with torch.no_grad():
        for step, t in enumerate(timesteps(S)):
            kw = dit_inputs(2, t, seed=0)  # the policy reads the first (conditional) half of the batch
            got, want = compiled(**kw), oracle(**kw)
            assert rel_err(got, want) < 1e-5, (step, rel_err(got, want))
    info = bdcompile.explain(compiled)
    assert [e[3] for e in info["log"]] == expected
    assert info["plan"] == expected


def test_shipped_binary_policy_loads_as_a_path_option():
    """The digits policies (two actions, records without 'actions') load as before and as a path option."""
    from bdcompile.ada import BINARY, load_policy
    from bdcompile.options import Settings
    from bdcompile.zoo import digits

    policy, meta = load_policy(digits.ADA_POLICY)
    assert policy.actions == BINARY and policy.binary and "actions" not in meta
    probs = policy(torch.randn(3, 1, 8, 8), torch.tensor([1, 2, 3]))
    assert probs.shape == (3, meta["num_decisions"])
    settings = Settings.from_options(dict(num_steps=20, boundary=meta["boundary"], policy=str(digits.ADA_POLICY)))
    assert settings.actions() == {"reuse"}
    assert Settings.from_options(dict(policy=str(digits.ADA_POLICY))).policy is settings.policy  # loaded once
    plan = settings.policy(
        {"hidden_states": torch.randn(4, 1, 8, 8), "class_labels": torch.tensor([3, 3, 1000, 1000])}, meta["start"], 20
    )
    assert len(plan) == 20 and set(plan) <= {"full", "reuse"} and plan[: meta["start"]] == ["full"] * meta["start"]


def test_mmdit_policy_file_through_the_backend_equals_the_environment(tmp_path):
    """A multi-action policy on a two-stream MMDiT reading the pipeline's inputs (pooled projections of the
    conditional half, second in SD3's [uncond; cond] batch): per sample, its greedy plan in the training
    environment equals the backend's generation with options={"policy": path}, plan and result."""
    from bdcompile.ada import save_policy

    torch.manual_seed(0)
    env, model = _env_and_model("sd3", MULTI)
    policy = AdaPolicy(
        latent_channels=4, latent_size=8, num_decisions=env.decisions, cond_dim=64, dim=16, depth=1, actions=MULTI
    )
    with torch.no_grad():  # plans that depend on the input
        torch.nn.init.normal_(policy.head[-1].weight, std=3.0)
    path = tmp_path / "mmdit.safetensors"
    save_policy(
        policy,
        path,
        boundary=env.boundary,
        start=env.start,
        num_steps=S_MULTI,
        dispatch=dict(latent_arg="hidden_states", cond_arg="pooled_projections", cfg_batch=True, cond_first=False),
    )
    noise = torch.randn(3, 4, 8, 8, generator=torch.Generator().manual_seed(2))
    labels = torch.tensor([0, 4, 9])
    with torch.no_grad():
        x, cache = env.warm(noise, labels)
        acts = policy.action_probs(x, env.state_cond(labels)).argmax(-1)
        got = env.finish(x, cache, labels, acts)
    plans = env.plans(acts)
    assert len({tuple(p) for p in plans}) > 1 and len({a for p in plans for a in p}) > 2  # varied, mixed kinds
    torch._dynamo.reset()
    compiled = torch.compile(
        model,
        backend="blockdance",
        options=dict(num_steps=S_MULTI, inner="eager", policy=str(path), policy_start=env.start / S_MULTI),
    )
    for i in range(3):
        with torch.no_grad():
            want = _batch1(env, model, noise[i : i + 1], labels[i], compiled)
        assert [e[3] for e in bdcompile.explain(compiled)["log"]][-S_MULTI:] == plans[i]
        assert rel_err(got[i : i + 1], want) < 1e-5, (i, rel_err(got[i : i + 1], want))
